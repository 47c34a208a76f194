"""Malformed inputs, one per case: each edits a fresh copy of the example workbook.

`says` is a fragment the Danish message of `stresskit validate` must hold. `secret` is text
the broken input carries that must never reach a written report, index or notebook.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from conftest import plain_yaml

APV_ROWS = "apv/2026.csv"
FREE_TEXT = "4 - min leder Jens råber ad mig hver uge"


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], None]
    says: str
    secret: str = ""
    read_only: bool = False  # the folder is made read-only around the commands


# --- editing a copy ------------------------------------------------------------------
def load(root: Path, name: str):
    return yaml.safe_load((root / name).read_text(encoding="utf-8"))


def dump(root: Path, name: str, data) -> None:
    (root / name).write_text(plain_yaml(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def unit(data: dict, unit_id: str) -> dict:
    return next(u for u in data["units"] if u["id"] == unit_id)


def institution(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        data = load(root, "institution.yaml")
        change(data)
        dump(root, "institution.yaml", data)

    return build


def set_unit(unit_id: str, **fields) -> Callable[[Path], None]:
    return institution(lambda d: unit(d, unit_id).update(fields))


def mapping(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        data = load(root, "apv/mapping.yaml")
        change(data)
        dump(root, "apv/mapping.yaml", data)

    return build


def first_item(**fields) -> Callable[[Path], None]:
    return mapping(lambda d: d["items"][0].update(fields))


def write(name: str, content: bytes | str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    return build


def replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8-sig")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return build


def cell(row: int, column: int, value: str) -> Callable[[Path], None]:
    """One cell of the survey CSV; row as a spreadsheet counts it (the header is row 1)."""

    def build(root: Path) -> None:
        path = root / APV_ROWS
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        cells = lines[row - 1].split(";")
        cells[column] = value
        lines[row - 1] = ";".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return build


def survey_rows(root: Path) -> list[list[str]]:
    return [line.split(";") for line in (root / APV_ROWS).read_text(encoding="utf-8-sig").splitlines()]


def as_xlsx(change: Callable) -> Callable[[Path], None]:
    """The survey as .xlsx instead of .csv, changed by change(sheet) before it is saved."""

    def build(root: Path) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for row in survey_rows(root):
            sheet.append([int(c) if c.isdigit() else c for c in row])
        change(sheet)
        (root / APV_ROWS).unlink()
        book.save(root / "apv" / "2026.xlsx")

    return build


def formula(sheet) -> None:
    sheet["C2"] = "=1+2"  # openpyxl writes no cached value: Excel would, a script may not


def merged(sheet) -> None:
    sheet.merge_cells("C2:C4")


def encoded(name: str, encoding: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / name
        path.write_bytes(path.read_text(encoding="utf-8-sig").encode(encoding))

    return build


def signals_row(line: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        with open(root / "signals.csv", "a", encoding="utf-8") as f:
            f.write(line + "\n")

    return build


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + f"\nnoter: *a{levels}\n"


def append(name: str, text: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        with open(root / name, "a", encoding="utf-8") as f:
            f.write(text)

    return build


# --- the store -----------------------------------------------------------------------
STORE = "stresskit.sqlite"


def truncate_store(fraction: float) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / STORE
        with open(path, "r+b") as f:
            f.truncate(int(path.stat().st_size * fraction))

    return build


def foreign_store(root: Path) -> None:
    (root / STORE).unlink()
    db = sqlite3.connect(root / STORE)
    db.execute("CREATE TABLE answers (x TEXT)")
    db.commit()
    db.close()


def store_folder(root: Path) -> None:
    (root / STORE).unlink()
    (root / STORE).mkdir()


def nothing(root: Path) -> None:
    pass


# --- the cases -----------------------------------------------------------------------
ID_RULE = "må kun indeholde bogstaverne"
CASES = [
    # institution.yaml: ids that could reach outside the report folder, or say something else
    Case("id_traversal", set_unit("hum", id="../../x"), ID_RULE),
    Case("id_absolute", set_unit("hum", id="/tmp/x"), ID_RULE),
    Case("id_leading_dash", set_unit("hum", id="-hum"), ID_RULE),
    Case("id_space", set_unit("hum", id="hum fag"), ID_RULE),
    Case("id_danish_letter", set_unit("kantine", id="kantinen_æøå"), ID_RULE),
    Case("id_dot", set_unit("hum", id="hum.html"), ID_RULE),
    Case("id_list", set_unit("hum", id=["hum"]), ID_RULE),
    Case("id_duplicate", set_unit("nat", id="hum"), "hvert id skal være entydigt"),
    Case("id_duplicate_case", set_unit("nat", id="HUM"), "hvert id skal være entydigt"),
    Case("name_duplicate", set_unit("teknisk", name="Kantine"), "sit eget navn"),
    Case("name_duplicate_case_space", set_unit("teknisk", name="  kANTINE "), "sit eget navn"),
    Case("name_is_other_units_id", set_unit("teknisk", name="hum"), "sit eget navn"),
    Case("name_wrong_type", set_unit("hum", name={"a": 1}), "navn som tekst"),
    Case("parent_cycle", set_unit("undervisning", parent="hum"), "ring"),
    Case("parent_missing", set_unit("hum", parent="musik"), "findes i units"),
    Case("two_roots", institution(lambda d: unit(d, "hum").pop("parent")), "præcis én enhed"),
    Case("root_is_own_parent", set_unit("fjordby", parent="fjordby"), "præcis én enhed"),
    Case("threshold_below_five", institution(lambda d: d["anonymity"].update(min_group=3)), "mindst 5"),
    Case(
        "threshold_sensitive_below_min",
        institution(lambda d: d["anonymity"].update(min_group=8, min_group_sensitive=6)),
        "mindst samme værdi",
    ),
    Case("threshold_text", institution(lambda d: d["anonymity"].update(min_group="fem")), "mindst 5"),
    Case("threshold_boolean", institution(lambda d: d["anonymity"].update(min_group=True)), "mindst 5"),
    Case("headcount_negative", set_unit("hum", headcount=-3), "helt antal ansatte"),
    Case("headcount_text", set_unit("hum", headcount="mange"), "helt antal ansatte"),
    Case("units_mapping", institution(lambda d: d.update(units={"hum": "Humaniora"})), "liste af enheder"),
    Case("units_empty", institution(lambda d: d.update(units=[])), "liste af enheder"),
    Case("unit_not_mapping", institution(lambda d: d["units"].append("musik")), "forventede en enhed"),
    Case("sector_unknown", institution(lambda d: d.update(sector="kommunal")), "forventede en af"),
    Case("name_empty", institution(lambda d: d.update(name="")), "institutionens navn"),
    Case(
        "amo_group_unknown_unit", institution(lambda d: d["amo_groups"][0]["units"].append("musik")), "findes i units"
    ),
    Case(
        "institution_yaml_syntax",
        replace("institution.yaml", "name: Fjordby Gymnasium", "name: [Fjordby"),
        "ikke gyldig YAML",
    ),
    Case("institution_list", write("institution.yaml", "- a\n- b\n"), "YAML-ordbog"),
    Case("institution_missing", lambda root: (root / "institution.yaml").unlink(), "filen mangler"),
    Case("institution_binary", write("institution.yaml", os.urandom(512) + b"\xff\xfe"), "institution.yaml"),
    Case(
        "institution_deeply_nested",
        replace("institution.yaml", "name: Fjordby Gymnasium", "name: " + "[" * 5000 + "]" * 5000),
        "institution.yaml",
    ),
    Case(
        "institution_python_tag",
        replace("institution.yaml", "name: Fjordby Gymnasium", "name: !!python/object/apply:os.system ['true']"),
        "institution.yaml",
    ),
    Case("institution_alias_bomb", append("institution.yaml", alias_bomb(6)), "institution.yaml"),
    Case("institution_huge", append("institution.yaml", "# fyld\n" * 3_000_000), "institution.yaml"),
    # apv/mapping.yaml: sections of the wrong type, booleans that aren't, bad scales
    Case("constructs_list", mapping(lambda d: d.update(constructs=["arbejdsmaengde"])), "mapping.yaml"),
    Case("constructs_number", mapping(lambda d: d.update(constructs=5)), "mapping.yaml"),
    Case("items_text", mapping(lambda d: d.update(items="q01")), "mapping.yaml"),
    Case("item_number", mapping(lambda d: d["items"].__setitem__(0, 5)), "forventede item, construct og scale"),
    Case("missing_values_number", mapping(lambda d: d.update(missing_values=5)), "mapping.yaml"),
    Case("reverse_nej", first_item(reverse="nej"), "reverse"),
    Case("scale_reversed", first_item(scale=[5, 1]), "[laveste, højeste]"),
    Case("scale_text", first_item(scale="1-5"), "[laveste, højeste]"),
    Case("scale_words", first_item(scale=["lav", "høj"]), "[laveste, højeste]"),
    Case("item_unknown_construct", first_item(construct="trivsel"), "mapping.yaml"),
    Case("unit_column_absent", mapping(lambda d: d.update(unit_column="Afd")), "kolonnen med enheden mangler"),
    Case("mapping_missing", lambda root: (root / "apv" / "mapping.yaml").unlink(), "mapping.yaml"),
    Case("mapping_yaml_syntax", write("apv/mapping.yaml", "items: [q01\n"), "ikke gyldig YAML"),
    # the survey rows
    Case("free_text_in_item", cell(3, 2, FREE_TEXT), "forventede et tal fra 1 til 5", secret=FREE_TEXT),
    Case(
        "free_text_many_rows",
        lambda root: [cell(r, 4, f"Hemmelig tekst nr. {r}")(root) for r in range(2, 40)],
        "ugyldige svar mere",
        secret="Hemmelig tekst nr. 3",
    ),
    Case("formula_text_in_item", cell(2, 3, '=HYPERLINK("http://x.invalid")'), "forventede et tal", secret="x.invalid"),
    Case("out_of_scale", cell(2, 2, "7"), "forventede et tal fra 1 til 5"),
    Case("unknown_unit", cell(2, 1, "Musik og drama"), "forventede id eller navn", secret="Musik og drama"),
    Case("survey_empty", write(APV_ROWS, b""), "filen er tom"),
    Case(
        "survey_header_only",
        lambda root: write(APV_ROWS, ";".join(survey_rows(root)[0]) + "\n")(root),
        "ingen besvarelser",
    ),
    Case("survey_binary", write(APV_ROWS, bytes(range(256)) * 40), "2026.csv"),
    Case("survey_utf16", encoded(APV_ROWS, "utf-16"), "2026.csv"),
    Case("survey_column_renamed", replace(APV_ROWS, ";q07;", ";q07x;"), "findes ikke i filen"),
    Case("xlsx_free_text", as_xlsx(lambda s: s.__setitem__("C3", FREE_TEXT)), "forventede et tal", secret=FREE_TEXT),
    Case(
        "xlsx_damaged",
        lambda root: ((root / APV_ROWS).unlink(), write("apv/2026.xlsx", b"PK\x03\x04" + os.urandom(300))(root)),
        "regneark",
    ),
    Case("xlsx_formula_without_value", as_xlsx(formula), "2026.xlsx"),
    Case("xlsx_merged_cells", as_xlsx(merged), "2026.xlsx"),
    # signals.csv
    Case("signals_duplicate_unit", signals_row("kantine;0;1,0;2,0;0;2026"), "kun have én række"),
    Case(
        "signals_text",
        replace("signals.csv", "kantine;1;", "kantine;en;"),
        "forventede et helt tal",
        secret="kantine;en",
    ),
    Case("signals_unknown_unit", signals_row("musik;0;1;1;0;2026"), "forventede id'et på en enhed"),
    Case("signals_negative", replace("signals.csv", "kantine;1;", "kantine;-1;"), "0 eller mere"),
    Case("signals_no_unit_column", replace("signals.csv", "enhed;", "afdeling;"), "enhed"),
    Case("signals_binary", write("signals.csv", os.urandom(2048)), "signals.csv"),
    # the store
    Case("store_truncated_half", truncate_store(0.5), "lageret er beskadiget"),
    Case("store_truncated_header", truncate_store(0.00005), "lageret er beskadiget"),
    Case("store_one_byte_short", truncate_store(0.99999), "lageret er beskadiget"),
    Case("store_junk", write(STORE, os.urandom(8192)), "lageret er beskadiget"),
    Case("store_foreign", foreign_store, "ikke et stresskit-lager"),
    Case("store_is_folder", store_folder, "fandt en mappe"),
    Case("folder_read_only", nothing, "mappen kan ikke skrives i", read_only=True),
]
