"""PDF copies of a unit's reports, printed by headless Chromium through Playwright:
OUT/<unit>/rapport.pdf (the combined report, overblik first) and OUT/<unit>/overblik.pdf.

A4, the unit's name and the page number in every page's footer; the stylesheet's print rules
keep charts and tables whole and make the overblik page 1. One browser prints every unit.
Chromium is looked for at STRESSKIT_CHROMIUM (when set, only there) or where Debian and
others install it; without it `stresskit run --pdf` stops with a Danish message before it runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from pathlib import Path

from ..errors import UsageError
from ..views import render

CHROMIUM_ENV = "STRESSKIT_CHROMIUM"
CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "chromium",
    "chromium-browser",
)
# No sandbox (containers), no GPU, and nothing that talks to the network by itself.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MARGIN = {"top": "14mm", "bottom": "16mm", "left": "13mm", "right": "13mm"}
FOOTER = (
    "<div style='font-family: DejaVu Sans, Arial, sans-serif; font-size: 8px; color: #555; width: 100%; "
    "margin: 0 13mm; display: flex; justify-content: space-between;'><span>{name}</span>"
    "<span>Side <span class='pageNumber'></span> af <span class='totalPages'></span></span></div>"
)
REPORT, OVERBLIK = "rapport.pdf", "overblik.pdf"


class PdfUnavailable(UsageError):
    """PDF can't be made here (no Chromium, or Playwright is not installed); told in Danish."""


def chromium() -> str:
    """The Chromium to print with, or PdfUnavailable saying what is missing."""
    wanted = os.environ.get(CHROMIUM_ENV)
    for candidate in [wanted] if wanted else CANDIDATES:
        found = shutil.which(candidate) if not os.path.isabs(candidate) else candidate
        if found and os.path.isfile(found) and os.access(found, os.X_OK):
            return found
    where = f"i {wanted}" if wanted else "(fx /usr/bin/chromium)"
    raise PdfUnavailable(
        f"PDF kræver browseren Chromium, og den blev ikke fundet {where}. Installér den "
        f"(på Debian/Ubuntu: apt install chromium), eller sæt {CHROMIUM_ENV} til stien til den. "
        "Rapporterne i HTML laves også uden."
    )


def check() -> str:
    """Chromium and Playwright are both there: the path to Chromium; else PdfUnavailable."""
    path = chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PdfUnavailable(
            "PDF kræver Python-pakken playwright (pip install 'stresskit[pdf]'). Rapporterne i HTML laves også uden."
        ) from None
    return path


def _write(path: Path, data: bytes) -> None:
    """Beside the target, then renamed into place: never half a PDF."""
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


class Printer:
    """One headless Chromium for many PDFs."""

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=check(), args=ARGS)
        except BaseException:
            self._pw.stop()
            raise
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(Exception):
            self._browser.close()
        self._pw.stop()

    def print(self, html: Path, pdf: Path, footer: str) -> None:
        page = self._browser.new_page()
        try:
            page.goto(Path(html).resolve().as_uri(), wait_until="load")
            data = page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER.format(name=render.text(footer)),
                margin=MARGIN,
            )
        finally:
            page.close()
        _write(Path(pdf), data)


def write_unit_pdfs(out: Path, units: list[tuple[str, str]]) -> float:
    """rapport.pdf and overblik.pdf for each (unit id, footer name) whose HTML exists; seconds per unit."""
    out = Path(out).resolve()
    started, done = time.perf_counter(), 0
    with Printer() as printer:
        for unit, footer in units:
            folder = (out / unit).resolve()
            if out not in folder.parents or not (folder / "index.html").is_file():
                continue  # ids are checked when read; a planted link or a missing report is skipped
            printer.print(folder / "overblik.html", folder / OVERBLIK, footer)
            printer.print(folder / "index.html", folder / REPORT, footer)
            done += 1
    return (time.perf_counter() - started) / done if done else 0.0
