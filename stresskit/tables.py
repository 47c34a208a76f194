"""Tabular files as Danish offices write them: CSV in UTF-8 (with or without BOM) or
cp1252, comma or semicolon separated, decimal comma; or .xlsx.

Cells come back as text, so the caller decides what a valid value is and can name the
row and column of a bad one.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .problems import InputError, Problem

SUFFIXES = (".csv", ".xlsx")


def decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")  # Excel's "CSV" on a Danish Windows


def separator(header_line: str) -> str:
    """The separator is whichever of ; , tab occurs most in the header, outside quotes."""
    unquoted = "".join(header_line.split('"')[::2])
    return max(";,\t", key=unquoted.count)


def read(path: Path, name: str, sheet: str | None = None, header_row: int = 1,
         want_column: str | None = None, strip: bool = True) -> pd.DataFrame:
    """Read a .csv or .xlsx file into a frame of stripped strings ('' for empty).

    ``header_row`` is the row (1 = first) holding the column names; rows above it, such as a
    survey tool's title lines, are skipped. For .xlsx, ``sheet`` names the sheet; without it
    the first visible sheet whose header row has ``want_column`` is read (else the first
    visible sheet).
    ``frame.attrs["header_row"]`` tells the caller which spreadsheet row the header was, so
    a problem can name the row a user sees.
    """
    try:
        if path.suffix.lower() == ".xlsx":
            frame = _read_xlsx(path, name, sheet, header_row, want_column)
        else:
            text = decode(path.read_bytes())
            lines = text.split("\n", header_row)
            first = lines[header_row - 1] if len(lines) >= header_row else ""
            frame = pd.read_csv(io.StringIO(text), sep=separator(first), dtype=str, skiprows=header_row - 1,
                                keep_default_na=False, skipinitialspace=True, quoting=csv.QUOTE_MINIMAL)
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(Problem(name, expected="filen er tom; der forventes en overskriftsrække og én række pr. besvarelse.")) from None
    except pd.errors.ParserError:  # pandas' own words are English and technical
        raise InputError(Problem(name, expected="filens rækker passer ikke sammen: fx et anførselstegn, der ikke "
                                                "lukkes, eller en række med flere felter end overskriften.")) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(name, expected=f"filen kunne ikke læses som {path.suffix}-tabel ({_reason(exc)}).")) from None
    except Exception as exc:  # openpyxl raises its own zoo for damaged workbooks
        raise InputError(Problem(name, expected=f"filen kunne ikke læses som regneark ({_reason(exc)}).")) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").astype(str)
    if strip:
        frame = frame.apply(_strip)
    frame.attrs["header_row"] = header_row
    return frame


def _read_xlsx(path: Path, name: str, sheet: str | None, header_row: int, want_column: str | None) -> pd.DataFrame:
    """The sheet's cells from the header row down. A formula is read through its cached value;
    one without (a file written by a program, never opened in Excel) and merged cells in the
    data would read as blanks, so both are refused rather than counted as unanswered.
    Read-only (streaming) mode keeps a 100,000-row export fast."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)  # formulas as written
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise InputError(Problem(name, column="sheet", value=sheet,
                                         expected=f"arket findes ikke; filen har arkene {', '.join(book.sheetnames)}."))
            ws = book[sheet]
        else:  # hidden sheets (old data, working copies) are never read unless named
            visible = [s for s in book.worksheets if s.sheet_state == "visible"] or book.worksheets
            ws = next((s for s in visible if want_column is not None and want_column in _header(s, header_row)), visible[0])
        where = f"{name}, ark «{ws.title}»"
        for ref, first_row, last_row in _merged(path, ws):
            if last_row >= header_row:
                raise InputError(Problem(where, row=first_row, column=ref,
                                         expected="flettede celler i tabellen; ophæv fletningen, så hver besvarelse har sin egen celle i hver kolonne."))
        rows, formulas = [], []
        for r in ws.iter_rows(min_row=header_row):
            row = []
            for c in r:
                if c.data_type == "f":
                    formulas.append((len(rows), len(row), c.coordinate))
                row.append(c.value)
            rows.append(row)
    finally:
        book.close()
    if formulas:
        cached = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            values = [list(r) for r in cached[ws.title].iter_rows(min_row=header_row, values_only=True)]
        finally:
            cached.close()
        missing = []
        for i, j, coordinate in formulas:
            value = values[i][j] if i < len(values) and j < len(values[i]) else None
            rows[i][j] = value
            if value is None:
                missing.append(coordinate)
        if missing:
            more = f" ({len(missing) - 1} andre celler ligner)" if len(missing) > 1 else ""
            letters = "".join(ch for ch in missing[0] if ch.isalpha())
            raise InputError(Problem(where, row=int(missing[0][len(letters):]), column=letters,
                                     expected="cellen er en formel uden gemt værdi; åbn og gem filen i Excel, eller "
                                              f"indsæt værdierne som tal{more}."))
    rows = [[_text(v) for v in r] for r in rows]
    if not rows:
        raise pd.errors.EmptyDataError
    header, body = rows[0], rows[1:]
    while header and header[-1] == "":  # trailing empty columns openpyxl reports
        header.pop()
    width = len(header)
    body = [r[:width] + [""] * (width - len(r)) for r in body]
    while body and not any(body[-1]):
        body.pop()
    return pd.DataFrame(body, columns=_unique(header), dtype=str)


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _merged(path: Path, ws) -> list[tuple[str, int, int]]:
    """The sheet's merged ranges (ref, first row, last row), read from its XML: openpyxl's
    read-only mode does not report them."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        xml = archive.read(ws._worksheet_path.lstrip("/"))
    out = []
    for m in _MERGE.finditer(xml):
        c1, r1, c2, r2 = (g.decode() if g else None for g in m.groups())
        out.append((f"{c1}{r1}:{c2}{r2}" if c2 else f"{c1}{r1}", int(r1), int(r2 or r1)))
    return out


def _strip(column: pd.Series) -> pd.Series:
    """Strip each distinct cell once: a survey column holds a handful of distinct answers."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))  # object keys hash faster than pandas' str dtype
    stripped = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return pd.Series(stripped[codes], index=column.index, dtype=object)


def _header(ws, header_row: int) -> list[str]:
    for row in ws.iter_rows(min_row=header_row, max_row=header_row, values_only=True):
        return [_text(v) for v in row]
    return []


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unique(names: list[str]) -> list[str]:
    """Column names as pandas would give them: a repeated name gets .1, .2."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def numbers(column: pd.Series) -> pd.Series:
    """Parse text cells as numbers, accepting a decimal comma; '' and junk become NaN."""
    return pd.to_numeric(column.str.replace(",", ".", regex=False), errors="coerce")


def number(text: str) -> float:
    """One cell as a number, accepting a decimal comma; NaN when it is not one."""
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return float("nan")


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA: the column as the spreadsheet shows it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
