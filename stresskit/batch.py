"""Run every notebook for every unit in report mode and turn the results into HTML.

Output layout (OUT defaults to reports/<workbook folder name>/):
    OUT/index.html                     units × recommendations, each cell ok or failed
    OUT/<unit>/<nn>_<name>.html        one report per notebook, beside its executed .ipynb
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

import nbformat
import papermill

from . import guide as guide_module
from . import report
from .workbook import Workbook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
REPORTS = Path(__file__).resolve().parent.parent / "reports"


@dataclass
class Run:
    unit: str
    notebook: str
    ok: bool = False
    reason: str = ""   # one Danish line when not ok
    html: Path | None = None
    seconds: float = 0.0


@dataclass
class Summary:
    out: Path
    runs: list[Run] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Run]:
        return [r for r in self.runs if not r.ok]

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def notebooks(numbers: list[int] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in found if numbers is None or int(p.name[:2]) in numbers]


def failure_line(exc: Exception) -> str:
    """The reason a run failed, as one Danish line for the index."""
    if isinstance(exc, papermill.PapermillExecutionError):
        return f"Fejl i celle {exc.exec_count}: {exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}".strip()
    return f"Kørslen fejlede: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()


def run(workbook: Path | str, out: Path | str | None = None, units: list[str] | None = None,
        numbers: list[int] | None = None, folder: Path = NOTEBOOKS, progress=None) -> Summary:
    logging.getLogger("papermill").setLevel(logging.WARNING)
    book = Workbook.open(workbook)
    out = Path(out) if out else REPORTS / book.root.resolve().name
    units = units or book.ordered()
    for unit in units:
        book.check_unit(unit)
    started = time.perf_counter()
    summary = Summary(out)
    exporter = report.exporter()
    for unit in units:
        (out / unit).mkdir(parents=True, exist_ok=True)
        for nb_path in notebooks(numbers, folder):
            summary.runs.append(_one(book, unit, nb_path, out / unit, exporter))
            if progress:
                progress(summary.runs[-1])
    summary.seconds = time.perf_counter() - started
    write_index(book, summary, [p.stem for p in notebooks(numbers, folder)], units)
    return summary


def _one(book: Workbook, unit: str, nb_path: Path, folder: Path, exporter) -> Run:
    result = Run(unit, nb_path.stem)
    target = folder / nb_path.name
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(str(nb_path), str(target), kernel_name="python3", progress_bar=False,
                                   parameters={"workbook": str(book.root.resolve()), "unit": unit, "mode": "report"},
                                   cwd=str(nb_path.parent))
        result.ok = True
    except Exception as exc:  # recorded, and the batch goes on
        result.reason = failure_line(exc)
    if target.exists():
        nb = nbformat.read(target, as_version=4)
        nb.metadata.setdefault("stresskit", {})["title"] = f"{_title(nb_path.stem)} · {book.unit_name(unit)}"
        result.html = target.with_suffix(".html")
        result.html.write_text(report.to_html(nb, exporter), encoding="utf-8")
    result.seconds = time.perf_counter() - t0
    return result


def _title(stem: str) -> str:
    for rec in guide_module.default().recommendations:
        if rec.notebook == stem:
            return f"{rec.number}. {rec.title}"
    return stem


def write_index(book: Workbook, summary: Summary, stems: list[str], units: list[str]) -> Path:
    cells = {(r.unit, r.notebook): r for r in summary.runs}
    head = "".join(f"<th scope='col'>{escape(_title(s))}</th>" for s in stems)
    rows = []
    for unit in units:
        tds = []
        for stem in stems:
            r = cells.get((unit, stem))
            if r is None:
                tds.append("<td class='sk-missing'>ikke kørt</td>")
                continue
            link = f"<a href='{escape(unit)}/{escape(stem)}.html'>" if r.html else ""
            end = "</a>" if r.html else ""
            mark = "✓ ok" if r.ok else "✗ fejlede"
            why = f"<br><small>{escape(r.reason)}</small>" if r.reason else ""
            tds.append(f"<td class='{'sk-ok' if r.ok else 'sk-failed'}'>{link}{mark}{end}{why}</td>")
        indent = "&nbsp;&nbsp;&nbsp;" * book.depth(unit)
        rows.append(f"<tr><th scope='row'>{indent}{escape(book.unit_name(unit))}</th>{''.join(tds)}</tr>")
    ok = sum(r.ok for r in summary.runs)
    html = f"""<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Rapporter · {escape(book.name)}</title><style>{report.CSS.read_text(encoding="utf-8")}</style></head>
<body class="sk-report"><main>
<header class="sk-masthead"><div class="sk-kicker">Forebyg stress med arbejdsmiljøorganisationen som anker</div>
<h1>Rapporter for {escape(book.name)}</h1>
<ul class="sk-meta"><li>Lavet: <b>{datetime.now():%d.%m.%Y %H:%M}</b></li><li>Kørsler: <b>{ok} af {len(summary.runs)} lykkedes</b></li></ul></header>
<table class="sk-table sk-index"><thead><tr><th scope="col">Enhed</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
</main></body></html>"""
    summary.out.mkdir(parents=True, exist_ok=True)
    summary.index.write_text(html, encoding="utf-8")
    return summary.index
