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

from conftest import CHROMIUM, EXAMPLE_TODAY, copy_example

TODAY = EXAMPLE_TODAY  # the shared batch's date: its reports are reused
FORBIDDEN = ("mapping.yaml", "institution.yaml", "signals.csv", "stresskit ")

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext, pdfinfo) mangler")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debians Chromium er ikke installeret")


def stresskit(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "stresskit.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "STRESSKIT_TODAY": TODAY, **(env or {})},
    )


@pytest.fixture(scope="module")
def built(example_batch, tmp_path_factory):
    """The shared example batch (conftest: answers imported, run dated TODAY) with its reports copied, and
    `stresskit run --pdf` on it into the copy: every report is unchanged (the run keys name the workbook's
    folder, which is the shared one, only read), so the run prints the PDFs and writes nothing else new."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debians Chromium er ikke installeret")
    book, summary = example_batch
    out = shutil.copytree(summary.out, tmp_path_factory.mktemp("pdf") / "out")
    run = stresskit("run", book, "--out", out, "--pdf", env={"STRESSKIT_CHROMIUM": CHROMIUM})
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"0 kørt, 0 fejlede, {len(summary.runs)} sprunget over" in run.stdout
    return Workbook.open(book), out, run.stdout


def text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def info(pdf: Path) -> dict:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


@needs_poppler
def test_the_reports_first_page_is_the_overblik(built):
    _book, out, said = built
    assert "PDF: rapport.pdf og overblik.pdf i hver enheds mappe" in said
    first, second = text(out / "hum" / "rapport.pdf", 1), text(out / "hum" / "rapport.pdf", 2)
    for wanted in (
        "Humaniora",
        "Næste skridt",
        "APV 2026",
        "26 besvarelser af 30 ansatte (87 %)",
        "Stresssignaler 2026",
        "De seks anbefalinger",
        "Enhedens egne opgaver og aftaler",
        "⚠ Forsinket",
        "15.11.2026",
    ):
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
        assert alone["Page size"].split()[:3] == ["595.92", "x", "842.88"] or "A4" in alone["Page size"], alone[
            "Page size"
        ]
        assert int(alone["Pages"]) == 1, unit
        counts[book.unit_name(unit)] = int(report["Pages"])
    print("sider pr. samlet rapport (A4):", counts)
    # the targets: a unit with nothing of its own beyond its APV figures (no sub-units, no answers but the AMO's
    # contact rating, no tasks) in three pages, every unit in five; the guideline's explanations are printed once,
    # in the institution's report, in ten
    nothing_own = ("ledelse", "adm_studie", "adm_oekonomi", "nat", "samf", "teknisk", "vejledning", "kommunikation")
    assert all(counts[book.unit_name(u)] <= 3 for u in nothing_own), counts
    assert all(n <= 5 for name, n in counts.items() if name != "Fjordby Gymnasium"), counts
    assert counts["Fjordby Gymnasium"] <= 10, counts


@needs_poppler
def test_the_institutions_pdf_says_every_units_contact_in_words(built):
    """The contact drawing is for the screen: on paper the roll-up names every unit under the institution
    with its contact as stored (recomputed from the store), and the greb chart's counts stand in its table."""
    book, out, _said = built
    from stresskit.store import Store

    pdf = out / "fjordby" / "rapport.pdf"
    whole = re.sub(r"\s+", " ", "".join(text(pdf, p) for p in range(1, int(info(pdf)["Pages"]) + 1)))
    start = whole.index("kontakten er vurderet for")
    rollup = whole[start : start + 1000]
    store = Store(book.root / "stresskit.sqlite")
    said = {"god": "god i ", "mangler": "mangler i ", "ved_ikke": "«ved ikke» i "}
    below = [u for u in book.ordered() if u != book.root_unit]
    for value, words in said.items():
        named = [
            book.unit_name(u)
            for u in below
            if (a := store.latest(u, "status.kontakt").get("status.kontakt")) is not None and a.value == value
        ]
        if named:
            assert f"{words}{len(named)} ({', '.join(named)})" in rollup, (value, rollup)
    assert "Kontakt mangler til" not in whole  # the drawing's own line: said by the roll-up above
    assert "Delspørgsmål i alt" in whole


@needs_poppler
def test_every_printed_heading_has_its_content_below_it(built):
    """No heading promises what isn't printed: a unit's PDF has no trend heading without the trend, no
    «Materialer …» pointer and no section of the guideline's explanations; unanswered forms are one line."""
    book, out, _said = built
    for unit in ("hum", "nat", "kommunikation"):
        pdf = out / unit / "rapport.pdf"
        whole = "".join(text(pdf, p) for p in range(1, int(info(pdf)["Pages"]) + 1))
        for promise in (
            "Udviklingen fra runde til runde",
            "Materialer til næste skridt",
            "Hvorfor begynde i APV",
            "Bekendtgørelsen om psykisk arbejdsmiljø",
            "Kilder",
            "Anbefalingerne som tjekliste",
            "står i overblikket på første side",
        ):
            assert promise not in whole, (unit, promise)
        assert whole.count("Sådan læser du rapporten") == 1 and "Ikke besvaret endnu: «" in whole, unit
        assert "ingen svar endnu" not in whole.lower().replace("ikke besvaret endnu", ""), unit
    first = "".join(text(out / "fjordby" / "rapport.pdf", p) for p in range(1, 4))
    assert "Udviklingen fra runde til runde" in first and "Enheder, der blev tydeligt værre" in first


@needs_poppler
def test_the_checklist_never_breaks_a_word(built):
    _book, out, _said = built
    pdf = out / "fjordby" / "rapport.pdf"
    pages = int(info(pdf)["Pages"])
    whole = "".join(text(pdf, p) for p in range(max(1, pages - 3), pages + 1))
    table = whole[whole.index("Anbefalingerne som tjekliste") :]
    for broken in ("Administrat\n", "Studieadm\n", "Naturvidens\n", "forebyggelse\nn", "bekendtgørel\n"):
        assert broken not in table, broken
    for name in ("Administration", "Studieadministration", "Naturvidenskab", "Samfundsfag og sprog"):
        assert name in table, name


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
    run = stresskit(
        "run", book, "--out", out, "--units", "hum", "--pdf", env={"STRESSKIT_CHROMIUM": str(tmp_path / "ingen")}
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "PDF kræver browseren Chromium, og den blev ikke fundet" in run.stderr
    assert not out.exists()
