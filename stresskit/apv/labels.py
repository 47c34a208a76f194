"""Value labels: the words behind a survey tool's answer codes.

Survey tools export answers as codes (1, 2, … 6) and give each code its words in a separate
file. SurveyXact's value-label file has one line per code, ``variable;value;label`` (no header
row, though some exports add one), in UTF-8, Windows-1252 or UTF-16; an SPSS ``.sav`` file
carries its value labels inside. Both come back here as one shape,
``{variable: {code: label}}``, so the reader of a round can turn codes into words and the
words into scores through mapping.yaml's named scales.

Codes are compared as numbers written plainly ("6", "6.0" and "6,0" are the same code), labels
with their whitespace collapsed. A label file is the survey tool's, not a respondent's, so its
words may be shown in messages and drafts; the data's cells never are.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd

from .. import csvtext, limits, tables
from ..errors import InputError, Problem

ValueLabels = dict[str, dict[str, str]]  # variable -> code -> label
SPSS = ".sav"
HEADER_WORDS = {"variable", "variablename", "variabel", "var", "name", "navn"}


def code_key(text: object) -> str:
    """A code as one plain text: '6', '6.0', '6,0' and 6.0 are all '6'; text stays text (stripped)."""
    if isinstance(text, float):
        if math.isnan(text):
            return ""
        return str(int(text)) if text.is_integer() else repr(text)
    value = str(text).strip()
    number = tables.number(value) if value else float("nan")
    if math.isnan(number):
        return value
    return str(int(number)) if float(number).is_integer() else repr(number)


def label_text(text: object) -> str:
    """A label with its whitespace (line breaks, runs of spaces) collapsed, as tools pad them."""
    return " ".join(str(text).split())


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return csvtext.decode(raw)


LABELS_SHEET = "Labels"  # SurveyXact's Excel export: sheets Dataset, Labels, Variables, Structure


def read_label_file(path: Path, name: str) -> ValueLabels:
    """Read a ``variable;value;label`` file, or the «Labels» sheet of SurveyXact's Excel export;
    raise InputError (file, row, what is expected)."""
    limits.guard(path, name)  # size, rows and columns before anything is read
    if path.suffix.lower() == ".xlsx":
        return _parse(_sheet_rows(path, name), f"{name}, ark «{LABELS_SHEET}»")
    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise InputError(
            Problem(name, expected=f"etiketfilen kunne ikke læses ({exc.strerror or type(exc).__name__}).")
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            Problem(name, expected="etiketfilen er hverken UTF-8, UTF-16 eller Windows-tegnsæt.")
        ) from None
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise InputError(
            Problem(name, expected="etiketfilen er tom; der forventes én linje pr. kode: variabel;værdi;etiket.")
        )
    return _parse(list(csv.reader(io.StringIO(text), delimiter=csvtext.separator(first))), name)


def _sheet_rows(path: Path, name: str) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises its own zoo for damaged workbooks
        raise InputError(
            Problem(name, expected=f"filen kunne ikke læses som regneark ({type(exc).__name__}).")
        ) from None
    try:
        if LABELS_SHEET not in book.sheetnames:
            raise InputError(
                Problem(
                    name,
                    column="sheet",
                    expected=f"arket «{LABELS_SHEET}» med etiketterne findes ikke; "
                    f"filen har arkene {', '.join(book.sheetnames)}.",
                )
            )
        return [
            ["" if v is None else code_key(v) if isinstance(v, float) else str(v) for v in row]
            for row in book[LABELS_SHEET].iter_rows(values_only=True)
        ]
    finally:
        book.close()


def _parse(rows: list[list[str]], name: str) -> ValueLabels:
    out: ValueLabels = {}
    problems: list[Problem] = []
    for n, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if n == 1 and len(row) >= 3 and row[0].strip().casefold() in HEADER_WORDS:
            continue  # a header row, as some exports write one
        if len(row) < 3 or not row[0].strip() or not row[1].strip():
            problems.append(
                Problem(name, row=n, expected="forventede tre felter: variabel;værdi;etiket (fx s_1;6;Ved ikke).")
            )
            continue
        variable, code = row[0].strip(), code_key(row[1])
        label = label_text(";".join(row[2:]) if len(row) > 3 else row[2])
        known = out.setdefault(variable, {})
        if code in known and known[code] != label:
            problems.append(
                Problem(
                    name,
                    row=n,
                    column=variable,
                    expected=f"koden {code} har to forskellige etiketter; hver kode skal have én.",
                )
            )
            continue
        known[code] = label
        if len(problems) >= 25:
            break
    if problems:
        raise InputError(problems)
    return out


def read_sav(path: Path, name: str) -> tuple[pd.DataFrame, ValueLabels]:
    """An SPSS file's answers as text cells ('' for empty or SPSS missing) and its value labels."""
    import pyreadstat

    limits.guard(path, name)  # size, and the rows and columns the header declares, before reading
    try:
        frame, meta = pyreadstat.read_sav(str(path))
    except Exception as exc:  # pyreadstat raises its own errors for damaged files
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise InputError(Problem(name, expected=f"filen kunne ikke læses som SPSS-fil (.sav) ({reason}).")) from None
    cells = pd.DataFrame({str(c): [_cell(v) for v in frame[c].tolist()] for c in frame.columns}, dtype=object)
    cells.attrs["header_row"] = 1
    labels = {
        str(var): {code_key(code): label_text(text) for code, text in codes.items()}
        for var, codes in (meta.variable_value_labels or {}).items()
    }
    return cells, labels


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return code_key(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def read_survey(path: Path, name: str, **layout) -> tuple[pd.DataFrame, ValueLabels]:
    """A survey file's cells as text, and the value labels it carries (only an SPSS file has them).
    ``layout`` is tables.read's (sheet, header_row, want_column, strip), for a .csv or .xlsx."""
    if path.suffix.lower() == SPSS:
        return read_sav(path, name)
    return tables.read(path, name, **layout), {}
