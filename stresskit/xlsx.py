"""An .xlsx sheet read as text cells, from its header row down, within stresskit's limits."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .errors import InputError, Problem
from .limits import CHUNK, bounded


def read_xlsx(path: Path, name: str, sheet: str | None, header_row: int, want_column: str | None) -> pd.DataFrame:
    """The sheet's cells from the header row down. A formula is read through its cached value;
    one without (a file written by a program, never opened in Excel) and merged cells in the
    data would read as blanks, so both are refused rather than counted as unanswered.
    Read-only (streaming) mode keeps a 100,000-row export fast."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)  # formulas as written
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise InputError(
                    Problem(
                        name,
                        column="sheet",
                        value=sheet,
                        expected=f"arket findes ikke; filen har arkene {', '.join(book.sheetnames)}.",
                    )
                )
            ws = book[sheet]
        else:  # hidden sheets (old data, working copies) are never read unless named
            visible = [s for s in book.worksheets if s.sheet_state == "visible"] or book.worksheets
            ws = next(
                (s for s in visible if want_column is not None and want_column in _header(s, header_row)), visible[0]
            )
        where = f"{name}, ark «{ws.title}»"
        for ref, first_row, last_row in _merged(path, ws):
            if last_row >= header_row:
                raise InputError(
                    Problem(
                        where,
                        row=first_row,
                        column=ref,
                        expected="flettede celler i tabellen; ophæv fletningen, så hver besvarelse har sin egen celle i hver kolonne.",
                    )
                )
        rows, formulas = [], []
        for r in bounded(ws.iter_rows(min_row=header_row), where, header_row):
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
            raise InputError(
                Problem(
                    where,
                    row=int(missing[0][len(letters) :]),
                    column=letters,
                    expected="cellen er en formel uden gemt værdi; åbn og gem filen i Excel, eller "
                    f"indsæt værdierne som tal{more}.",
                )
            )
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


def _merged(path: Path, ws):
    """The sheet's merged ranges (ref, first row, last row), read from its XML as it streams
    past (openpyxl's read-only mode does not report them): one at a time, so a sheet of a
    million merged ranges is refused at its first one instead of listed whole."""
    import zipfile

    with zipfile.ZipFile(path) as archive, archive.open(ws._worksheet_path.lstrip("/")) as xml:
        tail = b""
        while chunk := xml.read(CHUNK):
            text, end = tail + chunk, 0
            for m in _MERGE.finditer(text):
                c1, r1, c2, r2 = (g.decode() if g else None for g in m.groups())
                yield (f"{c1}{r1}:{c2}{r2}" if c2 else f"{c1}{r1}", int(r1), int(r2 or r1))
                end = m.end()
            tail = text[max(end, len(text) - 200) :]  # a tag cut in two by the chunk is found in the next


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
