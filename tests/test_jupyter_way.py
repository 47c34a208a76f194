"""The Jupyter way: papermill's CLI with `--engine stresskit` and nbconvert's CLI with
`--to stresskit` write the very report `stresskit run` writes; the engine records what
papermill's own engine records and hands over to it inside a running kernel; a notebook run in
live mode and exported says so instead of showing blanks."""

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import nbformat
import papermill
import pytest
from bs4 import BeautifulSoup
from test_readme import jupyter_lines

from stresskit import batch
from stresskit.batch import report

from conftest import ROOT, copy_example

BIN = os.path.dirname(sys.executable)
NOTEBOOK = ROOT / "notebooks" / "03_paavirkninger.ipynb"
DECLARED = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The environment of an installed stresskit: this checkout importable, and the entry points
    pyproject.toml declares in a dist-info as pip writes them (an editable install elsewhere may
    point at another checkout, so the test does not lean on it; see the metadata test below)."""
    site = tmp_path_factory.mktemp("site")
    info = site / "stresskit_entry_points-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: stresskit-entry-points\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items()) + "\n"
            for group, entries in DECLARED.items()
        )
    )
    path = os.pathsep.join([str(ROOT), str(site), os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path)


@pytest.fixture(scope="module")
def by_hand(tmp_path_factory, env):
    """One unit's report three ways: `stresskit run`, and papermill's CLI then nbconvert's CLI, the two
    lines as the README shows them (read from it), run in a folder laid out as the checkout."""
    base = tmp_path_factory.mktemp("jupyter")
    book = copy_example(base / "data" / "example")
    (base / "notebooks").symlink_to(ROOT / "notebooks")
    summary = batch.run(book, base / "out", ["hum"], numbers=[3], jobs=1)
    assert [r.status for r in summary.runs] == ["ok"]
    executed = base / "hum.ipynb"
    for words in jupyter_lines():
        subprocess.run([f"{BIN}/{words[0]}", *words[1:]], env=env, check=True, cwd=base)
    return book, summary.report(summary.runs[0]), executed, base / "hum.html"


def visible_text(html: str) -> str:
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join((re.sub(r"<[^>]+>", " ", html) + " " + " ".join(re.findall(r"alt=[\"']([^\"']*)", html))).split())


def test_papermill_and_nbconvert_clis_write_the_report_stresskit_run_writes(by_hand):
    _book, ours, _executed, theirs = by_hand
    ours, theirs = ours.read_text(encoding="utf-8"), theirs.read_text(encoding="utf-8")
    assert "Humaniora" in visible_text(theirs) and len(visible_text(theirs)) > 2000
    assert visible_text(theirs) == visible_text(ours)
    # byte for byte, but for the id papermill gives the cell it injects
    cell_id = re.compile(r'id="cell-id=[0-9a-f-]+"')
    assert cell_id.sub("", theirs) == cell_id.sub("", ours)
    for html in (ours, theirs):
        policy = BeautifulSoup(html, "html.parser").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert policy is not None and policy["content"] == report.CSP
        assert "<script" not in html and not re.search(r"(src|href)=[\"']?(https?:)?//", html)
        assert "@import" not in html and "url(http" not in html
        assert "jp-CodeMirrorEditor" not in html and "highlight" not in html and "jp-InputPrompt" not in html


def test_the_engine_records_what_papermills_own_engine_records(by_hand, tmp_path):
    book, _ours, executed, _theirs = by_hand
    kernel = papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "kernel.ipynb"),
        kernel_name="python3",
        parameters={"workbook": "data/example", "unit": "hum", "mode": "report"},  # as the README's line
        progress_bar=False,
        cwd=str(book.parent.parent),
    )
    ours = nbformat.read(executed, as_version=4)

    def outputs(nb):
        return [
            (
                c.cell_type,
                c.get("execution_count"),
                [{k: v for k, v in o.items() if k != "metadata"} for o in c.get("outputs", [])],
            )
            for c in nb.cells
        ]

    assert sum(len(c[2]) for c in outputs(ours)) >= 5
    assert outputs(ours) == outputs(kernel)
    assert ours.metadata.language_info == kernel.metadata.language_info
    assert ours.metadata.papermill.parameters == kernel.metadata.papermill.parameters


@pytest.mark.slow
def test_inside_a_running_kernel_the_engine_hands_over_to_papermills_own(tmp_path, env, monkeypatch):
    inner = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nprint(os.getpid())")])
    inner.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(inner, tmp_path / "inner.ipynb")
    outer = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import os, papermill\nfrom stresskit.batch import engine\nengine.register()\n"
                f"nb = papermill.execute_notebook({str(tmp_path / 'inner.ipynb')!r}, None, engine_name='stresskit', progress_bar=False)\n"
                "print(os.getpid(), nb.cells[0].outputs[0].text.strip())"
            )
        ]
    )
    outer.metadata["kernelspec"] = inner.metadata["kernelspec"]
    monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])
    done = papermill.execute_notebook(outer, None, kernel_name="python3", progress_bar=False)
    here, there = done.cells[0].outputs[-1].text.split()
    assert here != there  # the inner notebook ran, in a kernel of its own, and nothing failed


def test_a_notebook_run_live_and_exported_says_so_where_the_forms_were(by_hand, env, tmp_path):
    """Forgetting `-p mode report`: the notebook runs in live mode (forms), and the exported
    page says so on top and where each form was, instead of showing blanks."""
    book = by_hand[0]
    subprocess.run(
        [
            f"{BIN}/papermill",
            str(NOTEBOOK),
            "live.ipynb",
            "--engine",
            "stresskit",
            "-p",
            "workbook",
            str(book),
            "-p",
            "unit",
            "hum",
            "--no-progress-bar",
        ],
        env=env,
        check=True,
        cwd=tmp_path,
    )
    subprocess.run(
        [f"{BIN}/jupyter", "nbconvert", "--to", "stresskit", "live.ipynb"], env=env, check=True, cwd=tmp_path
    )
    nb = nbformat.read(tmp_path / "live.ipynb", as_version=4)
    forms = sum(report.WIDGET_VIEW in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert forms >= 1
    html = (tmp_path / "live.html").read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Denne notesbog er kørt i live-tilstand" in text and "-p mode report" in text
    assert text.count(report.WIDGET_NOTE) == forms
    assert "<script" not in html


def test_the_installed_stresskit_registers_the_engine_and_the_exporter():
    """After `pip install -e .` (make's setup does it when pyproject.toml changes)."""
    installed = {(e.group, e.name): e.value for e in metadata.distribution("stresskit").entry_points}
    for group, entries in DECLARED.items():
        for name, value in entries.items():
            assert installed.get((group, name)) == value, f"{group} {name}: installer stresskit igen (pip install -e .)"
