"""Spreadsheets we write for Danish Excel (.xlsx, or .csv with semicolons, UTF-8 with BOM
and decimal commas), where no cell is ever a formula: text that Excel would read as one
(=, +, -, @, tab, CR) is written as text."""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import date
from pathlib import Path

from . import danish

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """One CSV cell: dates as dd-mm-åååå, decimal comma, formula-like text prefixed with '."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (int, float)):
        return danish.number(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def put(cell, value) -> None:
    """Write a value to an openpyxl cell; text a spreadsheet would read as a formula
    («=HYPERLINK(…)», «@SUM(…)», «-2+3») is stored as text, shown as typed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, float) and value != value:
        value = None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl can't write
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_START)
    if isinstance(value, date):
        cell.number_format = "DD-MM-YYYY"


def write(
    path: Path | str, sheets: list[tuple[str, list[str], list[list]]], widths: dict[int, int] | None = None
) -> None:
    """Write (title, header, rows) sheets; a .csv gets the first sheet only. The file is
    written beside its target and renamed into place, so a failed write leaves no half file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=path.suffix, dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    try:
        if path.suffix.lower() == ".csv":
            _, header, rows = sheets[0]
            with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
                out = csv.writer(f, delimiter=";", lineterminator="\r\n")
                out.writerow([csv_text(h) for h in header])
                out.writerows([csv_text(v) for v in row] for row in rows)
        else:
            _xlsx(tmp, sheets)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _xlsx(path: str, sheets) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, header, rows in sheets:
        ws = wb.create_sheet(sheet_title(title, used))
        for r, row in enumerate([header, *rows], start=1):
            for c, value in enumerate(row, start=1):
                put(ws.cell(row=r, column=c), value)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    wb.save(path)


def sheet_title(name: str, used: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\, not starting or ending
    with '), unique in the workbook."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    clean = ILLEGAL_CHARACTERS_RE.sub("", "".join("_" if ch in "[]:*?/\\" else ch for ch in name))
    base = clean.strip("'")[:31] or "Ark"
    title, n = base, 2
    while title in used:
        title = f"{base[:28]} {n}"
        n += 1
    used.add(title)
    return title
