"""PDF benchmark: prints figures, asserts nothing.

Builds the example institution's reports (a copy of data/example with its workshop answers),
then prints every unit's rapport.pdf and overblik.pdf with headless Chromium, and reports:
  - seconds per unit for the two PDFs (one browser for all units, as `stresskit run --pdf` does);
  - the page count of each unit's combined report and of its overblik (A4).

    .venv/bin/python benchmarks/pdf.py      (STRESSKIT_TODAY=2026-11-21 is used unless set)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STRESSKIT_TODAY", "2026-11-21")

from stresskit import answers, batch  # noqa: E402
from stresskit.batch import pdf  # noqa: E402
from stresskit.workbook import Workbook  # noqa: E402


def pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split(":")[1] for line in out.splitlines() if line.startswith("Pages:")))


def main() -> None:
    pdf.check()
    with tempfile.TemporaryDirectory(prefix="stresskit-bench-pdf-") as tmp:
        for var in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
            os.environ.setdefault(var, str(Path(tmp) / var.lower()))
        root = Path(tmp) / "example"
        shutil.copytree(ROOT / "data" / "example", root, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
        book = Workbook.open(root)
        answers.import_(book, root / "answers.yaml")
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        summary = batch.run(root, out, jobs=2)
        html = time.perf_counter() - t0
        units = book.ordered()
        t0 = time.perf_counter()
        per_unit = pdf.write_unit_pdfs(out, [(u, f"{book.unit_name(u)} · {book.name}") for u in units])
        total = time.perf_counter() - t0
        print(f"HTML: {len(summary.runs)} kørsler for {len(units)} enheder på {html:.1f} s")
        print(
            f"PDF:  {per_unit:.2f} s pr. enhed (rapport.pdf + overblik.pdf), {total:.1f} s i alt for {len(units)} enheder"
        )
        print(f"{'enhed':<24} {'rapport':>8} {'overblik':>9}")
        for u in units:
            print(f"{book.unit_name(u):<24} {pages(out / u / pdf.REPORT):>8} {pages(out / u / pdf.OVERBLIK):>9}")


if __name__ == "__main__":
    main()
