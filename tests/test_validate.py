"""`stresskit validate` and `stresskit new`: every refusal names file, row, column and what was expected."""

import json
import subprocess
import sys

import pytest

from stresskit import cli

from conftest import EXAMPLE


def validate(capsys, folder):
    code = cli.main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_example_is_valid(capsys):
    code, text = validate(capsys, EXAMPLE)
    assert code == 0 and "i orden" in text


def test_new_workbook_is_valid_and_commented(tmp_path, capsys):
    assert cli.main(["new", str(tmp_path / "skole")]) == 0
    text = (tmp_path / "skole" / "institution.yaml").read_text(encoding="utf-8")
    assert "# Sektor: kommune, region, stat eller privat" in text
    assert validate(capsys, tmp_path / "skole")[0] == 0
    # an existing workbook is never overwritten
    assert cli.main(["new", str(tmp_path / "skole")]) == 1


def edit(path, old, new):
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_cells(path, row, values):
    """Change cells of one row of the survey CSV; row as a spreadsheet counts it (the header is 1)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[row - 1].split(";")
    for column, value in values.items():
        cells[column] = value
    lines[row - 1] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_missing_institution_file(tmp_path, capsys):
    code, text = validate(capsys, tmp_path)
    assert code == 1 and "institution.yaml: filen mangler" in text


def test_unreadable_institution_file(example, capsys):
    (example / "institution.yaml").write_text("name: [Fjordby\nunits:\n", encoding="utf-8")
    code, text = validate(capsys, example)
    assert code == 1 and "institution.yaml" in text and "ikke gyldig YAML" in text


def test_duplicate_unit_id(example, capsys):
    edit(example / "institution.yaml", "- id: nat", "- id: hum")
    code, text = validate(capsys, example)
    assert code == 1 and "kolonne «units[8].id»: fandt «hum»" in text and "entydigt" in text


def test_parent_that_does_not_exist(example, capsys):
    edit(example / "institution.yaml", "parent: service", "parent: drift")
    code, text = validate(capsys, example)
    assert code == 1 and "units (teknisk).parent" in text and "fandt «drift»" in text


def test_threshold_below_five(example, capsys):
    edit(example / "institution.yaml", "min_group: 5", "min_group: 3")
    code, text = validate(capsys, example)
    assert code == 1 and "anonymity.min_group" in text and "fandt «3»" in text and "mindst 5" in text


def test_empty_survey_file(example, capsys):
    (example / "apv" / "2027.csv").write_text("", encoding="utf-8")
    code, text = validate(capsys, example)
    assert code == 1 and "apv/2027.csv: filen er tom" in text


def test_survey_with_header_only(example, capsys):
    header = (example / "apv" / "2026.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (example / "apv" / "2027.csv").write_text(header + "\n", encoding="utf-8")
    code, text = validate(capsys, example)
    assert code == 1 and "apv/2027.csv: filen har ingen besvarelser" in text


def test_non_numeric_and_out_of_scale_answers(example, capsys):
    set_cells(example / "apv" / "2026.csv", 5, {2: "meget", 3: "7"})  # q01, q02
    code, text = validate(capsys, example)
    assert code == 1
    assert "apv/2026.csv, række 5, kolonne «q01 (C)»: fandt «meget», forventede et tal fra 1 til 5" in text
    assert "apv/2026.csv, række 5, kolonne «q02 (D)»: fandt «7», forventede et tal fra 1 til 5" in text


def test_respondent_in_unknown_unit(example, capsys):
    set_cells(example / "apv" / "2026.csv", 3, {1: "Musik"})  # the unit column
    code, text = validate(capsys, example)
    assert code == 1 and "række 3, kolonne «Afdeling (B)»: fandt «Musik»" in text and "institution.yaml" in text


def test_item_named_in_mapping_missing_from_file(example, capsys):
    edit(example / "apv" / "2026.csv", ";q07;", ";q07x;")
    code, text = validate(capsys, example)
    assert code == 1 and "apv/2026.csv, række 1, kolonne «q07»" in text and "findes ikke i filen" in text


def test_bad_signals_row(example, capsys):
    edit(example / "signals.csv", "kantine;1;", "kantine;en;")
    code, text = validate(capsys, example)
    assert code == 1 and "signals.csv, række" in text and "stress_sygemeldinger" in text and "fandt «en»" in text


def test_command_line_never_shows_a_traceback(example):
    edit(example / "institution.yaml", "min_group_sensitive: 10", "min_group_sensitive: 2")
    run = subprocess.run(
        [sys.executable, "-m", "stresskit.cli", "validate", str(example)], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr and "min_group_sensitive" in run.stdout
    usage = subprocess.run([sys.executable, "-m", "stresskit.cli", "validate"], capture_output=True, text=True)
    assert usage.returncode == 2 and "disse argumenter mangler" in usage.stderr


# --- headcounts and look-alike names (issue 19) ------------------------------------------
def test_a_parent_with_fewer_staff_than_its_children_together_is_refused_naming_both(example, capsys):
    edit(example / "institution.yaml", "  parent: fjordby\n  headcount: 14\n", "  parent: fjordby\n  headcount: 12\n")
    code, text = validate(capsys, example)
    assert code == 1 and "Traceback" not in text
    assert "institution.yaml, kolonne «units (adm).headcount»: fandt «12»" in text
    assert "adm_studie (10), adm_oekonomi (4) er 14" in text


def rename_nat(example, name):
    """Give unit nat a new name; the survey's old name for it stays valid."""
    edit(
        example / "institution.yaml",
        "  name: Naturvidenskab\n",
        f"  name: {name}\n  previous_names:\n  - Naturvidenskab\n",
    )


@pytest.mark.parametrize(
    "name, says",
    [
        ("Human\u200biora", "usynlige styretegn (U+200B)"),  # a zero-width space
        ("\u202eaironamuH", "usynlige styretegn (U+202E)"),  # right-to-left override
        ("Hum\u0430niora lærere", "blander skriftsystemer (kyrillisk, latinsk)"),  # Cyrillic а in a Latin word
        (
            "ＡＤＭＩＮＩＳＴＲＡＴＩＯＮ",
            "enheden «adm» har samme navn",
        ),  # full width: Administration after NFKC and case folding
    ],
)
def test_look_alike_unit_names_are_refused_naming_the_unit(example, capsys, name, says):
    rename_nat(example, json.dumps(name))
    code, text = validate(capsys, example)
    assert code == 1 and "Traceback" not in text
    assert "kolonne «units (nat).name»" in text and says in text
    assert "\u200b" not in text and "\u202e" not in text  # the message shows the code point, not the trick


def test_a_danish_name_with_letters_and_digits_passes(example, capsys):
    rename_nat(example, "Natur- og fysikfag 2.g (ÆØÅ)")
    assert validate(capsys, example)[0] == 0
