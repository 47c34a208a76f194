"""The pages around the notebooks' reports, from the Jinja templates in templates/site/:
each unit's overblik (OUT/<unit>/overblik.html), its combined report with the overblik as page 1
(OUT/<unit>/index.html), and the index of all units (OUT/index.html).

Every template is rendered with autoescape; the only markup passed in as safe is the CSP, the
stylesheets and the bodies of exported reports (escaped when they were exported).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from .. import actions as actions_module
from .. import apv, danish, overblik
from .. import guide as guide_module
from ..apv import trend
from ..errors import InputError
from ..store import Store
from ..validate import broken_line
from ..workbook import Workbook
from . import report
from .files import target, write_atomic
from .state import Summary, seconds

SITE = report.TEMPLATES / "site"
BODY = re.compile(r"<main>(.*)<footer", re.S)
# Each exported report opens with its own masthead (kicker, title, unit, date): the combined
# report has one for all, so the sections' mastheads are taken out.
MASTHEAD = re.compile(r"<header class=[\"']sk-masthead[\"'][^>]*>.*?</header>", re.S)
# Share exposed → one of five steps of one colour scale, darker and warmer = more exposed.
ATTENTION_STEPS = ((0.10, "a0"), (0.20, "a1"), (0.35, "a2"), (0.50, "a3"), (float("inf"), "a4"))
ATTENTION_KEY = (
    "under 10\u00a0%",
    "10–19\u00a0%",
    "20–34\u00a0%",
    "35–49\u00a0%",
    "50\u00a0% og derover",
)  # no-break spaces
PROGRESS_MARK = {state: word[0] for state, word in overblik.PROGRESS_WORDS.items()}  # ○ ◐ ●


@functools.cache
def environment():
    from jinja2 import Environment, FileSystemLoader

    # autoescape: every value a page template prints is escaped unless stresskit marked it as markup
    return Environment(loader=FileSystemLoader(SITE), autoescape=True, trim_blocks=False)


@functools.cache
def stylesheet() -> str:
    return report.CSS.read_text(encoding="utf-8") + (SITE / "site.css").read_text(encoding="utf-8")


def page(template: str, **values) -> str:
    return environment().get_template(template).render(csp=report.CSP, css=stylesheet(), **values)


def href(*parts: str) -> str:
    """A relative link to a file under OUT; quoting every part keeps an id from becoming a scheme or a path."""
    return "/".join(quote(p, safe="") for p in parts)


# --- a unit's pages -----------------------------------------------------------------------
def overblik_page(s: overblik.Summary) -> str:
    return page("overblik.html.j2", s=s, up="../")


def _marked(kind: str) -> re.Pattern:
    """A part the report marked (views.base.guide_html, a notebook cell's tag): innermost first."""
    return re.compile(rf"<!--sk-{kind}-->(?:(?!<!--sk-{kind}-->).)*?<!--/sk-{kind}-->", re.S)


MARKED = {kind: _marked(kind) for kind in ("guide", "detail")}
CELL = re.compile(r"<!--sk-cell-->(.*?)<!--/sk-cell-->", re.S)  # every cell (templates/stresskit/index.html.j2)
EMPTY_FORM = re.compile(
    r"<section class=[\"']sk-form-report sk-form-empty[\"']><p>(?:<b>(.*?)</b>)?.*?</p></section>", re.S
)
HEADING = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)
ANCHOR = re.compile(r"<a class=[\"']anchor-link[\"'][^>]*>.*?</a>", re.S)  # a Markdown heading's «¶» link


FULL_ONLY = re.compile(r"<div class=[\"']sk-full-only[\"']>.*?</div>", re.S)  # hidden in a combined report


def _visible(html: str) -> bool:
    html = FULL_ONLY.sub("", html)
    return bool(re.sub(r"<[^>]+>|\s+", "", html)) or "<img" in html


def fold_unanswered(body: str) -> str:
    """A combined report's section with every form nobody has answered folded into one line at its end
    («Ikke besvaret endnu: «…», «…».»), and without the headings that then have nothing below them but
    an explanation in the notebook's Markdown."""
    parts = CELL.split(body)  # text, cell, text, cell, …, text
    missing, heading = [], ""
    for i in range(1, len(parts), 2):
        found = HEADING.search(parts[i])
        if found:
            heading = re.sub(r"<[^>]+>", "", ANCHOR.sub("", found[1])).strip()
        for title in (m[1] for m in EMPTY_FORM.finditer(parts[i])):
            name = re.sub(r"<[^>]+>", "", title or heading).strip().rstrip(":")
            if name and name not in missing:
                missing.append(name)
        parts[i] = EMPTY_FORM.sub("", parts[i])
    cells = list(range(1, len(parts), 2))
    for n, i in enumerate(cells):
        if not HEADING.search(parts[i]) or _visible(HEADING.sub("", parts[i])):
            continue  # not a heading, or a heading with its own text (the guideline's «Hvorfor …?»)
        below = []
        for j in cells[n + 1 :]:
            if HEADING.search(parts[j]):
                break
            below.append(j)
        # an explanation (a Markdown cell) alone doesn't keep a heading whose form nobody answered
        if not any(_visible(parts[j]) for j in below if "jp-MarkdownCell" not in parts[j]):
            for j in [i, *below]:
                parts[j] = ""
    folded = "".join(parts)
    if missing:
        folded += f"<p class='sk-missing sk-fold'>Ikke besvaret endnu: {', '.join(f'«{m}»' for m in missing)}.</p>"
    return folded


def section_body(html: str, institution: bool = True) -> Markup:
    """The body of an exported report without its frame and masthead (escaped when it was exported),
    and without what the combined report prints once elsewhere: the overblik's figures (`detail`), and
    in a unit's report the guideline's explanations (`guide`), which the institution's report holds.
    Unanswered forms are folded into one line (fold_unanswered)."""
    match = BODY.search(html)
    body = MASTHEAD.sub("", match.group(1), count=1) if match else ""
    for kind in ("detail",) if institution else ("detail", "guide"):
        while True:
            body, found = MARKED[kind].subn("", body)
            if not found:
                break
    return Markup(fold_unanswered(body))


def unit_report(s: overblik.Summary, sections: list[dict]) -> str:
    """``sections``: number, title, anchor and the exported report's HTML, in the order of the recommendations."""
    parts = [{**x, "body": section_body(x["html"], s.is_institution)} for x in sections]
    return page("unit.html.j2", s=s, sections=parts, glossary=guide_module.default().data.get("glossary") or [])


# --- the index ----------------------------------------------------------------------------
def attention(share: float) -> str:
    return next(css for limit, css in ATTENTION_STEPS if share < limit)


@dataclass
class Row:
    unit: str
    name: str
    depth: int
    overblik: str
    report: str
    respondents: str
    exposures: list[tuple[str, str]]  # (text, css): «64» with a colour step, or «skjult» / «–»
    better: int = 0
    worse: int = 0
    compared: int = 0
    progress: str = ""  # six marks, one per recommendation (the legend says them in words)
    open: int = 0  # the unit's own open tasks (the institution's are in its own row)
    overdue: int = 0  # of them, past their deadline
    followup: int = 0  # of them, whose follow-up date has come
    agreements: int = 0  # the unit's own IGLO agreements in force
    review_due: int = 0  # of them, past their review date
    failed: list[tuple[str, str]] = field(default_factory=list)  # (recommendations, the fixed line)


@dataclass
class Group:
    name: str
    rows: list[Row]
    open: bool

    @property
    def late_units(self) -> int:
        """Units in the group with overdue tasks of their own (every row counts only its own)."""
        return sum(1 for r in self.rows if r.overdue)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.failed)


def failures(runs: list) -> dict[str, list[tuple[str, str]]]:
    """Per unit, its failed runs as (which recommendations, why), one entry per reason."""
    by_unit: dict[str, dict[str, list[str]]] = {}
    for r in runs:
        if r.status == "failed":
            number = str(int(r.notebook[:2])) if r.notebook[:2].isdigit() else r.notebook
            by_unit.setdefault(r.unit, {}).setdefault(r.reason, []).append(number)
    return {u: [(", ".join(numbers), reason) for reason, numbers in reasons.items()] for u, reasons in by_unit.items()}


def respondents(book: Workbook, results, unit: str) -> str:
    """Short for an index cell: «26 af 30», «under 5», «skjult» (the legend says why), «–» without a survey."""
    if results is None:
        return "–"
    n, headcount = results.respondents[unit], book.units[unit].headcount
    if n is not None:
        return f"{n} af {headcount}" if headcount else str(n)
    return f"under {results.k}" if results.respondent_status[unit] == apv.SMALL else "skjult"


def withheld_word(results, status: str, construct: str) -> str:
    """An index cell without a figure, each reason its own word (the legend explains them)."""
    if status == apv.NO_ANSWERS:
        return "–"
    return f"under {results.threshold(construct)}" if status == apv.SMALL else "skjult"


def index_rows(book: Workbook, units: list[str], runs: list, today: date) -> tuple[list[Row], list, str]:
    """One row per unit; also the exposures in column order and why there are no APV figures ('' when there are)."""
    guide = guide_module.default()
    try:
        history = apv.history(book)
        note = "" if history else "Der er endnu ingen APV-besvarelser."
    except InputError as exc:  # a broken survey: the fixed line, never a cell of it
        history, note = [], broken_line(exc.problems)
    latest = history[-1] if history else None
    previous = history[-2] if len(history) > 1 else None
    # the five exposure columns whenever there is a round; one the APV doesn't measure says so in every row
    exposures = [e for e in guide.exposures if e.get("apv_area") and latest is not None]
    constructs = [c.id for c in exposures if apv.measured(latest, c.id)] + [
        r.id for r in guide.resources if apv.measured(latest, r.id)
    ]
    rows, cache, failed = [], {}, failures(runs)
    with Store(book.store_path) as store:
        everything = actions_module.for_unit(store)
        for unit in units:
            links = href(unit, "overblik.html"), href(unit, "index.html")
            row = Row(unit, book.unit_name(unit), book.depth(unit), *links, respondents(book, latest, unit), [])
            for e in exposures:
                if not apv.measured(latest, e.id):
                    row.exposures.append(("ikke målt", "w"))
                    continue
                status = latest.table.at[(unit, e.id), "status"]
                if status == apv.SHOWN:
                    share = float(latest.table.at[(unit, e.id), "share"])
                    row.exposures.append((f"{share * 100:.0f}", attention(share)))
                else:
                    row.exposures.append((withheld_word(latest, status, e.id), "w"))
            if previous is not None:
                counts = trend.direction_counts(previous, latest, unit, constructs)
                row.better, row.worse = counts[trend.BETTER], counts[trend.WORSE]
                row.compared = sum(counts.values())
            progress = overblik.progress(book, unit, store, everything, today, cache)
            row.progress = "".join(PROGRESS_MARK[p.state] for p in progress)
            counts = overblik.task_counts(overblik.own(unit, everything), today)  # the unit's own tasks only
            row.open, row.overdue, row.followup = counts["tasks"], counts["overdue"], counts["followup"]
            row.agreements, row.review_due = counts["agreements"], counts["review_due"]
            row.failed = failed.get(unit, [])
            rows.append(row)
    missing = [e.short for e in exposures if not apv.measured(latest, e.id)]
    if missing and not note:
        note = f"{apv.NOT_MEASURED_LEAD}: {', '.join(missing)}; i deres kolonne står «ikke målt»."
    return rows, exposures, note


def groups(book: Workbook, rows: list[Row], open_all: bool) -> tuple[Row | None, list[Group]]:
    """The institution's row, and one group per unit at the top of the tree (with everything under it)."""
    root = book.root_unit
    by_top: dict[str, list[Row]] = {}
    first = None
    for row in rows:
        if row.unit == root:
            first = row
        else:
            by_top.setdefault(book.ancestors(row.unit)[-2], []).append(row)  # the unit just below the root
    return first, [
        Group(book.unit_name(head), members, open_all or any(r.failed for r in members))
        for head, members in by_top.items()
    ]


def index_page(
    book: Workbook,
    units: list[str],
    runs: list,
    stems: list[str],
    run_seconds: float,
    made: str,
    today: date | None = None,
) -> str:
    today = today or actions_module.today()
    rows, exposures, note = index_rows(book, units, runs, today)
    first, grouped = groups(book, rows, open_all=len(rows) <= 60)
    failed = [r for r in runs if r.status == "failed"]
    return page(
        "index.html.j2",
        institution=book.name,
        made=made,
        today=danish.day(today),
        first=first,
        groups=grouped,
        exposures=[e.short for e in exposures],
        note=note,
        banner=banner(book, units, failed),
        stats=run_figures(runs, units, stems, run_seconds),
        k=book.min_group,
        k_sensitive=book.min_group_sensitive,
        key=list(zip([css for _, css in ATTENTION_STEPS], ATTENTION_KEY)),
    )


def banner(book: Workbook, units: list[str], failed: list, listed: int = 12) -> list[dict]:
    """The failed runs by reason: how many, and where (all units, or the first few by name)."""
    position = {u: i for i, u in enumerate(units)}
    out = []
    for reason in dict.fromkeys(r.reason for r in failed):
        found = [r for r in failed if r.reason == reason]
        where = sorted({r.unit for r in found}, key=position.get)
        names = ", ".join(book.unit_name(u) for u in where[:listed])
        if len(where) > listed:
            names += f" og {len(where) - listed} enheder mere"
        out.append({"reason": reason, "count": len(found), "names": names, "all": len(where) == len(units) > 1})
    return out


def run_figures(runs: list, units: list[str], stems: list[str], run_seconds: float) -> dict:
    return {
        "total": len(runs),
        "ran": sum(r.status in ("ok", "failed") for r in runs),
        "unchanged": sum(r.status == "unchanged" for r in runs),
        "failed": sum(r.status == "failed" for r in runs),
        "seconds": seconds(run_seconds),
        "units": len(units),
        "notebooks": len(stems),
    }


# --- the pages a batch writes -----------------------------------------------------------
def write_unit_report(
    book: Workbook,
    out: Path,
    unit: str,
    stems: list[str],
    store: Store | None = None,
    history: list | None = None,
    everything: list | None = None,
) -> Path:
    """The unit's overblik (OUT/<unit>/overblik.html) and its combined report: the overblik as
    page 1, then every recommendation, each without its own masthead."""
    summary = overblik.summarize(book, unit, store, history=history, everything=everything)
    sections = []
    for stem in stems:
        path = out / unit / f"{stem}.html"
        if path.exists():
            sections.append(
                {
                    "number": int(stem[:2]) if stem[:2].isdigit() else "",
                    "title": report.title(stem, numbered=False),
                    "anchor": f"anbefaling-{stem[:2]}",
                    "html": path.read_text(encoding="utf-8"),
                }
            )
    folder = target(out, unit, "")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(target(out, unit, "overblik.html"), overblik_page(summary))
    path = target(out, unit, "index.html")
    write_atomic(path, unit_report(summary, sections))
    return path


def inputs(book: Workbook) -> tuple[list | None, list]:
    """What every overblik reads of the whole institution: apv.history (None if broken) and every action."""
    try:
        history = apv.history(book)
    except InputError:
        history = None
    with Store(book.store_path) as store:
        return history, actions_module.for_unit(store)


def write_unit_reports(book: Workbook, out: Path, units: list[str], stems: list[str]) -> None:
    """The overblik and combined report of units no process ran (see unit): always rewritten, as they
    show the institution's actions and compare with the institution's figures."""
    if not units:
        return
    history, everything = inputs(book)
    with Store(book.store_path) as store:
        for unit in units:
            write_unit_report(book, out, unit, stems, store, history, everything)


def write_index(book: Workbook, summary: Summary, stems: list[str], units: list[str], state: dict) -> Path:
    html = index_page(book, units, summary.runs, stems, summary.seconds, danish.day_time(datetime.now()))
    write_atomic(summary.index, html)
    return summary.index
