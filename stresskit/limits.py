"""What stresskit reads at most, and the guard that refuses a file beyond it before it is read:
too large on disk, too many rows, columns or cells, or an xlsx made to exhaust memory (a zip
bomb, a huge declared sheet, XML entity declarations). Messages name the file and the limit.
"""

from __future__ import annotations

import re
from pathlib import Path

from .csvtext import separator
from .errors import InputError, Problem

try:
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - a dependency; guard() refuses entity declarations anyway

    class DefusedXmlException(ValueError):
        pass


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


def refuse_xml_trick(exc: BaseException, name: str) -> None:
    """openpyxl parses with defusedxml, which refuses entity declarations instead of expanding
    them; openpyxl wraps that refusal in its own ValueError. Say what it is."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            raise InputError(Problem(name, expected=_XML_TRICK)) from None
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__


def bounded(rows, where: str, header_row: int):
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
