"""Tabular files as Danish offices write them: CSV in UTF-8 (with or without BOM) or
cp1252, comma or semicolon separated, decimal comma (csvtext); or .xlsx (xlsx). Every file
passes the guard (limits) before it is read.

Cells come back as text, so the caller decides what a valid value is and can name the
row and column of a bad one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .csvtext import read_csv
from .errors import InputError, Problem
from .limits import guard, refuse_xml_trick
from .xlsx import read_xlsx

SUFFIXES = (".csv", ".xlsx")


def read(
    path: Path,
    name: str,
    sheet: str | None = None,
    header_row: int = 1,
    want_column: str | None = None,
    strip: bool = True,
) -> pd.DataFrame:
    """Read a .csv or .xlsx file into a frame of stripped strings ('' for empty).

    ``header_row`` is the row (1 = first) holding the column names; rows above it, such as a
    survey tool's title lines, are skipped. For .xlsx, ``sheet`` names the sheet; without it
    the first visible sheet whose header row has ``want_column`` is read (else the first
    visible sheet).
    ``frame.attrs["header_row"]`` tells the caller which spreadsheet row the header was, so
    a problem can name the row a user sees.
    """
    guard(path, name)
    try:
        if path.suffix.lower() == ".xlsx":
            frame = read_xlsx(path, name, sheet, header_row, want_column)
        else:
            frame = read_csv(path, header_row)
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(
            Problem(name, expected="filen er tom; der forventes en overskriftsrække og én række pr. besvarelse.")
        ) from None
    except pd.errors.ParserError:  # pandas' own words are English and technical
        raise InputError(
            Problem(
                name,
                expected="filens rækker passer ikke sammen: fx et anførselstegn, der ikke "
                "lukkes, eller en række med flere felter end overskriften.",
            )
        ) from None
    except (OSError, ValueError) as exc:
        refuse_xml_trick(exc, name)
        raise InputError(
            Problem(name, expected=f"filen kunne ikke læses som {path.suffix}-tabel ({_reason(exc)}).")
        ) from None
    except Exception as exc:  # openpyxl raises its own zoo for damaged workbooks
        refuse_xml_trick(exc, name)
        raise InputError(Problem(name, expected=f"filen kunne ikke læses som regneark ({_reason(exc)}).")) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").astype(str)
    if strip:
        frame = frame.apply(_strip)
    frame.attrs["header_row"] = header_row
    return frame


def _strip(column: pd.Series) -> pd.Series:
    """Strip each distinct cell once: a survey column holds a handful of distinct answers."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))  # object keys hash faster than pandas' str dtype
    stripped = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return pd.Series(stripped[codes], index=column.index, dtype=object)


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
