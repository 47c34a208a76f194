"""Tabular files as Danish offices write them: CSV in UTF-8 (with or without BOM) or
cp1252, comma or semicolon separated, decimal comma; or .xlsx.

Cells come back as text, so the caller decides what a valid value is and can name the
row and column of a bad one.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

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


def read(path: Path, name: str) -> pd.DataFrame:
    """Read a .csv or .xlsx file into a frame of stripped strings ('' for empty)."""
    try:
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        else:
            text = decode(path.read_bytes())
            first = text.split("\n", 1)[0]
            frame = pd.read_csv(io.StringIO(text), sep=separator(first), dtype=str,
                                keep_default_na=False, skipinitialspace=True, quoting=csv.QUOTE_MINIMAL)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(name, expected="filen er tom; der forventes en overskriftsrække og én række pr. besvarelse.")) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(Problem(name, expected=f"filen kunne ikke læses som {path.suffix}-tabel ({_reason(exc)}).")) from None
    except Exception as exc:  # openpyxl raises its own zoo for damaged workbooks
        raise InputError(Problem(name, expected=f"filen kunne ikke læses som regneark ({_reason(exc)}).")) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.fillna("").astype(str).apply(lambda col: col.str.strip())


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
