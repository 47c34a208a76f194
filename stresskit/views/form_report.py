"""A form's answers in a report: a static, read-only HTML table of the latest answers (who and
when stay in the store), unanswered questions folded into one line; and an answer in words, as the
live widgets (`stresskit.live.forms`) show it too."""

from __future__ import annotations

from datetime import date

from .. import actions as actions_module
from .. import danish, shared
from ..guide import Form, Question
from ..store import Store
from . import render

VOTES_KEY = "__votes__"  # in `prefill`: each question's closed vote as a line (stresskit.live.vote)
NOT_ANSWERED = "Ikke besvaret"


# --- an answer in words (the live forms show them so too) ---------------------------------
def format_date(iso: str | None) -> str:
    """dd.mm.yyyy; a stored value that is no date (an old import) is shown as written."""
    parsed = actions_module.iso_date(iso)
    return danish.day(parsed) if parsed else str(iso or "")


def format_value(question: Question, value) -> str:
    if value is None or value == "" or value == []:
        return NOT_ANSWERED
    if question.kind == "choice":
        return question.option_title(value)
    if question.kind == "checklist":
        return ", ".join(question.option_title(v) for v in (value if isinstance(value, list) else [value]))
    if question.kind == "check":
        return "Ja" if value else "Nej"
    if question.kind == "number":
        return danish.number(value) if isinstance(value, (int, float)) else str(value)
    if question.kind == "date":
        parsed = actions_module.iso_date(value)  # a stored value that is no date is shown as written
        return danish.day(parsed) if parsed else str(value)
    return str(value)


def item_rows(questions) -> list[list[Question]]:
    """Consecutive questions grouped by the content item they were made for."""
    rows: list[list[Question]] = []
    for q in questions:
        if rows and q.item and rows[-1][0].item == q.item:
            rows[-1].append(q)
        else:
            rows.append([q])
    return rows


def actions_table(items: list[actions_module.Action], empty: str, names: dict[str, str] | None = None) -> str:
    by_unit = bool(names) and len(names) > 1  # the listing covers several units: say whose
    today = actions_module.today()

    def flags(
        a: actions_module.Action,
    ) -> list[str]:  # a passed deadline or a due follow-up in words, not by colour alone
        return (
            (["Forsinket"] if a.overdue(today) else [])
            + (
                [f"Opfølgning nu (aftalt {danish.day(date.fromisoformat(a.followup))})"]
                if actions_module.followup_due(a, today)
                else []
            )
            + ([f"Skal drøftes igen (aftalt til {format_date(a.review)})"] if a.review_due(today) else [])
        )

    def when(a: actions_module.Action) -> str:  # an agreement has a date to discuss it again, a task a deadline
        if a.is_agreement:
            return f"drøftes igen {format_date(a.review)}" if a.review else "–"
        return format_date(a.deadline) if a.deadline else "–"

    rows = [
        (
            a,
            names.get(a.unit, a.unit) if by_unit else None,
            actions_module.STATUSES.get(a.status, a.status),
            flags(a),
            when(a),
        )
        for a in items
    ]
    return render.macro("form_report", "actions_table", rows=rows, empty=empty, by_unit=by_unit)


def _answer(latest: dict, prefill: dict, q: Question) -> str | None:
    """The latest answer (or a prefilled figure) in words; None when the question is not answered."""
    answer = latest.get(q.id)
    value = answer.value if answer is not None else prefill.get(q.id)
    shown = None if value in (None, "", []) else format_value(q, value)
    vote = prefill.get(VOTES_KEY, {}).get(q.id)
    if vote:  # a closed vote in the room, beside the answer (or alone)
        shown = f"{shown} ({vote})" if shown is not None else vote[0].upper() + vote[1:]
    return shown


def answer(latest: dict, q: Question) -> str | None:
    """The latest answer to ``q`` in words; None when it is not answered."""
    return _answer(latest, {}, q)


def unanswered_line(count: int) -> str:
    """Unanswered questions folded into one line, instead of a row each."""
    return render.macro("form_report", "unanswered", count=count)


def report_html(
    form: Form,
    store: Store,
    unit: str,
    prefill: dict | None = None,
    names: dict[str, str] | None = None,
    heading: bool = True,
    book=None,
) -> str:
    """The form's answered questions as static HTML (report mode), unanswered ones folded into one line
    and a form with no answer at all into one line. Who gave an answer, and when, stays in the store,
    the live view and `answers export`; action lists also cover the units in ``names`` (units below).
    ``heading=False`` leaves out the form's title where the page's own heading already says it.
    With ``book``, the rule of shared and own applies: a form the institution (or the unit's AMO
    group) answers for the unit shows that answer, marked «fælles for institutionen»."""
    label = ""
    if book is not None:
        key, label = shared.holder_of(book, unit, form), shared.shared_label(book, unit, form.scope)
        if key != unit:
            unit, prefill, names = key, {}, None
    return _report_html(form, store, unit, prefill or {}, names, heading, label)


def _with_votes(prefill: dict, store: Store, unit: str) -> dict:
    """Closed votes in the room go beside the form's answers: «Ja (afstemning i AMO-gruppen 12.03.2027: 9 svar)»."""
    from ..live import vote as vote_module

    lines = vote_module.latest_lines(store, unit)
    return {**prefill, VOTES_KEY: lines} if lines else prefill


def _report_html(
    form: Form, store: Store, unit: str, prefill: dict, names: dict[str, str] | None, heading: bool, label: str = ""
) -> str:
    latest = store.latest(unit)
    prefill = _with_votes(prefill, store, unit)
    rows, after, grids, missing = [], [], [], 0
    for group in item_rows(form.questions):
        q = group[0]
        if q.kind == "action":
            scope = set(names or {}) | {unit}
            items = [a for a in actions_module.for_unit(store) if a.question == q.id and a.unit in scope]
            if items:
                after.append((q.label, actions_table(items, "", names)))
        elif form.layout == "grid" and q.item:
            grids.append(group)
        else:
            shown = _answer(latest, prefill, q)
            if shown is None:
                missing += 1
                continue
            rows.append((q.label, shown))
    grid_html, grid_missing = _grid_table(grids, latest, prefill) if grids else ("", 0)
    missing += grid_missing
    if not rows and not grid_html and not after:
        ends = form.title.endswith(("?", "."))  # a question is not followed by a colon: «…? Ingen svar endnu.»
        title, none = (form.title, "Ingen svar endnu") if ends else (f"{form.title}:", "ingen svar endnu")
        return render.macro(
            "form_report", "empty_form", title=title, ending=none, label=label
        )  # label: who was to answer it
    return render.macro(
        "form_report",
        "form",
        title=form.title if heading else "",
        grid_html=grid_html,
        rows=rows,
        missing=missing,
        actions=after,
        shared_label=label,
    )


def _grid_table(groups: list[list[Question]], latest: dict, prefill: dict) -> tuple[str, int]:
    """The grid's rows that hold an answer («–» in an empty cell) and the number of unanswered rows;
    a column no shown row has answered is left out."""
    columns = [q.column for q in groups[0]]
    answered, missing = [], 0
    for row in groups:
        shown = [_answer(latest, prefill, q) for q in row]
        if all(x is None for x in shown):
            missing += 1
        else:
            answered.append((row, shown))
    if not answered:
        return "", missing
    keep = [c for c in range(len(columns)) if any(shown[c] is not None for _row, shown in answered if c < len(shown))]
    out, group = [], None
    for row, shown in answered:
        heading = ""
        if row[0].group and row[0].group != group:
            group = heading = row[0].group
        out.append((heading, row[0].row, [shown[c] for c in keep]))
    return render.macro("form_report", "grid", columns=[columns[c] for c in keep], rows=out), missing


def rows_report_html(form: Form, store: Store, rows: list[tuple[str, str]]) -> str:
    """A form answered once per unit, as one table: a row per (unit id, label) that holds an answer,
    a column per question; the units with no answer are named in one line."""
    body, silent = [], []
    for unit, label in rows:
        latest = store.latest(unit)
        shown = [_answer(latest, {}, q) for q in form.questions]
        if all(x is None for x in shown):
            silent.append(label.strip())
            continue
        body.append((label, shown))
    return render.macro("form_report", "rows_table", questions=form.questions, rows=body, silent=silent)
