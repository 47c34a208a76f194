"""A batch over a large institution: the institution-wide work is done once and cached,
the cache follows every input, and what a unit's report shows is what the survey gives."""

import html
import importlib.util
import json
import math
import re
import sys

import pytest

from stresskit import apv, batch
from stresskit.store import Store
from stresskit.workbook import Workbook

from conftest import ROOT


def _generator():
    spec = importlib.util.spec_from_file_location("bench_batch", ROOT / "benchmarks" / "batch.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module.make_institution


def test_the_institution_wide_cache_follows_every_input(example, monkeypatch):
    book = Workbook.open(example)
    keys = [batch.institution_key(book)]
    with open(example / "apv" / "2026.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    keys.append(batch.institution_key(book))
    with open(example / "institution.yaml", "a", encoding="utf-8") as f:
        f.write("\n# ændret\n")
    book = Workbook.open(example)
    keys.append(batch.institution_key(book))
    with Store(book.store_path) as store:
        store.save("hum", "apv.signal.noter", "nyt svar")
    keys.append(batch.institution_key(book))
    monkeypatch.setattr(batch.keys, "code_hash", lambda: "en anden version af stresskit")
    keys.append(batch.institution_key(book))
    assert len(set(keys)) == len(keys)


def test_a_cache_for_other_inputs_is_replaced_and_never_used(example, tmp_path):
    book = Workbook.open(example)
    out = tmp_path / "out"
    first = batch.institution_cache(book, out)
    assert batch.institution_cache(book, out) == first  # unchanged inputs: loaded, not recomputed
    stale = json.loads(first.read_text(encoding="utf-8"))
    with Store(book.store_path) as store:
        store.save("nat", "apv.fase.kortlaegning", "i_gang")
    second = batch.institution_cache(book, out)
    assert second != first and not first.exists() and [p.name for p in second.parent.iterdir()] == [second.name]
    # A template handed results for other files computes its own instead of using them.
    stale["inputs"] = {"apv/2026.csv": "0" * 64}
    stale["apv"][-1]["share"] = [0.999] * len(stale["apv"][-1]["share"])
    first.write_text(json.dumps(stale), encoding="utf-8")
    runner = batch.UnitRunner(book, out, batch.NOTEBOOKS, first)
    assert runner.inputs == book.checksums()
    assert not (apv.results(book).table["share"] == 0.999).any()


def _same(a, b) -> bool:
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


def test_five_units_of_a_thousand_unit_institution_show_the_figures_of_the_survey(tmp_path):
    book_path = tmp_path / "stor"
    units = _generator()(book_path, 9, 110, seed=1000)
    assert len(units) == 1000
    chosen = ["inst", "afd3", "afd0_team0", "afd4_team57", "afd8_team109"]
    out = tmp_path / "out"
    summary = batch.run(book_path, out, chosen, numbers=[1, 3], jobs=1)
    assert [r.status for r in summary.runs] == ["ok"] * 10, [r.reason for r in summary.failed]

    book = Workbook.open(book_path)
    survey = apv.load(book)  # without any cache, straight from the survey: every round on its own
    [cache] = (out / batch.CACHE).iterdir()
    rounds = apv.results_from_data(json.loads(cache.read_text(encoding="utf-8"))["apv"])
    assert [r.round for r in rounds] == ["2024", "2026"]
    for cached in rounds:
        fresh = apv.aggregate(book, survey, cached.round)
        for unit in chosen:
            for construct in fresh.constructs:
                want, got = fresh.table.loc[(unit, construct)], cached.table.loc[(unit, construct)]
                assert all(_same(want[c], got[c]) for c in ("n", "mean", "share", "status")), (unit, construct)
            assert cached.respondents[unit] == fresh.respondents[unit]
        withheld = cached.table[cached.table["status"] != apv.SHOWN]
        assert len(withheld) and withheld[["n", "mean", "share"]].isna().all().all()  # no hidden figure travels
    for unit in chosen:
        report = (out / unit / "01_apv.html").read_text(encoding="utf-8")
        assert f"APV-runde <b>{fresh.round}</b>: {fresh.respondents_text(unit)}" in report
    # The institution's map of 1,000 units would be 400 inches tall: it shows the level below, and says so.
    raw = (out / "inst" / "03_paavirkninger.html").read_text(encoding="utf-8")
    page = html.unescape(raw)
    [alt] = [html.unescape(m[2]) for m in re.finditer(r"""alt=(["'])(Varmekort.*?)\1""", raw)]  # either quote
    rows = [part.split(":")[0] for part in alt.split("«skjult». ", 1)[1].split("; ")]
    assert rows == [book.unit_name(u) for u in book.ordered() if u == "inst" or u in book.children["inst"]]
    assert f"{book.unit_name('inst')} har 999 underenheder; kortet viser de nærmeste" in page


@pytest.mark.parametrize("unit", ["hum"])
def test_executed_notebooks_keep_every_output_but_no_image_payload(example, tmp_path, unit):
    out = tmp_path / "out"
    batch.run(example, out, [unit], numbers=[3], jobs=1)
    notebook = (out / unit / "03_paavirkninger.ipynb").read_text(encoding="utf-8")
    report = (out / unit / "03_paavirkninger.html").read_text(encoding="utf-8")
    assert "data:image/svg+xml;base64," in report and "data:image/svg+xml;base64," not in notebook
    assert "data-sha256=" in notebook and "To søjlediagrammer side om side" in notebook  # the chart's alt text stays
