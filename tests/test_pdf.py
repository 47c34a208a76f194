"""The example's reports as readers get them: `stresskit run --pdf` for every unit, the PDFs read
back with poppler (pdftotext, pdfinfo), and the index in Chromium at 1280 px."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stresskit.workbook import Workbook

from conftest import CHROMIUM, copy_example

TODAY = "2026-11-21"
FORBIDDEN = ("mapping.yaml", "institution.yaml", "signals.csv", "stresskit ")

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext, pdfinfo) mangler")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debians Chromium er ikke installeret")


def stresskit(*args, env=None):
    return subprocess.run([sys.executable, "-m", "stresskit.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=1200, env={**os.environ, "STRESSKIT_TODAY": TODAY, **(env or {})})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debians Chromium er ikke installeret")
    base = tmp_path_factory.mktemp("pdf")
    book = copy_example(base / "example")
    assert stresskit("answers", "import", book, book / "answers.yaml").returncode == 0
    out = base / "out"
    run = stresskit("run", book, "--out", out, "--pdf", env={"STRESSKIT_CHROMIUM": CHROMIUM})
    assert run.returncode == 0, run.stdout + run.stderr
    return Workbook.open(book), out, run.stdout


def text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def info(pdf: Path) -> dict:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


@needs_poppler
def test_the_reports_first_page_is_the_overblik(built):
    _book, out, said = built
    assert "PDF: rapport.pdf og overblik.pdf i hver enheds mappe" in said
    first, second = text(out / "hum" / "rapport.pdf", 1), text(out / "hum" / "rapport.pdf", 2)
    for wanted in ("Humaniora", "Næste skridt", "APV 2026", "26 besvarelser af 30 ansatte (87 %)", "Stresssignaler 2026",
                   "De seks anbefalinger", "Enhedens egne opgaver og aftaler", "⚠ Forsinket", "15.11.2026"):
        assert wanted in first, wanted
    assert "Hvorfor begynde i APV" not in first  # the details start on page 2
    assert second.lstrip().startswith("1. Start forebyggelsen i jeres APV")
    # the footer: the unit's name and the page number
    assert re.search(r"Humaniora · Fjordby Gymnasium\s+Side 1 af \d+", first)


@needs_poppler
def test_the_overblik_fits_one_a4_page_for_every_unit(built):
    book, out, _said = built
    counts = {}
    for unit in book.ordered():
        alone, report = info(out / unit / "overblik.pdf"), info(out / unit / "rapport.pdf")
        assert alone["Page size"].split()[:3] == ["595.92", "x", "842.88"] or "A4" in alone["Page size"], alone["Page size"]
        assert int(alone["Pages"]) == 1, unit
        counts[book.unit_name(unit)] = int(report["Pages"])
    print("sider pr. samlet rapport (A4):", counts)
    # what a leader is asked to read: a unit's whole report in ten pages, the institution's in fourteen
    assert counts["Humaniora"] <= 10 and counts["Fjordby Gymnasium"] <= 14, counts
    assert max(counts.values()) <= 14, counts


@needs_chromium
def test_the_index_needs_no_horizontal_scroll_at_1280_px(built, page):
    _book, out, _said = built
    page.goto((out / "index.html").as_uri())
    width, room = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= room, (width, room)
    assert page.locator("details.sk-group").count() == 6 and page.locator("table.sk-units tbody tr").count() == 15
    for unit in ("hum", "fjordby"):
        page.goto((out / unit / "overblik.html").as_uri())
        width, room = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width <= room, unit


def visible(html: str) -> str:
    """The text a reader sees: no style sheet, no tags, no attributes."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_overblik_and_the_index_name_no_file_or_command(built):
    _book, out, _said = built
    for path in [out / "index.html", *out.glob("*/overblik.html")]:
        found = [w for w in FORBIDDEN if w in visible(path.read_text(encoding="utf-8"))]
        assert found == [], (path.name, found)


def test_no_combined_report_names_a_file_or_a_command(built):
    _book, out, _said = built
    found = {}
    for path in out.glob("*/index.html"):
        seen = [w for w in FORBIDDEN if w in visible(path.read_text(encoding="utf-8"))]
        if seen:
            found[path.parent.name] = seen
    assert found == {}


def test_pdf_without_chromium_says_so_in_danish_and_runs_nothing(tmp_path):
    book = copy_example(tmp_path / "example")
    out = tmp_path / "out"
    run = stresskit("run", book, "--out", out, "--units", "hum", "--pdf", env={"STRESSKIT_CHROMIUM": str(tmp_path / "ingen")})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "PDF kræver browseren Chromium, og den blev ikke fundet" in run.stderr
    assert not out.exists()
