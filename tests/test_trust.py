"""Trust in what stresskit reads and keeps (issue 19): figures follow a file's content, not its
mtime; the institution-wide cache under the output folder can't be forged; the output folder
holds no absolute path and nothing computed from a raw survey file; report folders of units
that are gone are removed."""
from __future__ import annotations

import os
from pathlib import Path

from stresskit import apv
from stresskit.workbook import Workbook


# --- item 8: a long-lived kernel's memo follows the file's content -----------------------
def _same_size_other_answers(path: Path) -> None:
    """Swap every answer 1 and 5 in the file: the same bytes count, other figures."""
    raw = path.read_bytes()
    swapped = b"\n".join(b";".join({b"1": b"5", b"5": b"1"}.get(c, c) for c in line.split(b";")) for line in raw.split(b"\n"))
    assert len(swapped) == len(raw) and swapped != raw
    path.write_bytes(swapped)


def test_a_file_replaced_within_the_same_second_with_the_same_size_gives_new_figures(example):
    book = Workbook.open(example)
    path = example / "apv" / "2026.csv"
    before = apv.history(book)[-1].table["mean"].copy()
    stat = path.stat()
    _same_size_other_answers(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same mtime, to the nanosecond
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    after = apv.history(book)[-1].table["mean"]
    fresh = apv.aggregate(book, apv.load(book), apv.load(book).rounds[-1].name).table["mean"]
    assert not after.equals(before)
    assert after.equals(fresh)
