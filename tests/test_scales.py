"""APV as survey tools export it: answer labels, an .xlsx with a cover sheet and title rows, and the
mapping inputs that would otherwise mean something else (issue 10: «reverse: nej», wrong section types,
formulas without a cached value, merged cells)."""

import random
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
import yaml

from stresskit import apv, cli
from stresskit.apv import draft as mapping_draft
from stresskit.validate import check
from stresskit.workbook import SKELETON, Workbook

from conftest import plain_yaml

LABELS = {5: "Altid", 4: "Ofte", 3: "Somme tider", 2: "Sjældent", 1: "Aldrig/næsten aldrig"}
# how survey tools vary the same label: case and spaces
VARIANTS = {
    5: ["Altid", "ALTID", " altid "],
    4: ["Ofte", "ofte"],
    3: ["Somme tider", "somme  tider"],
    2: ["Sjældent"],
    1: ["Aldrig/næsten aldrig", "aldrig/Næsten aldrig"],
}
ITEMS = [
    ("m1", "arbejdsmaengde", False),
    ("m2", "arbejdsmaengde", False),
    ("m3", "arbejdsmaengde", True),
    ("s1", "stoette_leder", False),
    ("s2", "stoette_leder", False),
]
HEADER = ["Svar", "enhed", *[i for i, *_ in ITEMS], "fritekst"]


def institution(folder):
    (folder / "apv").mkdir(parents=True)
    (folder / "institution.yaml").write_text(
        plain_yaml(
            {
                "name": "Test",
                "sector": "kommune",
                "units": [
                    {"id": "top", "name": "Top"},
                    {"id": "a", "name": "A", "parent": "top"},
                    {"id": "b", "name": "B", "parent": "top"},
                ],
            }
        ),
        encoding="utf-8",
    )
    return folder


def mapping(scale, **extra) -> dict:
    return {
        "unit_column": "enhed",
        "missing_values": ["Ved ikke"],
        "constructs": {"arbejdsmaengde": {"exposed_from": 62.5}, "stoette_leder": {"low_below": 37.5}},
        "items": [{"item": i, "construct": c, "scale": scale, **({"reverse": True} if r else {})} for i, c, r in ITEMS],
        **extra,
    }


def answers(seed=7, n=60):
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        unit = rng.choice(["A", "B", "a", "b"])
        values = [rng.choice([1, 2, 3, 4, 5, 5, None, "Ved ikke"]) for _ in ITEMS]
        rows.append([f"R{k}", unit, *values, "Min leder <b>Jens</b> råber"])
    return rows


def write_csv(folder, rows, as_labels: bool, rng=None):
    rng = rng or random.Random(1)

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, str):
            return v
        return rng.choice(VARIANTS[v]) if as_labels else str(v)

    lines = [";".join(HEADER)] + [";".join(cell(v) if i >= 2 else str(v) for i, v in enumerate(r)) for r in rows]
    (folder / "apv" / "r1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def figures(folder):
    book = Workbook.open(folder)
    return apv.aggregate(book, apv.load(book)).table


def label_scale(**extra):
    return {"hyppighed": {"labels": {v: k for k, v in LABELS.items()}, **extra}}


def test_numbers_labels_and_an_xlsx_with_cover_sheet_give_identical_figures(tmp_path):
    rows = answers()
    numbers = institution(tmp_path / "numbers")
    (numbers / "apv" / "mapping.yaml").write_text(plain_yaml(mapping([1, 5])), encoding="utf-8")
    write_csv(numbers, rows, as_labels=False)

    labels = institution(tmp_path / "labels")
    (labels / "apv" / "mapping.yaml").write_text(
        plain_yaml(mapping("hyppighed", scales=label_scale())), encoding="utf-8"
    )
    write_csv(labels, rows, as_labels=True)

    xlsx = institution(tmp_path / "xlsx")
    (xlsx / "apv" / "mapping.yaml").write_text(
        plain_yaml(mapping("hyppighed", scales=label_scale(), sheet="Besvarelser", header_row=4)), encoding="utf-8"
    )
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Forside"
    cover.append(["APV 2026 – eksport fra spørgeskemaværktøjet"])
    cover.merge_cells("A1:D1")  # merged cells on a cover sheet are fine
    ws = wb.create_sheet("Besvarelser")
    ws.append(["Trivselsmåling"])
    ws.append(["Udtrukket 12.03.2026"])
    ws.append([])
    ws.append(HEADER)
    rng = random.Random(1)
    for r in rows:
        ws.append(
            [
                r[0],
                r[1],
                *[None if v is None else v if isinstance(v, str) else rng.choice(VARIANTS[v]) for v in r[2:-1]],
                r[-1],
            ]
        )
    wb.save(xlsx / "apv" / "r1.xlsx")

    reference = figures(numbers)
    assert (reference["status"] == apv.SHOWN).any()
    pd.testing.assert_frame_equal(figures(labels), reference)
    pd.testing.assert_frame_equal(figures(xlsx), reference)


def test_an_unknown_label_names_file_row_column_and_the_labels_expected_but_not_the_cell(tmp_path, capsys):
    folder = institution(tmp_path / "wb")
    (folder / "apv" / "mapping.yaml").write_text(
        plain_yaml(mapping("hyppighed", scales=label_scale())), encoding="utf-8"
    )
    rows = answers(n=10)
    write_csv(folder, rows, as_labels=True)
    text = (folder / "apv" / "r1.csv").read_text(encoding="utf-8").splitlines()
    cells = text[3].split(";")
    cells[2] = "Hver dag hos Jens"
    text[3] = ";".join(cells)
    (folder / "apv" / "r1.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    assert cli.main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "apv/r1.csv, række 4, kolonne «m1 (C)»" in out
    assert "Altid, Ofte, Somme tider, Sjældent, Aldrig/næsten aldrig" in out
    assert "Jens" not in out


def write_mapping(folder, data):
    (folder / "apv" / "mapping.yaml").write_text(data if isinstance(data, str) else plain_yaml(data), encoding="utf-8")


def validate_text(capsys, folder):
    code = cli.main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_reverse_must_be_a_real_boolean(tmp_path, capsys):
    folder = institution(tmp_path / "wb")
    write_csv(folder, answers(n=10), as_labels=False)
    data = mapping([1, 5])
    data["items"][0]["reverse"] = "nej"  # text, which would count as «yes»
    write_mapping(folder, data)
    code, out = validate_text(capsys, folder)
    assert code == 1 and "items[1].reverse" in out and "true eller false" in out


@pytest.mark.parametrize("constructs", [["arbejdsmaengde", "vold"], 7, "arbejdsmaengde"])
def test_constructs_of_the_wrong_type_give_a_danish_message(tmp_path, capsys, constructs):
    folder = institution(tmp_path / "wb")
    write_csv(folder, answers(n=10), as_labels=False)
    data = mapping([1, 5])
    data["constructs"] = constructs
    write_mapping(folder, data)
    code, out = validate_text(capsys, folder)
    assert code == 1 and "apv/mapping.yaml, kolonne «constructs»: constructs skal være en ordbog" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    "items,where",
    [
        ({"m1": "arbejdsmaengde"}, "kolonne «items»: items skal være en liste"),
        (["m1", 3], "kolonne «items[1]»"),
        (None, "forventede mindst ét spørgsmål"),
    ],
)
def test_items_of_the_wrong_type_give_a_danish_message(tmp_path, capsys, items, where):
    folder = institution(tmp_path / "wb")
    write_csv(folder, answers(n=10), as_labels=False)
    data = mapping([1, 5])
    data["items"] = items
    write_mapping(folder, data)
    code, out = validate_text(capsys, folder)
    assert code == 1 and where in out and "Traceback" not in out


def test_every_broken_mapping_shape_ends_in_a_message_not_a_traceback(tmp_path):
    folder = institution(tmp_path / "wb")
    write_csv(folder, answers(n=10), as_labels=False)
    for text in [
        "constructs: [1, 2]\nitems: {a: 1}\n",
        "scales: [1]\nitems: []\n",
        "rounds: 5\n",
        "rounds: [{file: ../../etc/passwd}]\nitems: [{item: m1}]\n",
        "scales: {h: {labels: {Altid: ja}}}\n",
        "missing_values: 3\nheader_row: 0\nsheet: [1]\n",
        "- a\n- b\n",
    ]:
        write_mapping(folder, "unit_column: enhed\n" + text if not text.startswith("-") else text)
        run = subprocess.run(
            [sys.executable, "-m", "stresskit.cli", "validate", str(folder)], capture_output=True, text=True
        )
        assert run.returncode == 1 and "Traceback" not in run.stderr + run.stdout, text


def xlsx_workbook(tmp_path, fill):
    folder = institution(tmp_path / "wb")
    write_mapping(folder, mapping([1, 5]))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Svar"
    ws.append(HEADER)
    for r in answers(n=10):
        ws.append([r[0], r[1], *[v if v is not None else None for v in r[2:-1]], ""])
    fill(ws)
    wb.save(folder / "apv" / "r1.xlsx")
    return folder


def test_a_formula_without_a_cached_value_is_refused_with_sheet_and_cell(tmp_path, capsys):
    def formula(ws):
        ws["D5"] = "=C5+1"  # openpyxl stores no cached value: Excel never computed it

    folder = xlsx_workbook(tmp_path, formula)
    code, out = validate_text(capsys, folder)
    assert code == 1 and "apv/r1.xlsx, ark «Svar», række 5, kolonne «D»" in out and "formel uden gemt værdi" in out


def test_merged_cells_in_the_data_are_refused_with_sheet_and_cell(tmp_path, capsys):
    folder = xlsx_workbook(tmp_path, lambda ws: ws.merge_cells("C3:C4"))
    code, out = validate_text(capsys, folder)
    assert code == 1 and "apv/r1.xlsx, ark «Svar», række 3, kolonne «C3:C4»" in out and "flettede celler" in out


def test_a_missing_sheet_is_named(tmp_path, capsys):
    folder = xlsx_workbook(tmp_path, lambda ws: None)
    write_mapping(folder, mapping([1, 5], sheet="Data"))
    code, out = validate_text(capsys, folder)
    assert code == 1 and "arket findes ikke; filen har arkene Svar" in out


def test_mapping_draft_of_a_label_coded_file_validates_once_the_todos_are_filled(tmp_path, capsys):
    folder = institution(tmp_path / "wb")
    rows = answers()
    write_csv(folder, rows, as_labels=True)
    draft = tmp_path / "draft.yaml"
    assert cli.main(["mapping", "draft", str(folder / "apv" / "r1.csv"), "--out", str(draft)]) == 0
    text = draft.read_text(encoding="utf-8")
    assert "TODO" in text and "Jens" not in text  # the free-text column is named, never quoted
    # as drafted, validate says what is missing
    (folder / "apv" / "mapping.yaml").write_text(text, encoding="utf-8")
    code, out = validate_text(capsys, folder)
    assert code == 1 and "construct" in out

    data = yaml.safe_load(text)
    assert data["unit_column"] == "enhed" and "hyppighed" in data["scales"]
    assert [i["item"] for i in data["items"]] == [i for i, *_ in ITEMS]
    data["constructs"] = {"arbejdsmaengde": {"exposed_from": 62.5}, "stoette_leder": {"low_below": 37.5}}
    for spec, (_item, construct, reverse) in zip(data["items"], ITEMS):
        spec["construct"], spec["reverse"] = construct, reverse
    write_mapping(folder, data)
    code, out = validate_text(capsys, folder)
    assert code == 0, out

    numbers = institution(tmp_path / "numbers")
    write_mapping(numbers, mapping([1, 5]))
    write_csv(numbers, rows, as_labels=False)
    pd.testing.assert_frame_equal(figures(folder), figures(numbers))


def test_mapping_draft_flags_words_it_does_not_know_without_copying_them(tmp_path):
    frame = pd.DataFrame({"Afdeling": ["A", "B", "A"], "q1": ["Meget", "Lidt", "Ved ikke"], "q2": ["1", "3", "5"]})
    text = mapping_draft.draft(frame, "x.csv")
    data = yaml.safe_load(text)
    assert data["unit_column"] == "Afdeling"
    assert "Meget" not in text and "Lidt" not in text  # a cell is never copied, not even a short word
    assert {"item": "q1", "construct": "TODO", "scale": "TODO", "reverse": "TODO"} in data["items"]
    # plain numbers: nothing says whether 5 is the most, so the direction is left to a person
    assert {"item": "q2", "construct": "TODO", "scale": [1, 5], "reverse": "TODO"} in data["items"]


def copsoq_answers(n, qd, cl):
    preset = yaml.safe_load((SKELETON / "mapping-copsoq3.yaml").read_text(encoding="utf-8"))
    columns = [i["item"] for i in preset["items"]]
    rows = []
    for k in range(n):
        row = {c: "" for c in columns}
        row.update({c: qd for c in ("QD1", "QD2", "QD3", "WP1")}, WP2="I høj grad")
        row.update({c: cl for c in ("CL1", "CL2", "CL3")}, CO2="Delvis", CO3="Delvis")
        row.update(BU1="Nej", SH1="Nej", TV1="Nej", PV1="Ja, et par gange" if k == 0 else "Nej")
        rows.append({"Afdeling": "A", **row})
    return pd.DataFrame(rows)


def test_copsoq3_preset_scores_0_to_100_with_reversed_items_right(tmp_path, capsys):
    folder = tmp_path / "cq"
    assert cli.main(["new", str(folder), "--apv", "copsoq3"]) == 0
    book_yaml = folder / "institution.yaml"
    book_yaml.write_text(
        plain_yaml(
            {
                "name": "T",
                "sector": "kommune",
                "units": [{"id": "top", "name": "Top"}, {"id": "a", "name": "A", "parent": "top"}],
            }
        ),
        encoding="utf-8",
    )
    # always behind: the most workload there is; clear roles: no unclear demands
    copsoq_answers(12, "Altid", "I meget høj grad").to_csv(folder / "apv" / "2026.csv", sep=";", index=False)
    code, out = validate_text(capsys, folder)
    assert code == 0, out
    book = Workbook.open(folder)
    table = apv.aggregate(book, apv.load(book)).table
    # QD1–3 and WP1 «Altid» = 100, WP2 «I høj grad» = 75 (the middle version has no QD4, WP3): (4·100 + 75) / 5
    assert table.at[("a", "arbejdsmaengde"), "mean"] == pytest.approx(95)
    # role conflicts CO2, CO3 «Delvis» = 50, role clarity «I meget høj grad» reversed = 0 ×3: 100 / 5
    assert table.at[("a", "uklare_krav"), "mean"] == pytest.approx(20)
    assert table.at[("a", "vold"), "share"] == pytest.approx(1 / 12)
    assert check(folder) == []


def test_a_hidden_sheet_is_never_read_unless_named(tmp_path):
    """Found by review: a hidden first sheet with old answers was read instead of the visible one."""
    import openpyxl

    from stresskit import tables

    path = tmp_path / "runde.xlsx"
    wb = openpyxl.Workbook()
    old = wb.active
    old.title, old.sheet_state = "Gammel", "hidden"
    old.append(["enhed", "q1"])
    old.append(["hum", "5"])
    new = wb.create_sheet("Besvarelser")
    new.append(["enhed", "q1"])
    new.append(["hum", "1"])
    wb.save(path)
    assert tables.read(path, "runde.xlsx", want_column="enhed")["q1"].tolist() == ["1"]
    assert tables.read(path, "runde.xlsx", sheet="Gammel")["q1"].tolist() == ["5"]
