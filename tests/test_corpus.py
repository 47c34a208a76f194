"""The malformed-input corpus (tests/corpus.py) through `stresskit validate` and `stresskit run`.

Every case must end in a Danish message or a run marked failed in the index, exit code 1,
no traceback anywhere, no survey cell value in any written page or notebook, and the
store exactly as it was. `run` refuses broken input before any kernel starts, so the
corpus stays fast; it is bounded to one unit and one notebook in case it does not.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from stresskit import cli

from conftest import EXAMPLE, copy_example
from corpus import CASES, STORE, survey_rows

# Free text the example's survey carries in its comment column: it must never reach a page either.
COMMENTS = sorted({row[-1] for row in survey_rows(EXAMPLE)[1:] if row[-1].strip()})
DROP_DAC = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search,-fowner",
    "--inh-caps=-dac_override,-dac_read_search,-fowner",
]


@pytest.fixture(scope="module")
def store_template(tmp_path_factory) -> Path:
    """A store holding the example's answers, closed cleanly (no -wal file)."""
    book = copy_example(tmp_path_factory.mktemp("store") / "example")
    assert cli.main(["answers", "import", str(book), str(book / "answers.yaml")]) == 0
    assert not (book / f"{STORE}-wal").exists()
    return book / STORE


def fingerprint(root: Path) -> str | None:
    path = root / STORE
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return "folder" if path.is_dir() else None


def written(out: Path) -> dict[str, str]:
    if not out.exists():
        return {}
    return {
        str(p.relative_to(out)): p.read_text(encoding="utf-8", errors="replace")
        for p in out.rglob("*")
        if p.suffix in (".html", ".ipynb")
    }


@contextlib.contextmanager
def read_only(folder: Path):
    mode = folder.stat().st_mode
    folder.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield
    finally:
        folder.chmod(mode)


def command(args: list[str], capsys, as_reader: bool) -> tuple[int, str]:
    """The CLI in-process (fast); for a read-only folder in a subprocess that root's
    override of file permissions does not reach."""
    if not as_reader:
        code = cli.main(args)
        out = capsys.readouterr()
        return code, out.out + out.err
    prefix = DROP_DAC if os.geteuid() == 0 else []
    if prefix and not shutil.which("setpriv"):
        pytest.skip("som root kræver en skrivebeskyttet mappe setpriv")
    run = subprocess.run([*prefix, sys.executable, "-m", "stresskit.cli", *args], capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_malformed_input_is_refused_in_danish_and_leaks_nothing(case, tmp_path, store_template, capsys):
    root = copy_example(tmp_path / "book")
    shutil.copy(store_template, root / STORE)
    case.build(root)
    before = fingerprint(root)
    out = tmp_path / "out"
    guard = read_only(root) if case.read_only else contextlib.nullcontext()
    with guard:
        code, said = command(["validate", str(root)], capsys, case.read_only)
        assert code == 1, said
        assert case.says in said and "Traceback" not in said
        assert "Arbejdsbogen" in said and "fejl" in said  # the Danish frame around the details

        code, ran = command(
            ["run", str(root), "--out", str(out), "--units", "hum", "--notebooks", "1", "--jobs", "1"],
            capsys,
            case.read_only,
        )
    assert code == 1, ran
    assert "Traceback" not in ran
    pages = written(out)
    if (out / "index.html").exists():  # the run went ahead and marked every run failed
        index = pages["index.html"]
        assert "✗ fejlede" in index and "har fejl – kør stresskit validate" in index
        assert "kørsler fejlede" in index  # the banner on top
        assert "FEJLEDE" in ran and "kør stresskit validate" in ran
    else:  # refused as a whole, with the details
        assert "Der er fejl, der skal rettes:" in ran
    for name, text in pages.items():
        assert "Traceback" not in text, name
        for secret in filter(None, [case.secret, *COMMENTS]):
            assert secret not in text, (name, secret)
    assert fingerprint(root) == before  # validate and run never touch what is saved


def test_the_corpus_is_large_and_covers_every_input():
    assert len(CASES) >= 40
    prefixes = (
        "id_",
        "name_",
        "parent_",
        "threshold_",
        "institution_",
        "constructs_",
        "reverse",
        "scale_",
        "survey_",
        "xlsx_",
        "free_text",
        "signals_",
        "store_",
        "folder_",
    )
    for prefix in prefixes:
        assert any(c.id.startswith(prefix) for c in CASES), prefix
