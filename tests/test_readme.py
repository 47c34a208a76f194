"""The README as a user and a developer follow it: every command, make target, file and notebook it
names exists, and the cheap commands run as written (in a temporary folder) and say what they promise."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stresskit import cli

from conftest import EXAMPLE, ROOT, copy_example

TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent  # the venv's bin/, where `make` installs the `stresskit` command
# ```sh blocks (also indented under a list item); a line's `# comment` is for the reader
BLOCKS = re.findall(r"^ *```sh\n(.*?)^ *```", TEXT, re.M | re.S)
LINES = [re.sub(r"\s+#.*$", "", line).strip() for block in BLOCKS for line in block.splitlines()]
LINES = [line for line in LINES if line]
PROSE = re.sub(r"^ *```.*?^ *```", "", TEXT, flags=re.M | re.S)
SPANS = re.findall(r"`([^`\n]+)`", PROSE)  # `inline` code in the text
PROGRAMS = ("make ", "stresskit ", ".venv/bin/stresskit ", "papermill ", "jupyter ")
COMMANDS = LINES + [s for s in SPANS if s.startswith(PROGRAMS)]


def stresskit_commands() -> list[list[str]]:
    """Each `stresskit …` command the README shows, as its arguments after `stresskit`."""
    found = []
    for command in COMMANDS:
        words = command.split()
        if words[0] in ("stresskit", ".venv/bin/stresskit"):
            found.append(words[1:])
    return found


def jupyter_lines() -> list[list[str]]:
    """The README's papermill and nbconvert lines, as a shell splits them."""
    block = next(b for b in BLOCKS if b.startswith("papermill "))
    return [shlex.split(re.sub(r"\s+#.*$", "", line)) for line in block.strip().splitlines()]


def help_of(*words: str, capsys) -> str:
    """`stresskit WORDS --help`, in the process (what the command prints and its exit code)."""
    with pytest.raises(SystemExit) as ended:
        cli.main([*words, "--help"])
    assert ended.value.code == 0, words
    return capsys.readouterr().out


def test_the_readme_shows_commands_for_users_and_developers():
    assert len(BLOCKS) >= 5 and len(stresskit_commands()) >= 20
    assert {"make demo", "make test"} <= set(LINES)  # the two commands
    assert {"make lint", "make test-fast"} <= set(SPANS)


def test_every_make_target_it_names_is_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w.-]+):", makefile, re.M))
    named = {c.split()[1] for c in COMMANDS if c.startswith("make ")}
    assert {"demo", "test", "test-fast", "lint", "lab", "present", "bench"} <= named
    assert named - targets == set()
    assert named <= set(re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split())


def test_every_stresskit_command_and_option_it_names_exists_and_every_command_is_named(capsys):
    top = help_of(capsys=capsys)
    commands = set(re.findall(r"^    ([a-z-]+)\s", top, re.M))
    assert {"new", "validate", "run", "present", "lab", "answers", "mapping"} <= commands
    named = set()
    for words in stresskit_commands():
        command = words[0]
        assert command in commands, words
        named.add(command)
        path = [command]
        if command in ("answers", "mapping") and len(words) > 1 and not words[1].startswith("-"):
            path.append(words[1])
            assert re.search(rf"^    {words[1]}\s", help_of(command, capsys=capsys), re.M), words
        text = help_of(*path, capsys=capsys)
        for option in re.findall(r"--[a-z][a-z-]*", " ".join(words)):
            assert option in text, (words, option)
    assert commands - named == set(), "kommandoer, README'en ikke nævner"


def test_every_file_and_folder_of_the_project_it_names_exists():
    """Paths in the project (not in a user's workbook, which the README names too: `apv/`, `signals.csv`)."""
    top = {p.name for p in ROOT.iterdir()} - {"reports", "README.md"}  # reports/ is made by runs
    # `stresskit/vote…` are the present server's routes; `stresskit/_notebooks/` is made when the wheel is built
    # and `data/example/notesbøger/` by `make lab`
    not_files = {"stresskit/vote", "stresskit/vote/qr.svg", "stresskit/_notebooks/", "data/example/notesbøger/"}
    words = [w for s in SPANS for w in s.split()] + [w for line in LINES for w in line.split()]
    paths = {w.rstrip(".,;:)") for w in words if "/" in w and not w.startswith(("-", "http", "../", "."))}
    checked = []
    for path in sorted(paths - not_files):
        first = path.split("/")[0]
        if first in top:
            assert (ROOT / path).exists(), path
            checked.append(path)
        elif first in ("content", "templates"):  # the package's data, named from inside stresskit/
            assert (ROOT / "stresskit" / path).exists(), path
            checked.append(path)
        elif re.fullmatch(r"(apv|batch|live|views)/\w+", path):  # a module in a package: `live/lab`
            module = ROOT / "stresskit" / path
            assert module.with_suffix(".py").exists() or module.is_dir(), path
            checked.append(path)
    assert {"data/example", "notebooks/03_paavirkninger.ipynb", "tests/test_exports.py"} <= set(checked)
    for name in ("Makefile", "constraints.txt", "environment.yml", "pyproject.toml", "setup.py"):
        if f"`{name}`" in TEXT:
            assert (ROOT / name).is_file(), name


def test_the_six_notebooks_it_names_are_the_six_in_notebooks():
    table = re.findall(r"^\| `(\d\d_\w+)` \| ", TEXT, re.M)
    assert table == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(table) == 6


def run(line: str, cwd: Path, capsys, monkeypatch) -> tuple[int, str]:
    """A README line as written, in the folder `cwd`: `stresskit …` runs in this process (cli.main,
    what the installed command calls), anything else as its own process from the venv."""
    words = shlex.split(line)
    monkeypatch.chdir(cwd)
    if words[0] in ("stresskit", ".venv/bin/stresskit"):
        code = cli.main(words[1:])
        out = capsys.readouterr()
        return code, out.out + out.err
    done = subprocess.run([str(BIN / words[0]), *words[1:]], cwd=cwd, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_stresskit_help_runs_as_installed():
    done = subprocess.run([str(BIN / "stresskit"), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("brug: stresskit") and "kommandoer:" in done.stdout and "validate" in done.stdout


def test_validate_of_the_example_says_it_is_in_order(tmp_path, capsys, monkeypatch):
    copy_example(tmp_path / "data" / "example")
    code, out = run("stresskit validate data/example", tmp_path, capsys, monkeypatch)
    assert code == 0 and "Arbejdsbogen data/example er i orden." in out


def test_your_own_institution_as_the_readme_shows_it(tmp_path, capsys, monkeypatch):
    """«Jeres egen institution»: `new`, then the example's files filled in as a user would, then the
    README's commands on it, each as written (lab, present and run start servers or a batch: other tests)."""
    here = tmp_path / "her"
    here.mkdir()
    school = tmp_path / "vores-skole"
    block = next(b for b in BLOCKS if "stresskit new ../vores-skole" in b)
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines()]
    new = next(line for line in lines if " new " in line)
    code, out = run(new, here, capsys, monkeypatch)
    assert code == 0 and "Ny arbejdsbog oprettet i ../vores-skole" in out and (school / "institution.yaml").is_file()
    shutil.copytree(EXAMPLE, school, dirs_exist_ok=True, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
    expected = {
        "validate": "er i orden",
        "export-plan": "opgaver til handlingsplan.xlsx",
        "export-figures": "rækker til apv-tal.xlsx",
    }
    for line in lines:
        command = line.split()[1]
        if command in expected:
            code, out = run(line, here, capsys, monkeypatch)
            assert code == 0 and expected[command] in out, (line, out)
    assert (here / "handlingsplan.xlsx").stat().st_size > 0 and (here / "apv-tal.xlsx").stat().st_size > 0

    # «Svar og opgaver»: the workshop's answers in, out to a file and in again
    assert run(f"stresskit answers import ../vores-skole {EXAMPLE / 'answers.yaml'}", here, capsys, monkeypatch)[0] == 0
    for line in next(b for b in BLOCKS if "answers export" in b).strip().splitlines():
        code, out = run(line, here, capsys, monkeypatch)
        assert code == 0 and "svar.yaml" in out, (line, out)
    assert "Tre stresssygemeldinger på et år" in (here / "svar.yaml").read_text(encoding="utf-8")


def test_a_draft_mapping_from_a_surveyxact_export_as_the_readme_shows_it(tmp_path, capsys, monkeypatch):
    """«Fra jeres spørgeskemaværktøj», step 2: the dataset with its label file beside it."""
    apv = tmp_path / "vores-skole" / "apv"
    apv.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "surveyxact" / "apv" / "dataset_2026.csv", apv / "dataset.csv")
    shutil.copy(ROOT / "data" / "surveyxact" / "apv" / "labels_2026.csv", apv / "labels.csv")
    here = tmp_path / "her"
    here.mkdir()
    [line] = [line for line in LINES if "mapping draft ../vores-skole/apv/dataset.csv" in line]
    code, out = run(line, here, capsys, monkeypatch)
    assert code == 0, out
    draft = (here / "mapping-udkast.yaml").read_text(encoding="utf-8")
    assert "completed: {column: statoverall_4, equals: 1}" in draft and "TODO" in draft


@pytest.mark.parametrize("preset", ["copsoq3", "hse"])
def test_new_with_a_questionnaire_writes_its_mapping(tmp_path, capsys, monkeypatch, preset):
    line = next(s for s in SPANS if s.startswith(f"stresskit new ../vores-skole --apv {preset}"))
    (tmp_path / "her").mkdir()
    code, out = run(line, tmp_path / "her", capsys, monkeypatch)
    assert code == 0 and "Ny arbejdsbog oprettet" in out
    assert "construct" in (tmp_path / "vores-skole" / "apv" / "mapping.yaml").read_text(encoding="utf-8")


def test_papermill_and_nbconvert_give_the_report_as_the_readme_shows():
    """«De seks notesbøger»: Jupyter's own tools with stresskit's engine and exporter. test_jupyter_way
    runs these two lines as written (its `by_hand`) and compares the page with `stresskit run`'s."""
    papermill, nbconvert = jupyter_lines()
    assert papermill[:3] == ["papermill", "notebooks/03_paavirkninger.ipynb", "hum.ipynb"]
    assert {"--engine", "stresskit", "workbook", "data/example", "unit", "hum", "mode", "report"} <= set(papermill)
    assert nbconvert == ["jupyter", "nbconvert", "--to", "stresskit", "hum.ipynb"]
    assert (ROOT / papermill[1]).is_file() and (ROOT / "data" / "example").is_dir()
