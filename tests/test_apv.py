"""APV analysis: reading Danish files, scoring, aggregation and the anonymity contract."""

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from stresskit import apv
from stresskit.workbook import Workbook

from conftest import plain_yaml


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


@pytest.mark.parametrize(
    "encoding,sep,decimal_comma",
    [
        ("utf-8", ",", False),  # no BOM, comma separated
        ("utf-8-sig", ";", True),  # Excel's UTF-8 CSV with decimal comma
        ("cp1252", ";", True),  # Excel on a Danish Windows: «CSV (semikolonsepareret)»
        ("cp1252", ",", True),  # comma separated, decimal commas in quotes
    ],
)
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
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace("file: 2026.csv", "file: 2026.xlsx"), encoding="utf-8"
    )
    pd.testing.assert_frame_equal(results_of(example).table, reference)


def small_workbook(tmp_path, answers: list[list]):
    """A three-unit workbook with a hand-made mapping and answers."""
    (tmp_path / "apv").mkdir()
    (tmp_path / "institution.yaml").write_text(
        plain_yaml(
            {
                "name": "Test",
                "sector": "kommune",
                "units": [
                    {"id": "top", "name": "Top"},
                    {"id": "a", "name": "A", "parent": "top"},
                    {"id": "b", "name": "B", "parent": "top"},
                ],
                "anonymity": {"min_group": 5, "min_group_sensitive": 5},
            }
        ),
        encoding="utf-8",
    )
    (tmp_path / "apv" / "mapping.yaml").write_text(
        plain_yaml(
            {
                "unit_column": "enhed",
                "constructs": {"arbejdsmaengde": {"exposed_from": 62.5}, "vold": {"rule": "any", "exposed_from": 25}},
                "items": [
                    {"item": "m1", "construct": "arbejdsmaengde", "scale": [1, 5]},
                    {"item": "m2", "construct": "arbejdsmaengde", "scale": [1, 5]},
                    {"item": "m3", "construct": "arbejdsmaengde", "scale": [1, 5], "reverse": True},
                    {"item": "v1", "construct": "vold", "scale": [1, 5]},
                    {"item": "v2", "construct": "vold", "scale": [1, 5]},
                ],
            }
        ),
        encoding="utf-8",
    )
    lines = ["enhed;m1;m2;m3;v1;v2;fritekst"] + [";".join(str(x) for x in row) for row in answers]
    (tmp_path / "apv" / "r1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_scores_by_hand(tmp_path):
    answers = [
        ["a", 4, 5, 2, 1, 3, "hemmelig kommentar"],  # (75 + 100 + 75)/3 = 83.3 exposed; vold max(0, 50) = 50 exposed
        ["a", "", "", 1, "", "", ""],  # only 1 of 3 items answered: no score; vold not answered
        *[["a", 3, "", 4, 1, 1, ""]] * 4,  # (50 + 25)/2 = 37.5 not exposed; vold 0
        *[["b", 1, 1, 5, 1, 1, ""]] * 4,  # 0; vold 0
        ["b", 5, 5, 1, 2, 1, ""],  # 100 exposed; vold 25: exposed at the threshold
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


def test_example_small_unit_and_sensitive_threshold():
    from conftest import EXAMPLE

    res = results_of(EXAMPLE)
    t = res.table
    # Økonomi og løn has 3 respondents: withheld everywhere, and never derivable (Administration
    # minus Studieadministration): the aggregate goes, the leaf beside it stays
    assert (t.xs("adm_oekonomi", level="unit")["status"] == apv.SMALL).all()
    assert t.at[("adm", "arbejdsmaengde"), "status"] == apv.COMPLEMENT
    assert t.at[("adm_studie", "arbejdsmaengde"), "status"] == apv.SHOWN
    assert res.respondents["adm_oekonomi"] is None
    # 6 respondents is enough for workload but not for violence (threshold 10)
    assert t.at[("kantine", "arbejdsmaengde"), "status"] == apv.SHOWN
    assert t.at[("kantine", "vold"), "status"] == apv.SMALL
    assert t.xs("adm_oekonomi", level="unit")[["n", "mean", "share"]].isna().all().all()


def test_combination_shares_by_hand(tmp_path):
    """Ten respondents, one item per exposure (1 = not exposed, 5 = exposed)."""
    (tmp_path / "apv").mkdir()
    (tmp_path / "institution.yaml").write_text(
        plain_yaml(
            {
                "name": "Test",
                "sector": "stat",
                "units": [{"id": "top", "name": "Top"}],
                "anonymity": {"min_group": 5, "min_group_sensitive": 10},
            }
        ),
        encoding="utf-8",
    )
    exposures = ["foelelsesmaessige_krav", "arbejdsmaengde", "vold", "uklare_krav"]
    (tmp_path / "apv" / "mapping.yaml").write_text(
        plain_yaml(
            {
                "unit_column": "enhed",
                "constructs": {e: {"exposed_from": 50} for e in exposures},
                "items": [{"item": e, "construct": e, "scale": [1, 5]} for e in exposures],
            }
        ),
        encoding="utf-8",
    )
    rows = [  # føl, arb, vold, uklar
        (5, 5, 1, 1),
        (5, 5, 5, 1),
        (5, 1, 5, 5),
        (1, 5, 5, 5),
        (1, 5, 1, 5),
        (1, 1, 1, 1),
        (5, 5, 1, 1),
        (1, 5, 1, 5),
        (5, 1, 1, 1),
        (1, 1, 5, 1),
    ]
    lines = ["enhed;" + ";".join(exposures)] + ["top;" + ";".join(map(str, r)) for r in rows]
    (tmp_path / "apv" / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = results_of(tmp_path).table

    def share(combo):
        return t.at[("top", f"kombination.{combo}"), "share"]

    assert share("foelelser_arbejdsmaengde") == pytest.approx(3 / 10)  # rows 1, 2, 7
    assert share("foelelser_vold") == pytest.approx(2 / 10)  # rows 2, 3
    assert share("vold_arbejdsmaengde") == pytest.approx(2 / 10)  # rows 2, 4
    assert share("uklare_arbejdsmaengde") == pytest.approx(3 / 10)  # rows 4, 5, 8
    assert t.at[("top", "kombination.vold_arbejdsmaengde"), "n"] == 10


def test_combinations_with_violence_use_the_sensitive_threshold():
    from conftest import EXAMPLE

    res = results_of(EXAMPLE)
    assert res.constructs["kombination.foelelser_vold"].sensitive
    assert not res.constructs["kombination.foelelser_arbejdsmaengde"].sensitive
    # Kantine has 6 respondents: enough for a pair without violence, not for one with it
    assert res.table.at[("kantine", "kombination.foelelser_arbejdsmaengde"), "status"] == apv.SHOWN
    assert res.table.at[("kantine", "kombination.vold_arbejdsmaengde"), "status"] == apv.SMALL
