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

from .errors import InputError, Problem

try:
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - a dependency; guard() refuses entity declarations anyway

    class DefusedXmlException(ValueError):
        pass


SUFFIXES = (".csv", ".xlsx")

# What stresskit reads at most, checked before a file is read (see guard): a survey export of
# 100,000 respondents × 100 columns is well inside; a file made to exhaust memory is not.
MAX_BYTES = 50_000_000  # a file on disk, CSV or xlsx
MAX_ROWS = 250_000  # rows of a table
MAX_COLUMNS = 1_000  # columns of a table
MAX_CELLS = 20_000_000  # rows × columns
MAX_UNPACKED = 500_000_000  # an xlsx's parts together, unpacked
MAX_RATIO = 200  # unpacked / packed for a part over RATIO_FROM bytes: a zip bomb packs far tighter
RATIO_FROM = 10_000_000
MAX_PARTS = 10_000  # files inside an xlsx: Excel writes a dozen or so
CHUNK = 1 << 20


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
            frame = _read_xlsx(path, name, sheet, header_row, want_column)
        else:
            text = decode(path.read_bytes())
            lines = text.split("\n", header_row)
            first = lines[header_row - 1] if len(lines) >= header_row else ""
            frame = pd.read_csv(
                io.StringIO(text),
                sep=separator(first),
                dtype=str,
                skiprows=header_row - 1,
                keep_default_na=False,
                skipinitialspace=True,
                quoting=csv.QUOTE_MINIMAL,
            )
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
        _refuse_xml_trick(exc, name)
        raise InputError(
            Problem(name, expected=f"filen kunne ikke læses som {path.suffix}-tabel ({_reason(exc)}).")
        ) from None
    except Exception as exc:  # openpyxl raises its own zoo for damaged workbooks
        _refuse_xml_trick(exc, name)
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
        for r in _bounded(ws.iter_rows(min_row=header_row), where, header_row):
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


# --- guards: checked before a file is read ------------------------------------------
_XML_TRICK = (
    "filen indeholder XML-definitioner (DOCTYPE/ENTITY), som et regneark fra Excel aldrig har; de kan "
    "bruges til at sprænge hukommelsen eller læse andre filer. Gem filen igen fra Excel som .xlsx."
)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def guard(path: Path, name: str) -> None:
    """Refuse, before reading, a file that would take more time or memory than any real survey
    export: too large on disk, too many rows, columns or cells, or an xlsx that unpacks far
    beyond its size (a zip bomb), declares a huge sheet, or carries XML entity declarations.
    Reads at most a megabyte at a time; raises InputError naming the file."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # read() says what is wrong
    if size > MAX_BYTES:
        raise InputError(
            Problem(
                name,
                expected=f"filen fylder {_mb(size)}; stresskit læser højst {_mb(MAX_BYTES)}. "
                "Del filen op, eller fjern kolonner, der ikke bruges.",
            )
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _guard_xlsx(path, name)
    elif suffix == ".sav":
        _guard_sav(path, name)
    elif suffix in (".csv", ".txt", ""):
        _guard_csv(path, name)


def _guard_csv(path: Path, name: str) -> None:
    """Rows counted a megabyte at a time; columns as the widest of the first lines (a survey
    tool's title lines may come before the header) has them."""
    rows, head = 0, b""
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if not head:
                head = chunk
            rows += chunk.count(b"\n")
    lines = head.decode("utf-8", "replace").split("\n")[:100]
    sep = separator(max(lines, key=len))
    columns = max(line.count(sep) for line in lines) + 1
    _limits(name, rows, columns)


def _guard_sav(path: Path, name: str) -> None:
    """An SPSS file's rows and columns as its header declares them (read without the data)."""
    try:
        import pyreadstat

        _frame, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception:
        return  # the reader says what is wrong with it
    rows, columns = getattr(meta, "number_rows", None), getattr(meta, "number_columns", None)
    if isinstance(rows, int) and isinstance(columns, int) and rows >= 0:
        _limits(name, rows, columns)


def _limits(where: str, rows: int, columns: int, declared: bool = False) -> None:
    said = "arket angiver, at det har" if declared else "filen har"
    if rows > MAX_ROWS:
        raise InputError(Problem(where, expected=f"{said} {_n(rows)} rækker; stresskit læser højst {_n(MAX_ROWS)}."))
    if columns > MAX_COLUMNS:
        raise InputError(
            Problem(where, expected=f"{said} {_n(columns)} kolonner; stresskit læser højst {_n(MAX_COLUMNS)}.")
        )
    if rows * columns > MAX_CELLS:
        raise InputError(
            Problem(
                where,
                expected=f"{said} {_n(rows)} rækker × {_n(columns)} kolonner; stresskit læser "
                f"højst {_n(MAX_CELLS)} celler.",
            )
        )


def _guard_xlsx(path: Path, name: str) -> None:
    import zipfile

    try:
        with open(path, "rb") as f:  # the part count, from the zip's end record, before every part is listed
            end = zipfile._EndRecData(f)
        if end and end[zipfile._ECD_ENTRIES_TOTAL] > MAX_PARTS:
            raise InputError(
                Problem(
                    name,
                    expected=f"regnearket består af {_n(end[zipfile._ECD_ENTRIES_TOTAL])} dele; "
                    f"et regneark har nogle få, og stresskit læser ikke et med over {_n(MAX_PARTS)}.",
                )
            )
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, ValueError):
        return  # read() says it can't be read as a spreadsheet
    with archive:
        parts = archive.infolist()
        unpacked = sum(p.file_size for p in parts)
        if unpacked > MAX_UNPACKED:
            raise InputError(
                Problem(
                    name,
                    expected=f"regnearket pakker sig ud til {_mb(unpacked)}; stresskit læser højst "
                    f"{_mb(MAX_UNPACKED)}. Gem det igen fra Excel, eller del det op.",
                )
            )
        for part in parts:
            if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                raise InputError(
                    Problem(
                        name,
                        expected=f"regnearket er pakket {part.file_size // max(part.compress_size, 1)} "
                        "gange tættere, end et regneark kan: det er lavet til at sprænge "
                        "hukommelsen (en zip-bombe) og læses ikke.",
                    )
                )
        for part in parts:
            if part.filename.endswith((".xml", ".rels")):
                with archive.open(part) as xml:
                    head = xml.read(4096)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise InputError(Problem(name, expected=_XML_TRICK))
                if part.filename.startswith("xl/worksheets/") and (m := _DIMENSION.search(head)):
                    c1, r1, c2, r2 = (g.decode() if g else None for g in m.groups())
                    rows = int(r2 or r1) - int(r1) + 1
                    columns = _column_number(c2 or c1) - _column_number(c1) + 1
                    _limits(
                        f"{name}, {part.filename.rsplit('/', 1)[-1].removesuffix('.xml')}", rows, columns, declared=True
                    )


def _refuse_xml_trick(exc: BaseException, name: str) -> None:
    """openpyxl parses with defusedxml, which refuses entity declarations instead of expanding
    them; openpyxl wraps that refusal in its own ValueError. Say what it is."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            raise InputError(Problem(name, expected=_XML_TRICK)) from None
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__


def _bounded(rows, where: str, header_row: int):
    """The sheet's rows, refused as soon as they pass the limits: a sheet that declares a
    small size but has a cell far out (XFD1048576) would otherwise unfold into empty cells."""
    cells = 0
    for n, row in enumerate(rows, start=1):
        cells += len(row)
        if n > MAX_ROWS or len(row) > MAX_COLUMNS or cells > MAX_CELLS:
            raise InputError(
                Problem(
                    where,
                    row=header_row + n - 1,
                    expected=(
                        f"arket er større, end stresskit læser: højst {_n(MAX_ROWS)} rækker, {_n(MAX_COLUMNS)} kolonner og "
                        f"{_n(MAX_CELLS)} celler i alt. Slet tomme rækker og kolonner og celler langt ude, og gem igen."
                    ),
                )
            )
        yield row


def _column_number(letters: str) -> int:
    """A → 1, XFD → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _mb(size: int) -> str:
    return f"{_n(round(size / 1_000_000))} MB"


def _n(number: int) -> str:
    """1048576 → «1.048.576», as a Danish reader writes it."""
    return f"{number:,}".replace(",", ".")


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
