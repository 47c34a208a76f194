"""APV analysis: reading Danish files, scoring, aggregation and the anonymity contract."""
import csv
import io
import random
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from stresskit import apv
from stresskit.workbook import Unit, Workbook


def results_of(folder):
    book = Workbook.open(folder)
    return apv.aggregate(book, apv.load(book))


def rewrite_round(folder: Path, encoding: str, sep: str, decimal_comma: bool):
    src = folder / "apv" / "2026.csv"
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8-sig")), delimiter=";"))
    if decimal_comma:  # the same answers written as 3,0 instead of 3
        rows = [rows[0]] + [[c + ",0" if c.isdigit() else c for c in r] for r in rows[1:]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    src.write_bytes(buffer.getvalue().encode(encoding))


@pytest.mark.parametrize("encoding,sep,decimal_comma", [
    ("utf-8", ",", False),          # no BOM, comma separated
    ("utf-8-sig", ";", True),       # Excel's UTF-8 CSV with decimal comma
    ("cp1252", ";", True),          # Excel on a Danish Windows: «CSV (semikolonsepareret)»
    ("cp1252", ",", True),          # comma separated, decimal commas in quotes
])
def test_danish_csv_variants_give_identical_scores(example, tmp_path, encoding, sep, decimal_comma):
    reference = results_of(example).table
    variant = tmp_path / "variant"
    import shutil
    shutil.copytree(example, variant)
    rewrite_round(variant, encoding, sep, decimal_comma)
    pd.testing.assert_frame_equal(results_of(variant).table, reference)


def test_xlsx_gives_identical_scores(example, tmp_path):
    reference = results_of(example).table
    src = example / "apv" / "2026.csv"
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8-sig")), delimiter=";"))
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([int(c) if c.isdigit() else c for c in r])
    src.unlink()
    wb.save(example / "apv" / "2026.xlsx")
    mapping = example / "apv" / "mapping.yaml"  # the example lists its rounds by file
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("file: 2026.csv", "file: 2026.xlsx"), encoding="utf-8")
    pd.testing.assert_frame_equal(results_of(example).table, reference)


def small_workbook(tmp_path, answers: list[list]):
    """A three-unit workbook with a hand-made mapping and answers."""
    (tmp_path / "apv").mkdir()
    (tmp_path / "institution.yaml").write_text(yaml.safe_dump({
        "name": "Test", "sector": "kommune",
        "units": [{"id": "top", "name": "Top"}, {"id": "a", "name": "A", "parent": "top"},
                  {"id": "b", "name": "B", "parent": "top"}],
        "anonymity": {"min_group": 5, "min_group_sensitive": 5}}), encoding="utf-8")
    (tmp_path / "apv" / "mapping.yaml").write_text(yaml.safe_dump({
        "unit_column": "enhed",
        "constructs": {"arbejdsmaengde": {"exposed_from": 62.5}, "vold": {"rule": "any", "exposed_from": 25}},
        "items": [{"item": "m1", "construct": "arbejdsmaengde", "scale": [1, 5]},
                  {"item": "m2", "construct": "arbejdsmaengde", "scale": [1, 5]},
                  {"item": "m3", "construct": "arbejdsmaengde", "scale": [1, 5], "reverse": True},
                  {"item": "v1", "construct": "vold", "scale": [1, 5]},
                  {"item": "v2", "construct": "vold", "scale": [1, 5]}]}), encoding="utf-8")
    lines = ["enhed;m1;m2;m3;v1;v2;fritekst"] + [";".join(str(x) for x in row) for row in answers]
    (tmp_path / "apv" / "r1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_scores_by_hand(tmp_path):
    answers = [
        ["a", 4, 5, 2, 1, 3, "hemmelig kommentar"],  # (75 + 100 + 75)/3 = 83.3 exposed; vold max(0, 50) = 50 exposed
        ["a", "", "", 1, "", "", ""],                 # only 1 of 3 items answered: no score; vold not answered
        *[["a", 3, "", 4, 1, 1, ""]] * 4,            # (50 + 25)/2 = 37.5 not exposed; vold 0
        *[["b", 1, 1, 5, 1, 1, ""]] * 4,             # 0; vold 0
        ["b", 5, 5, 1, 2, 1, ""],                     # 100 exposed; vold 25: exposed at the threshold
    ]
    res = results_of(small_workbook(tmp_path, answers))
    t = res.table
    assert t.at[("a", "arbejdsmaengde"), "n"] == 5
    assert t.at[("a", "arbejdsmaengde"), "mean"] == pytest.approx((250 / 3 + 4 * 37.5) / 5)
    assert t.at[("a", "arbejdsmaengde"), "share"] == pytest.approx(0.2)
    assert t.at[("a", "vold"), "share"] == pytest.approx(0.2)
    assert t.at[("b", "arbejdsmaengde"), "mean"] == pytest.approx(20)
    assert t.at[("b", "vold"), "share"] == pytest.approx(0.2)
    assert t.at[("top", "arbejdsmaengde"), "n"] == 10
    assert t.at[("top", "arbejdsmaengde"), "share"] == pytest.approx(0.2)
    assert res.respondents == {"top": 11, "a": 6, "b": 5}
    # free text never leaves the layer: it is in no public attribute of the result
    assert "hemmelig" not in repr(res) and "hemmelig" not in t.to_string()


def tree_book(parents: dict[str, str | None]) -> Workbook:
    return Workbook(Path("."), "Test", "kommune", {u: Unit(u, u, p) for u, p in parents.items()})


def statuses(parents, n_direct, k=5):
    book = tree_book(parents)
    n = {u: sum(n_direct.get(s, 0) for s in book.subtree(u)) for u in book.units}
    direct = {u: n_direct.get(u, 0) for u in book.units}
    return apv.suppress(book, n, direct, k), book, n, direct


def test_complementary_suppression_hides_a_sibling():
    s, *_ = statuses({"p": None, "a": "p", "b": "p"}, {"a": 9, "b": 3})
    assert s == {"p": apv.SHOWN, "a": apv.COMPLEMENT, "b": apv.SMALL}


def test_two_small_siblings_that_sum_to_k_protect_each_other():
    s, *_ = statuses({"p": None, "a": "p", "b": "p", "c": "p"}, {"a": 10, "b": 3, "c": 3})
    assert s["a"] == apv.SHOWN and s["b"] == s["c"] == apv.SMALL
    s, *_ = statuses({"p": None, "a": "p", "b": "p", "c": "p"}, {"a": 10, "b": 2, "c": 2})
    assert s["a"] == apv.COMPLEMENT  # 2 + 2 < 5 would be derivable as a group of 4


def test_respondents_placed_on_a_parent_are_protected():
    # undervisning's own 2 respondents are never shown alone, so one child must go
    s, *_ = statuses({"u": None, "x": "u", "y": "u"}, {"u": 2, "x": 10, "y": 12})
    assert s["x"] == apv.COMPLEMENT and s["y"] == apv.SHOWN and s["u"] == apv.SHOWN


def test_protection_reaches_across_levels():
    # hiding p's child a is not enough if a can be recomputed from a's own children
    parents = {"r": None, "p": "r", "q": "r", "a": "p", "b": "p", "a1": "a", "a2": "a"}
    s, book, n, direct = statuses(parents, {"a1": 6, "a2": 7, "b": 3, "q": 20})
    assert s["b"] == apv.SMALL
    assert_underivable(book, s, n, direct, 5)


def assert_underivable(book, status, n, direct, k):
    """Independent audit by linear algebra: no withheld small group is determined by what is shown."""
    unknown = [u for u in book.units if status[u] not in (apv.SHOWN, apv.NO_ANSWERS)]
    unknown += [("d", u) for u in book.units if book.children[u] and direct[u] > 0]
    index = {c: i for i, c in enumerate(unknown)}
    rows = []
    for p, kids in book.children.items():
        if not kids:
            continue
        row = np.zeros(len(unknown))
        for cell, sign in [(p, 1)] + [(c, -1) for c in kids] + [(("d", p), -1)]:
            if cell in index:
                row[index[cell]] += sign
        if row.any():
            rows.append(row)
    matrix = np.array(rows) if rows else np.zeros((0, len(unknown)))
    rank = np.linalg.matrix_rank(matrix) if rows else 0
    for cell in unknown:
        size = direct[cell[1]] if isinstance(cell, tuple) else n[cell]
        if 0 < size < k:
            e = np.zeros(len(unknown))
            e[index[cell]] = 1
            determined = rows and np.linalg.matrix_rank(np.vstack([matrix, e])) == rank
            assert not determined, f"{cell} (n={size}) kan regnes ud: {status}"


def test_random_trees_never_leak_a_small_group():
    rng = random.Random(7)
    for _ in range(300):
        parents = {"u0": None}
        for i in range(1, rng.randint(2, 14)):
            parents[f"u{i}"] = f"u{rng.randrange(i)}"
        n_direct = {u: rng.choice([0, 0, 1, 2, 3, 4, 6, 8, 12, 25]) for u in parents}
        for k in (5, 10):
            s, book, n, direct = statuses(parents, n_direct, k)
            assert all(s[u] != apv.SHOWN for u in parents if 0 < n[u] < k)
            assert_underivable(book, s, n, direct, k)


def test_example_small_unit_and_sensitive_threshold():
    from conftest import EXAMPLE
    res = results_of(EXAMPLE)
    t = res.table
    # Økonomi og løn has 3 respondents: withheld everywhere; its sibling is withheld so 3 can't be subtracted out
    assert (t.xs("adm_oekonomi", level="unit")["status"] == apv.SMALL).all()
    assert (t.xs("adm_studie", level="unit")["status"] != apv.SHOWN).all()
    assert res.respondents["adm_oekonomi"] is None
    # 6 respondents is enough for workload but not for violence (threshold 10)
    assert t.at[("kantine", "arbejdsmaengde"), "status"] == apv.SHOWN
    assert t.at[("kantine", "vold"), "status"] == apv.SMALL
    assert t.xs("adm_oekonomi", level="unit")[["n", "mean", "share"]].isna().all().all()


def test_combination_shares_by_hand(tmp_path):
    """Ten respondents, one item per exposure (1 = not exposed, 5 = exposed)."""
    (tmp_path / "apv").mkdir()
    (tmp_path / "institution.yaml").write_text(yaml.safe_dump({
        "name": "Test", "sector": "stat", "units": [{"id": "top", "name": "Top"}],
        "anonymity": {"min_group": 5, "min_group_sensitive": 10}}), encoding="utf-8")
    exposures = ["foelelsesmaessige_krav", "arbejdsmaengde", "vold", "uklare_krav"]
    (tmp_path / "apv" / "mapping.yaml").write_text(yaml.safe_dump({
        "unit_column": "enhed",
        "constructs": {e: {"exposed_from": 50} for e in exposures},
        "items": [{"item": e, "construct": e, "scale": [1, 5]} for e in exposures]}), encoding="utf-8")
    rows = [  # føl, arb, vold, uklar
        (5, 5, 1, 1), (5, 5, 5, 1), (5, 1, 5, 5), (1, 5, 5, 5), (1, 5, 1, 5),
        (1, 1, 1, 1), (5, 5, 1, 1), (1, 5, 1, 5), (5, 1, 1, 1), (1, 1, 5, 1),
    ]
    lines = ["enhed;" + ";".join(exposures)] + ["top;" + ";".join(map(str, r)) for r in rows]
    (tmp_path / "apv" / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = results_of(tmp_path).table

    def share(combo):
        return t.at[("top", f"kombination.{combo}"), "share"]

    assert share("foelelser_arbejdsmaengde") == pytest.approx(3 / 10)   # rows 1, 2, 7
    assert share("foelelser_vold") == pytest.approx(2 / 10)             # rows 2, 3
    assert share("vold_arbejdsmaengde") == pytest.approx(2 / 10)        # rows 2, 4
    assert share("uklare_arbejdsmaengde") == pytest.approx(3 / 10)      # rows 4, 5, 8
    assert t.at[("top", "kombination.vold_arbejdsmaengde"), "n"] == 10


def test_combinations_with_violence_use_the_sensitive_threshold():
    from conftest import EXAMPLE
    res = results_of(EXAMPLE)
    assert res.constructs["kombination.foelelser_vold"].sensitive
    assert not res.constructs["kombination.foelelser_arbejdsmaengde"].sensitive
    # Kantine has 6 respondents: enough for a pair without violence, not for one with it
    assert res.table.at[("kantine", "kombination.foelelser_arbejdsmaengde"), "status"] == apv.SHOWN
    assert res.table.at[("kantine", "kombination.vold_arbejdsmaengde"), "status"] == apv.SMALL
