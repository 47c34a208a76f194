"""`stresskit run`: isolation between units, failures that don't stop the batch,
incremental re-runs, metadata and the combined unit report."""

import json
import re
import shutil

import nbformat
import pytest

from stresskit import batch, cli
from stresskit.store import Store

from conftest import ROOT

UNITS = ["fjordby", "undervisning", "hum", "nat", "kantine"]


def failing_notebook(folder):
    """A second notebook that raises for the canteen only."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('workbook = ""\nunit = ""\nmode = "live"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_markdown_cell("## Kontrol"),
        nbformat.v4.new_code_cell('if unit == "kantine":\n    1 / 0\nprint("fint for", unit)'),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "02_kontrol.ipynb")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from conftest import copy_example

    base = tmp_path_factory.mktemp("batch")
    book = copy_example(base / "example")
    books = base / "notebooks"
    books.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_apv.ipynb", books)
    failing_notebook(books)
    with Store(book / "stresskit.sqlite") as store:
        store.save("hum", "apv.signal.noter", "KUN-HUMANIORA-7731")
    out = base / "out"
    summary = batch.run(book, out, UNITS, jobs=1, folder=books)
    return book, books, out, summary


def texts(out, unit):
    return {p.name: p.read_text(encoding="utf-8") for p in (out / unit).iterdir() if p.suffix in (".html", ".ipynb")}


def test_one_units_answer_never_reaches_another_units_output(setup):
    _book, _books, out, summary = setup
    assert {r.unit for r in summary.runs} == set(UNITS)
    assert any("KUN-HUMANIORA-7731" in t for t in texts(out, "hum").values())
    for unit in UNITS:
        if unit != "hum":
            leaked = [name for name, t in texts(out, unit).items() if "KUN-HUMANIORA-7731" in t]
            assert leaked == [], unit


def test_a_failing_unit_is_recorded_and_the_rest_finish(setup):
    _book, _books, out, summary = setup
    [failed] = summary.failed
    assert (failed.unit, failed.notebook) == ("kantine", "02_kontrol")
    assert failed.reason == "Fejl i celle 4: ZeroDivisionError: division by zero"
    assert all(r.status == "ok" for r in summary.runs if r is not failed)
    executed = nbformat.read(out / "kantine" / "02_kontrol.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and any("ZeroDivisionError" in line for line in errors[0].traceback)
    index = (out / "index.html").read_text(encoding="utf-8")
    # impossible to miss: a banner on top, and a line under the unit saying which recommendation
    assert f"✗ 1 af {len(summary.runs)} kørsler fejlede" in index
    assert index.count("✗ fejlede") == 1
    assert "✗ fejlede: anbefaling 2 for Kantine – Fejl i celle 4: ZeroDivisionError: division by zero" in index


def test_executed_notebooks_record_parameters_version_time_and_key(setup):
    book, _books, out, _summary = setup
    meta = nbformat.read(out / "nat" / "01_apv.ipynb", as_version=4).metadata.stresskit
    # the workbook by its folder's name: no absolute path, no hash of a raw file (see test_trust)
    assert meta.parameters == {"workbook": book.resolve().name, "unit": "nat", "mode": "report"}
    assert meta.version == "0.1.0" and meta.executed_at[:4].isdigit()
    state = json.loads((out / batch.STATE).read_text(encoding="utf-8"))
    assert meta.key == state["nat/01_apv"]["key"] and "inputs" not in meta


def test_combined_unit_report_has_contents_and_every_recommendation(setup):
    _book, _books, out, _summary = setup
    html = (out / "hum" / "index.html").read_text(encoding="utf-8")
    assert "<title>Samlet rapport · Humaniora" in html and "<nav class='sk-toc'" in html
    assert html.index("class='sk-overblik'") < html.index("id='anbefaling-01'")  # the overblik comes first
    assert "href='#anbefaling-01'" in html and "id='anbefaling-01'" in html and "id='anbefaling-02'" in html
    assert "1. Start forebyggelsen i jeres APV" in html and "fint for hum" in html
    assert (
        len(re.findall(r"<header class=[\"']sk-masthead", html)) == 1
    )  # one masthead: the sections' own are taken out
    alone = (out / "hum" / "overblik.html").read_text(encoding="utf-8")
    assert "Næste skridt" in alone and "href='index.html#anbefaling-01'" in alone


def test_rerun_skips_unchanged_and_redoes_what_an_answer_touches(setup):
    book, books, out, _summary = setup
    again = batch.run(book, out, UNITS, jobs=1, folder=books)
    assert all(r.status == "unchanged" for r in again.runs if r.unit != "kantine" or r.notebook != "02_kontrol")
    with Store(book / "stresskit.sqlite") as store:
        store.save("nat", "apv.fase.kortlaegning", "i_gang")
    third = batch.run(book, out, UNITS, jobs=1, folder=books)
    rerun = {r.unit for r in third.runs if r.status in ("ok", "failed") and r.notebook == "01_apv"}
    assert rerun == {"nat", "undervisning", "fjordby"}  # the unit and the units above it
    assert "I gang" in (out / "nat" / "01_apv.html").read_text(encoding="utf-8")
    # an answer of hum's AMO group, or of the institution, shows in hum's report too (found in review)
    with Store(book / "stresskit.sqlite") as store:
        store.save("amg:amg_undervisning", "samarbejde.noter", "gruppens svar")
    fourth = batch.run(book, out, UNITS, jobs=1, folder=books)
    rerun = {r.unit for r in fourth.runs if r.status in ("ok", "failed") and r.notebook == "01_apv"}
    assert {"hum", "nat", "undervisning"} <= rerun and "kantine" not in rerun
    forced = batch.run(book, out, ["hum"], numbers=[1], jobs=1, folder=books, force=True)
    assert [r.status for r in forced.runs] == ["ok"]
    state = json.loads((out / batch.STATE).read_text(encoding="utf-8"))
    assert state["kantine/02_kontrol"]["status"] == "failed"


def test_exit_codes(setup, tmp_path, capsys):
    book, books, _out, _summary = setup
    out = tmp_path / "o"
    assert cli.main(["run", str(book), "--out", str(out), "--units", "kantine", "--notebook-dir", str(books)]) == 1
    assert "FEJLEDE kantine · 02_kontrol" in capsys.readouterr().out
    assert cli.main(["run", str(book), "--out", str(out), "--units", "hum", "--notebook-dir", str(books)]) == 0
    assert cli.main(["run", str(book), "--out", str(out), "--units", "musik", "--notebook-dir", str(books)]) == 2
    assert "enheden musik findes ikke" in capsys.readouterr().err
    assert cli.main(["run", str(book), "--out", str(out), "--notebooks", "7", "--notebook-dir", str(books)]) == 2
