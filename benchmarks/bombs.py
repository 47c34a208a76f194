"""Import bombs: files made to exhaust time or memory when read. Prints figures, asserts nothing.

Each bomb is built on the fly (none is committed) and read with `tables.read` in a fresh
process of its own, whose time and peak memory (ru_maxrss, the whole process: Python, pandas
and openpyxl imported are about 100 MB of it) are printed. stresskit refuses each before
reading it (see limits.guard); the aim is under 5 s and under 300 MB each.

    python benchmarks/bombs.py            # the bombs at full size (a 5 GB zip bomb, ...)
    SMALL=1 python benchmarks/bombs.py    # the sizes the tests use

tests/test_trust.py builds the same bombs, smaller, and asserts the refusal and the bounds.

Measured on the shared 2-core machine (load 4-8), refusal time and the reading process's peak RSS:

| bomb (full size)                                   | on disk  | refused in | peak MB |
|----------------------------------------------------|----------|------------|---------|
| xlsx declaring A1:XFD1048576                       | 5 KB     | 0.003 s    | 67      |
| xlsx without dimension, a cell at XFD1048576       | 5 KB     | 0.50 s     | 93      |
| xlsx declaring A1:XFD1048576 with that cell        | 5 KB     | 0.001 s    | 67      |
| xlsx zip bomb, 5.5 GB unpacked                     | 18.7 MB  | 0.001 s    | 67      |
| xlsx with 2,000,000 merged ranges                  | 9.3 MB   | 0.34 s     | 79      |
| xlsx billion laughs (DOCTYPE at the start)         | 5 KB     | 0.001 s    | 67      |
| xlsx billion laughs after 8 KB (defusedxml refuses)| 5 KB     | 0.45 s     | 75      |
| xlsx of 500,009 parts                              | 45.8 MB  | 0.000 s    | 67      |
| CSV of 3,000,001 lines                             | 36 MB    | 0.04 s     | 75      |
| CSV 10,000,000 columns wide                        | 20 MB    | 0.05 s     | 70      |
| CSV of 20 GB (sparse)                              | 20 GB    | 0.000 s    | 67      |

Before the guards (main at efbddf8, the test sizes, address space capped at 3 GB): the CSV
100,000 columns wide read for 79 s (466 MB); a 2 GB CSV ran out of memory after 12 s (1,974 MB);
the xlsx declaring A1:XFD1048576 with a cell at XFD1048576 ran out after 46 s (2,701 MB); the
64 MB zip bomb and the sheet with a far cell were read (1.2 s / 197 MB, 2.4 s / 244 MB).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROW = b'<row><c t="inlineStr"><is><t>Humaniora</t></is></c><c><v>3</v></c></row>'


# --- building ------------------------------------------------------------------------------
def small_xlsx(path: Path, rows: list[list] | None = None) -> Path:
    """A valid survey sheet: Afdeling and q01, two respondents."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows or [["Afdeling", "q01"], ["Humaniora", 3], ["Humaniora", 4]]:
        ws.append(row)
    wb.save(path)
    return path


def rewrite(path: Path, part: str, change) -> Path:
    """Replace one part of an xlsx by change(its bytes) (bytes, or an iterable of byte chunks)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != part:
                dst.writestr(info, data)
                continue
            new = change(data)
            info = zipfile.ZipInfo(part, date_time=info.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(info, "w", force_zip64=True) as out:
                for chunk in [new] if isinstance(new, bytes) else new:
                    out.write(chunk)
    os.replace(tmp, path)
    return path


SHEET = "xl/worksheets/sheet1.xml"


def dimension_bomb(path: Path) -> Path:
    """A 5 KB sheet that declares 1,048,576 rows × 16,384 columns: openpyxl pads every row to it."""
    small_xlsx(path)
    return rewrite(
        path, SHEET, lambda xml: re.sub(rb'<dimension ref="[A-Z0-9:]+"', b'<dimension ref="A1:XFD1048576"', xml)
    )


def far_cell_bomb(path: Path) -> Path:
    """A sheet without a declared dimension and one more cell at XFD1048576: openpyxl yields
    every row up to it, the last one 16,384 cells wide."""
    small_xlsx(path)
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return rewrite(
        path, SHEET, lambda xml: re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', b"", xml).replace(b"</sheetData>", far)
    )


def dimension_and_far_cell_bomb(path: Path) -> Path:
    """Both: 1,048,576 rows declared and a cell in the last one, each row padded to 16,384 cells."""
    dimension_bomb(path)
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return rewrite(path, SHEET, lambda xml: xml.replace(b"</sheetData>", far))


def zip_bomb(path: Path, unpacked: int) -> Path:
    """A sheet of `unpacked` bytes of rows, packed about a thousand times tighter than that."""
    small_xlsx(path)
    block = ROW * (1_048_576 // len(ROW))

    def rows(xml: bytes):
        head, tail = xml.split(b"<sheetData>")
        yield head + b"<sheetData>"
        for _ in range(max(1, unpacked // len(block))):
            yield block
        yield b"</sheetData>" + tail.split(b"</sheetData>", 1)[1]

    return rewrite(path, SHEET, rows)


def merge_bomb(path: Path, ranges: int) -> Path:
    """A sheet with `ranges` merged ranges, the first spanning the whole sheet."""
    small_xlsx(path)

    def merged(xml: bytes):
        head, tail = xml.split(b"</sheetData>", 1)
        yield head + b"</sheetData>" + f'<mergeCells count="{ranges}"><mergeCell ref="A1:XFD1048576"/>'.encode()
        batch = []
        for i in range(ranges - 1):
            batch.append(f'<mergeCell ref="C{i + 2}:D{i + 2}"/>'.encode())
            if len(batch) == 10_000:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch) + b"</mergeCells>" + tail

    return rewrite(path, SHEET, merged)


LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE worksheet [<!ENTITY a "lolololololololololololololololololololololol">'
    + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9))
    + b"]>"
)


def entity_bomb(path: Path, hidden: bool = False) -> Path:
    """Billion laughs in the sheet (a cell of 10^9 × «lol»); `hidden` puts 8 KB of comment
    before the DOCTYPE, past what guard looks at, so that only defusedxml stands in the way."""
    small_xlsx(path, [["Afdeling", "q01"], ["x", 3]])  # "x": the cell the bomb replaces
    prolog = LAUGHS.replace(b"\n", b"\n<!-- " + b"x" * 8000 + b" -->\n", 1) if hidden else LAUGHS

    def laughs(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return prolog + body.replace(b"<t>x</t>", b"<t>&j;</t>")

    return rewrite(path, SHEET, laughs)


def parts_bomb(path: Path, parts: int) -> Path:
    """A valid sheet and `parts` empty files beside it: listing them all would take the memory."""
    small_xlsx(path)
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(parts):
            archive.writestr(f"x/{i}", b"")
    return path


def csv_rows_bomb(path: Path, rows: int) -> Path:
    with open(path, "wb") as f:
        f.write(b"Afdeling;q01\n")
        for _ in range(rows // 100_000):
            f.write(b"Humaniora;3\n" * 100_000)
        f.write(b"Humaniora;3\n" * (rows % 100_000))
    return path


def csv_width_bomb(path: Path, columns: int) -> Path:
    path.write_bytes(b";" * columns + b"\n" + b";" * columns + b"\n")
    return path


def csv_size_bomb(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk: sparse."""
    with open(path, "wb") as f:
        f.write(b"Afdeling;q01\n")
        f.truncate(size)
    return path


def bombs(small: bool) -> list[tuple[str, callable]]:
    """(name, build(folder) -> path) for every bomb, at test or full size."""
    return [
        ("xlsx, declared dimension A1:XFD1048576", lambda d: dimension_bomb(d / "dimension.xlsx")),
        ("xlsx, one cell at XFD1048576", lambda d: far_cell_bomb(d / "far.xlsx")),
        ("xlsx, both", lambda d: dimension_and_far_cell_bomb(d / "both.xlsx")),
        ("xlsx, zip bomb", lambda d: zip_bomb(d / "zip.xlsx", 64_000_000 if small else 5_500_000_000)),
        ("xlsx, merged ranges", lambda d: merge_bomb(d / "merged.xlsx", 50_000 if small else 2_000_000)),
        ("xlsx, billion laughs", lambda d: entity_bomb(d / "laughs.xlsx")),
        ("xlsx, billion laughs after 8 KB", lambda d: entity_bomb(d / "laughs2.xlsx", hidden=True)),
        ("xlsx, many parts", lambda d: parts_bomb(d / "parts.xlsx", 12_000 if small else 500_000)),
        ("csv, rows", lambda d: csv_rows_bomb(d / "rows.csv", 300_000 if small else 3_000_000)),
        ("csv, columns", lambda d: csv_width_bomb(d / "wide.csv", 100_000 if small else 10_000_000)),
        ("csv, size (sparse)", lambda d: csv_size_bomb(d / "size.csv", 2_000_000_000 if small else 20_000_000_000)),
    ]


# --- measuring -----------------------------------------------------------------------------
PROBE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from stresskit import tables
from stresskit.errors import InputError
out = []
for file in sys.argv[2:]:
    path = Path(file)
    t0 = time.perf_counter()
    try:
        tables.read(path, "apv/" + path.name)
        message = None
    except InputError as exc:
        message = str(exc)
    except Exception as exc:
        message = "UNCAUGHT " + type(exc).__name__
    out.append({"file": path.name, "seconds": time.perf_counter() - t0, "message": message,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
print(json.dumps(out))
"""


def measure(files: list[Path], memory_limit: int | None = None, timeout: float = 300, root: Path = ROOT) -> list[dict]:
    """Read the files in turn in one fresh process (limited to `memory_limit` bytes of address
    space, if given): per file the seconds, the Danish message and the process's peak MB so far."""

    def limit():
        if memory_limit:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout)


def main() -> None:
    small = bool(os.environ.get("SMALL"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'bomb':40} {'file':>10} {'build s':>8} {'read s':>8} {'peak MB':>8}  message")
        for name, build in bombs(small):
            t0 = time.perf_counter()
            path = build(folder)
            built = time.perf_counter() - t0
            [row] = measure([path])
            size = path.stat().st_blocks * 512
            print(
                f"{name:40} {size / 1e6:>8.2f}MB {built:>8.1f} {row['seconds']:>8.3f} {row['peak_mb']:>8.0f}  "
                f"{(row['message'] or 'READ').splitlines()[0][:150]}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
