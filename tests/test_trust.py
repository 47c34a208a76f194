"""Trust in what stresskit reads and keeps (issue 19): figures follow a file's content, not its
mtime; the institution-wide cache under the output folder can't be forged; the output folder
holds no absolute path and nothing computed from a raw survey file; report folders of units
that are gone are removed."""
from __future__ import annotations

import os
import sys
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


# --- item 3: import bombs are refused before they are read ---------------------------------
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bombs  # noqa: E402  (benchmarks/bombs.py: the builders, shared with the benchmark)

SAYS = {
    "dimension.xlsx": "arket angiver, at det har 1.048.576 rækker; stresskit læser højst 250.000",
    "far.xlsx": "arket er større, end stresskit læser",
    "zip.xlsx": "zip-bombe",
    "merged.xlsx": "flettede celler i tabellen",
    "laughs.xlsx": "XML-definitioner (DOCTYPE/ENTITY)",
    "laughs2.xlsx": "XML-definitioner (DOCTYPE/ENTITY)",
    "rows.csv": "filen har 300.001 rækker; stresskit læser højst 250.000",
    "wide.csv": "filen har 100.001 kolonner; stresskit læser højst 1.000",
    "size.csv": "filen fylder 2.000 MB; stresskit læser højst 50 MB",
}


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # entity declarations are refused, never expanded


def test_every_import_bomb_is_refused_in_danish_naming_the_file_in_under_5_s_and_300_mb(tmp_path):
    """Each bomb read in turn in one fresh process (its address space capped at 2 GB, so that a
    bomb that gets through fails the test instead of the machine); the process's peak memory,
    Python, pandas and openpyxl included, stays under 300 MB."""
    files = [build(tmp_path) for _name, build in bombs.bombs(small=True)]
    assert sorted(p.name for p in files) == sorted(SAYS)
    measured = bombs.measure(files, memory_limit=2_000_000_000, timeout=120)
    for row in measured:
        assert row["message"] and row["message"].startswith(f"apv/{row['file']}"), row
        assert SAYS[row["file"]] in row["message"], row
        assert "Traceback" not in row["message"] and "UNCAUGHT" not in row["message"]
        assert row["seconds"] < 5, row
    assert max(r["peak_mb"] for r in measured) < 300, measured


def test_validate_names_a_bomb_in_the_apv_folder_and_touches_nothing(example, capsys):
    from stresskit import cli

    mapping = example / "apv" / "mapping.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("file: 2026.csv", "file: 2026.xlsx"), encoding="utf-8")
    (example / "apv" / "2026.csv").unlink()
    bombs.dimension_bomb(example / "apv" / "2026.xlsx")
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    code = cli.main(["validate", str(example)])
    text = capsys.readouterr()
    text = text.out + text.err
    assert code == 1 and "Traceback" not in text
    assert "apv/2026.xlsx, sheet1: arket angiver, at det har 1.048.576 rækker" in text
    assert {p: p.read_bytes() for p in example.rglob("*") if p.is_file()} == before
