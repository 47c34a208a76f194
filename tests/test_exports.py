"""Real survey exports in, true figures out (issue 20): SurveyXact's dataset export with a value-label
file, and SPSS files with value labels, built by data/make_exports.py from the example's respondents,
give exactly the example's figures; the draft copies no cell and proposes who counts; a direction
that runs against the rest of a measure is warned about; bad label and status input is told in
Danish without quoting a cell."""

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from stresskit import apv, cli
from stresskit.apv import draft as mapping_draft
from stresskit.apv import labels
from stresskit.validate import check
from stresskit.workbook import Workbook

from conftest import ROOT, plain_yaml

EXAMPLE = ROOT / "data" / "example"
SURVEYXACT = ROOT / "data" / "surveyxact"
SPSS = ROOT / "data" / "spss"
EXPORTS = [SURVEYXACT, SPSS]


@pytest.fixture(scope="module")
def truth():
    return apv.history(Workbook.open(EXAMPLE))


def validate(capsys, folder):
    code = cli.main(["validate", str(folder)])
    return code, capsys.readouterr().out


def copy(folder, tmp_path):
    return shutil.copytree(folder, tmp_path / folder.name)


def edit_cells(path, edit, encoding="cp1252"):
    """Change cells of a SurveyXact dataset: edit(header, rows) works on lists of strings."""
    lines = path.read_bytes().decode(encoding).split("\r\n")
    header, rows = lines[0].split(";"), [line.split(";") for line in lines[1:] if line]
    edit(header, rows)
    path.write_bytes(("\r\n".join(";".join(r) for r in [header, *rows]) + "\r\n").encode(encoding))


def completed_rows(header, rows):
    done = header.index("statoverall_4")
    return [r for r in rows if r[done] == "1"]


@pytest.mark.parametrize("folder", EXPORTS, ids=lambda p: p.name)
def test_an_export_gives_the_same_figures_as_the_example_per_unit_and_construct(folder, truth):
    assert check(folder) == []
    rounds = apv.history(Workbook.open(folder))
    assert [r.round for r in rounds] == [r.round for r in truth] == ["2024", "2026"]
    for got, want in zip(rounds, truth):
        pd.testing.assert_frame_equal(got.table, want.table)
        assert got.respondents == want.respondents and got.respondent_status == want.respondent_status


def test_make_exports_writes_the_same_files_again(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'data'); import make_exports, pathlib; "
            f"make_exports.main(pathlib.Path({str(tmp_path)!r}))",
        ],
        cwd=ROOT,
        check=True,
    )
    for folder in EXPORTS:
        for path in folder.rglob("*"):
            if path.is_file():
                assert (tmp_path / folder.name / path.relative_to(folder)).read_bytes() == path.read_bytes(), path


def test_only_completed_responses_count_and_the_response_rate_uses_them(capsys, truth):
    survey = apv.load(Workbook.open(SURVEYXACT))
    latest = survey.rounds[-1]
    assert (latest.rows, len(latest._units)) == (130, 118)
    # 118 completed of 136 employees; the unfinished rows (one with a unit code nobody has) never count
    assert apv.history(Workbook.open(SURVEYXACT))[-1].respondents["fjordby"] == 118
    code, out = validate(capsys, SURVEYXACT)
    assert code == 0 and "118 af 130 rækker er gennemførte besvarelser" in out
    assert "Retning" not in out  # the mapping's directions agree with the data


def test_the_draft_copies_no_cell_and_needs_only_what_a_person_decides(tmp_path, capsys, truth):
    source = SURVEYXACT / "apv" / "dataset_2026.csv"
    out = tmp_path / "draft.yaml"
    assert cli.main(["mapping", "draft", str(source), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    frame = pd.read_csv(source, sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    for column in ("s_16", "email", "created", "closetime", "respondentid"):
        for cell in set(frame[column]) - {""}:
            assert cell not in text, column  # free text, e-mail, timestamps, ids: none copied
    data = yaml.safe_load(text)
    assert data["unit_column"] == "afdeling" and data["labels"] == "labels_2026.csv"
    assert data["completed"] == {"column": "statoverall_4", "equals": 1}
    assert [i["item"] for i in data["items"]] == [f"s_{n}" for n in range(1, 16)]  # metadata and free text left out
    assert {i["scale"] for i in data["items"]} == {"hyppighed", "grad", "haendelser"}
    assert "Ved ikke" in data["missing_values"] and "Sommetider" in data["scales"]["hyppighed"]["labels"]

    # The person decides which measure each item belongs to, and the thresholds; nothing else.
    example = yaml.safe_load((EXAMPLE / "apv" / "mapping.yaml").read_text(encoding="utf-8"))
    data["constructs"] = example["constructs"]
    for spec, item in zip(data["items"], example["items"]):
        spec["construct"] = item["construct"]
    book = tmp_path / "wb"
    (book / "apv").mkdir(parents=True)
    shutil.copy(SURVEYXACT / "institution.yaml", book)
    for name in ("dataset_2026.csv", "labels_2026.csv"):
        shutil.copy(SURVEYXACT / "apv" / name, book / "apv")
    (book / "apv" / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    code, said = validate(capsys, book)
    # «Har du tid nok?» and «Ved du, hvad der forventes?» run the other way: validate says so
    assert code == 0 and "«s_3» går den modsatte vej" in said and "«s_4», «s_5», går hver sin vej" in said
    for spec in data["items"]:
        spec["reverse"] = spec["item"] in ("s_3", "s_5")
    (book / "apv" / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    code, said = validate(capsys, book)
    assert code == 0 and "Retning" not in said
    got = apv.history(Workbook.open(book))[-1]
    pd.testing.assert_frame_equal(got.table, truth[-1].table)


def test_the_issues_case_a_workload_share_far_from_the_truth_is_warned_about(tmp_path, capsys, truth):
    """Issue 20: the old draft's guesses (codes as numbers, 1 = «Altid», «Ved ikke» = 6 on 1–7,
    every row counted) gave a workload share near 2 % where the truth is 48.7 %, silently."""
    assert truth[-1].table.at[("fjordby", "arbejdsmaengde"), "share"] == pytest.approx(57 / 117)  # 48.7 %
    book = copy(SURVEYXACT, tmp_path)
    for name in ("dataset_2024.csv", "labels_2024.csv", "labels_2026.csv"):
        (book / "apv" / name).unlink()
    data = yaml.safe_load((book / "apv" / "mapping.yaml").read_text(encoding="utf-8"))
    on_five = {"s_3", "s_6", "s_9", "s_12", "s_14", "s_15"}  # where the old draft saw no 6
    for spec in data["items"]:
        spec["scale"], spec["reverse"] = ([1, 5] if spec["item"] in on_five else [1, 7]), False
    names = {
        line.split(";")[1]: line.split(";")[2]
        for line in (SURVEYXACT / "apv" / "labels_2026.csv").read_bytes().decode("cp1252").splitlines()
        if line.startswith("afdeling;")
    }
    ids = {u.name: u.id for u in Workbook.open(EXAMPLE).units.values()}
    data["unit_codes"] = {**{int(c): ids[n] for c, n in names.items()}, 99: "fjordby"}
    for key in ("completed", "missing_values", "scales"):
        data.pop(key)
    data["rounds"] = [{"name": "2026", "file": "dataset_2026.csv"}]
    (book / "apv" / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    naive = apv.history(Workbook.open(book))[-1]
    assert naive.respondents["fjordby"] == 130
    assert naive.table.at[("fjordby", "arbejdsmaengde"), "share"] < 0.03  # far from 48.7 %
    code, said = validate(capsys, book)
    assert code == 0 and "Retning: spørgsmålet «s_3» går den modsatte vej" in said


def test_dont_know_coded_as_the_highest_number_is_never_a_score():
    mapping = apv.Mapping("enhed", [], {}, scales={})
    item = apv.Item("s_1", "arbejdsmaengde", 1, 7)
    codes = {"1": "Altid", "2": "Ofte", "3": "Sommetider", "4": "Sjældent", "5": "Aldrig", "6": "Ved ikke"}
    values, bad = apv._values(mapping, item, pd.Series(["1", "6", "", "6,0", "7"]), codes)
    assert values.iloc[:4].isna().tolist() == [False, True, True, True] and bad.tolist() == [False] * 4 + [True]


def test_label_files_in_windows_utf8_and_utf16_with_or_without_header(tmp_path):
    rows = [("s_1", "1", "Altid"), ("s_1", "6", "Ved ikke"), ("afdeling", "3", "Økonomi og løn")]
    for n, (encoding, sep, header) in enumerate(
        [("cp1252", ";", False), ("utf-8-sig", ";", True), ("utf-16", "\t", False)]
    ):
        path = tmp_path / f"labels{n}.csv"
        lines = ([f"variable{sep}value{sep}label"] if header else []) + [sep.join(r) for r in rows]
        path.write_bytes("\r\n".join(lines).encode(encoding))
        assert labels.read_label_file(path, path.name) == {
            "s_1": {"1": "Altid", "6": "Ved ikke"},
            "afdeling": {"3": "Økonomi og løn"},
        }


def test_a_code_without_a_label_is_named_by_row_and_column_never_quoted(tmp_path, capsys):
    book = copy(SURVEYXACT, tmp_path)

    def seven(header, rows):
        completed_rows(header, rows)[0][header.index("s_1")] = "7"

    edit_cells(book / "apv" / "dataset_2026.csv", seven)
    code, out = validate(capsys, book)
    assert code == 1
    line = next(x for x in out.splitlines() if "s_1" in x)
    assert "apv/dataset_2026.csv, række" in line and "kolonne «s_1 (P)»" in line
    assert "koden har ingen etiket i etiketfilen «labels_2026.csv»" in line and "fandt" not in line


def test_a_status_column_with_unexpected_values_is_an_error(tmp_path, capsys):
    book = copy(SURVEYXACT, tmp_path)

    def odd(header, rows):
        rows[3][header.index("statoverall_4")] = "2"

    edit_cells(book / "apv" / "dataset_2026.csv", odd)
    code, out = validate(capsys, book)
    assert code == 1 and "kolonne «statoverall_4 (AI)»: 1 rækker har en anden værdi i statuskolonnen" in out
    # the label file knows 0 and 1 for the column: 1 is completed, so 0 is the only other value expected
    assert "(1 betyder gennemført, 0 ikke gennemført)" in out and "completed.others" in out


def test_a_label_file_that_does_not_match_the_data_is_named(tmp_path, capsys):
    book = copy(SURVEYXACT, tmp_path)
    (book / "apv" / "labels_2026.csv").write_bytes(b"q1;1;Altid\r\nq1;2;Ofte\r\n")
    code, out = validate(capsys, book)
    assert code == 1 and "apv/labels_2026.csv: etiketfilen passer ikke til apv/dataset_2026.csv" in out


def test_an_unknown_unit_code_is_named_with_its_rows_count(tmp_path, capsys):
    book = copy(SURVEYXACT, tmp_path)

    def unknown(header, rows):
        for r in completed_rows(header, rows)[:3]:
            r[header.index("afdeling")] = "77"

    edit_cells(book / "apv" / "dataset_2026.csv", unknown)
    code, out = validate(capsys, book)
    assert code == 1 and "kolonne «afdeling (O)»: fandt «77»" in out and "unit_codes" in out and "(3 rækker)" in out


def test_unit_codes_in_the_mapping_name_units_the_label_file_does_not_know(tmp_path, truth):
    book = copy(SURVEYXACT, tmp_path)
    path = book / "apv" / "labels_2026.csv"
    path.write_bytes(path.read_bytes().replace("Humaniora".encode("cp1252"), b"Hum. (gammel kode)"))
    assert any("Hum. (gammel kode)" in p.expected for p in check(book))
    data = yaml.safe_load((book / "apv" / "mapping.yaml").read_text(encoding="utf-8"))
    code = next(line.split(";")[1] for line in path.read_bytes().decode("cp1252").splitlines() if "gammel" in line)
    data["unit_codes"] = {int(code): "hum"}
    (book / "apv" / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    assert check(book) == []
    pd.testing.assert_frame_equal(apv.history(Workbook.open(book))[-1].table, truth[-1].table)


def test_the_draft_of_an_spss_file_reads_its_value_labels_and_status():
    text = mapping_draft.draft_file(SPSS / "apv" / "2026.sav")
    data = yaml.safe_load(text)
    assert data["completed"] == {"column": "status", "equals": "1"} and data["unit_codes"] == "TODO"
    assert [i["item"] for i in data["items"]] == [f"q{n:02d}" for n in range(1, 16)]
    assert all(i["reverse"] is False for i in data["items"])  # every scale's words say its direction
    assert "Ved ikke" in data["missing_values"]
    assert not np.isin(["For mange opgaver oven i undervisningen", "Godt kollegaskab"], text.split()).any()
    assert "Godt kollegaskab" not in text


def test_a_text_status_column_per_round_needs_its_other_values_named(tmp_path, capsys, truth):
    book = shutil.copytree(EXAMPLE, tmp_path / "wb", ignore=shutil.ignore_patterns("stresskit.sqlite*"))
    path = book / "apv" / "2026.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    extra = [";".join(["X1", "Humaniora", *["5"] * 15, ""]), ";".join(["X2", "Kantine", *["1"] * 15, ""])]
    rows = (
        [lines[0] + ";Status"] + [line + ";gennemført" for line in lines[1:]] + [x + ";Ikke gennemført" for x in extra]
    )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = yaml.safe_load((book / "apv" / "mapping.yaml").read_text(encoding="utf-8"))
    data["rounds"][1]["completed"] = {"column": "Status", "equals": "Gennemført"}
    (book / "apv" / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    code, out = validate(capsys, book)
    assert code == 1 and "kolonne «Status (S)»: 2 rækker har en anden værdi" in out and "Ikke gennemført" not in out
    data["rounds"][1]["completed"]["others"] = ["Ikke gennemført"]
    (book / "apv" / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    assert check(book) == []
    pd.testing.assert_frame_equal(apv.history(Workbook.open(book))[-1].table, truth[-1].table)


def test_an_item_the_label_file_has_no_words_for_is_named(tmp_path, capsys):
    book = copy(SURVEYXACT, tmp_path)
    path = book / "apv" / "labels_2026.csv"
    path.write_bytes(
        b"".join(line for line in path.read_bytes().splitlines(keepends=True) if not line.startswith(b"s_1;"))
    )
    code, out = validate(capsys, book)
    line = next(x for x in out.splitlines() if "«s_1 (P)»" in x)
    assert (
        code == 1 and "Etiketfilen «labels_2026.csv» har ingen etiketter for variablen" in line and "fandt" not in line
    )


def test_surveyxacts_excel_export_with_its_labels_sheet(tmp_path, truth):
    """SurveyXact's Excel export holds the answers (sheet Dataset) and the labels (sheet Labels) in one file."""
    import openpyxl

    book = copy(SURVEYXACT, tmp_path)
    apv_dir = book / "apv"
    wb = openpyxl.Workbook()
    data_sheet = wb.active
    data_sheet.title = "Dataset"
    for line in (apv_dir / "dataset_2026.csv").read_bytes().decode("cp1252").splitlines():
        data_sheet.append([int(c) if c.isdigit() else c for c in line.split(";")])
    label_sheet = wb.create_sheet("Labels")
    for line in (apv_dir / "labels_2026.csv").read_bytes().decode("cp1252").splitlines():
        variable, value, label = line.split(";")
        label_sheet.append([variable, int(value), label])
    wb.create_sheet("Variables")
    wb.save(apv_dir / "export_2026.xlsx")
    for name in ("dataset_2026.csv", "labels_2026.csv"):
        (apv_dir / name).unlink()

    text = mapping_draft.draft_file(apv_dir / "export_2026.xlsx")
    drafted = yaml.safe_load(text)
    assert drafted["sheet"] == "Dataset" and drafted["labels"] == "export_2026.xlsx"
    assert drafted["completed"] == {"column": "statoverall_4", "equals": 1}
    assert [i["scale"] for i in drafted["items"]][:3] == ["hyppighed"] * 3 and "Godt kollegaskab" not in text

    data = yaml.safe_load((apv_dir / "mapping.yaml").read_text(encoding="utf-8"))
    data["rounds"][1].update(file="export_2026.xlsx", labels="export_2026.xlsx", sheet="Dataset")
    (apv_dir / "mapping.yaml").write_text(plain_yaml(data, sort_keys=False), encoding="utf-8")
    assert check(book) == []
    rounds = apv.history(Workbook.open(book))
    for got, want in zip(rounds, truth):
        pd.testing.assert_frame_equal(got.table, want.table)


def test_the_draft_knows_english_scales_dont_know_codes_and_asks_who_counts_when_it_cannot_tell():
    frame = pd.DataFrame(
        {
            "Department": ["1", "2", "1"],
            "Status": ["a", "b", "a"],
            "IP": ["10.0.0.1"] * 3,
            "q1": ["1", "6", "5"],
            "q2": ["2", "3", "7"],
            "q3": ["Sometimes", "Always", "Never"],
        }
    )
    codes = {
        "q1": {
            "1": "Never",
            "2": "Seldom",
            "3": "Sometimes",
            "4": "Often",
            "5": "Always",
            "6": "I do not have a supervisor",
        },
        "q2": {
            str(k): w
            for k, w in enumerate(
                [
                    "Strongly disagree",
                    "Disagree",
                    "Neutral",
                    "Agree",
                    "Strongly agree",
                    "Don't know",
                    "Prefer not to say",
                ],
                start=1,
            )
        },
    }
    text = mapping_draft.draft(frame, "x.csv", labels=codes, label_file="labels.csv")
    data = yaml.safe_load(text)
    assert data["completed"] == "TODO" and "Status" in text.split("completed: TODO")[1].splitlines()[0]
    assert data["unit_column"] == "Department" and data["unit_codes"] == "TODO"
    assert {i["item"]: i["scale"] for i in data["items"]} == {"q1": "frequency", "q2": "agreement", "q3": "frequency"}
    assert {"I do not have a supervisor", "Don't know", "Prefer not to say"} <= set(data["missing_values"])
    assert data["scales"]["frequency"]["labels"]["Always"] == 5 and "10.0.0.1" not in text
