"""CSV text as Danish offices write it: UTF-8 (with or without BOM) or cp1252, separated by
semicolon, comma or tab."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd


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


def read_csv(path: Path, header_row: int = 1) -> pd.DataFrame:
    """The file's cells as text from the header row down; rows above it (a survey tool's title
    lines) are skipped, and the separator is read from the header row itself."""
    text = decode(path.read_bytes())
    lines = text.split("\n", header_row)
    first = lines[header_row - 1] if len(lines) >= header_row else ""
    return pd.read_csv(
        io.StringIO(text),
        sep=separator(first),
        dtype=str,
        skiprows=header_row - 1,
        keep_default_na=False,
        skipinitialspace=True,
        quoting=csv.QUOTE_MINIMAL,
    )
