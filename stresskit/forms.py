"""Forms built from the guide's question definitions and bound to the store.

Live: ipywidgets that save every change at once (typing is debounced), each question
with a small «Gemt kl. 14:32» line, or the reason a save failed. Report: the same
questions as a static, read-only HTML table of the latest answers (who and when stay in the store).
"""
from __future__ import annotations

import threading
from datetime import date
from html import escape
from typing import Callable

from . import actions as actions_module
from . import shared
from .guide import Form, Question
from .store import UNKNOWN_USER, Answer, Store, current_user, local_time

class _LazyWidgets:
    """ipywidgets, imported on first use: report mode never needs it (0.2 s per kernel)."""

    def __getattr__(self, name):
        import ipywidgets

        return getattr(ipywidgets, name)


w = _LazyWidgets()
DEBOUNCE_SECONDS = 0.8
NOT_ANSWERED = "Ikke besvaret"
DATE_PLACEHOLDER = "dd.mm.åååå"
DATE_HELP = "Skriv datoen som dd.mm.åååå, fx 24.03.2027."
NAME_FIRST = "Skriv dit navn øverst på siden; så gemmes svaret."
_waiting: list["Field"] = []  # fields whose save waits for a name
_name_field = None  # the page's name field, marked while a save waits for it


def named() -> bool:
    """Whether someone has said who is answering; live forms save nothing before that."""
    return current_user() != UNKNOWN_USER


def ask_name_with(field) -> None:
    """The widget where the page asks for the name. It takes the name on Enter or when the field
    is left, never a keystroke at a time: an answer given while the name is half typed would
    otherwise be saved under «K»."""
    global _name_field
    field.continuous_update = False
    _name_field = field


def name_given() -> None:
    """A name was typed: save what waited for it."""
    if _name_field is not None:
        _name_field.remove_class("sk-who-needed")
    while _waiting:
        _waiting.pop(0).save()


def full_width(**layout) -> "w.Layout":
    """As wide as its box, and no wider: a side margin on a 100 % wide widget makes its box scroll sideways."""
    return w.Layout(width="100%", margin="2px 0", **layout)


def parse_date(text: str) -> str | None:
    """A Danish date, dd.mm.yyyy (also d.m.yyyy, dd-mm-yyyy or yyyy-mm-dd), as ISO; '' clears it."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-":
        return date.fromisoformat(text).isoformat()
    parts = text.replace("-", ".").replace("/", ".").split(".")
    if len(parts) != 3 or len(parts[2]) != 4:
        raise ValueError(text)
    day, month, year = (int(p) for p in parts)
    return date(year, month, day).isoformat()


def format_date(iso: str | None) -> str:
    """dd.mm.yyyy; a stored value that is no date (an old import) is shown as written."""
    parsed = actions_module.iso_date(iso)
    return parsed.strftime("%d.%m.%Y") if parsed else str(iso or "")


def date_input(iso: str | None = None, description: str = "") -> "w.Text":
    """A date typed and shown as dd.mm.yyyy whatever the browser's language (a date picker
    follows the browser's locale)."""
    return w.Text(value=format_date(iso), placeholder=DATE_PLACEHOLDER, description=description,
                  layout=w.Layout(width="14em"))


def parse_number(text: str) -> float | None:
    """Danish number input: '3,5' and '3.5' both read as 3.5; '' clears the answer."""
    text = text.strip().replace(" ", "")
    if not text:
        return None
    number = float(text.replace(",", "."))  # ValueError reaches the form as a message
    return int(number) if number.is_integer() else number


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
        return f"{value:g}".replace(".", ",") if isinstance(value, (int, float)) else str(value)
    if question.kind == "date":
        parsed = actions_module.iso_date(value)  # a stored value that is no date is shown as written
        return parsed.strftime("%d.%m.%Y") if parsed else str(value)
    return str(value)


def saved_text(answer: Answer) -> str:
    return f"Gemt kl. {local_time(answer.at):%H:%M} af {answer.who}"


class Field:
    """One question: its input widget, its status line, and how it saves."""

    def __init__(self, question: Question, view: "FormView", compact: bool = False):
        self.question = question
        self.view = view
        self.status = w.HTML(layout=w.Layout(min_height="1.2em"))
        self.status.add_class("sk-status")
        self.compact = compact
        self.input = self._make_input()
        self._timer: threading.Timer | None = None
        self._pending = False
        if compact:  # a cell in a grid: the row and column say what it is
            self.box = w.VBox([self.input, self.status], layout=w.Layout(flex="1 1 0", min_width="8em", margin="0 6px"))
            return
        label = w.HTML(f"<b>{escape(question.label)}</b>" + (f"<br><small>{escape(question.help)}</small>" if question.help else ""))
        self.box = w.VBox([label, self.input, self.status], layout=w.Layout(margin="0 0 12px 0"))

    def _make_input(self) -> w.Widget:
        q = self.question
        current = self.view.current(q.id)
        if q.kind == "choice" and self.compact:
            widget = w.Dropdown(options=[("Vælg …", None)] + [(t, o) for o, t in q.options], value=current,
                                layout=full_width())
        elif q.kind == "choice":
            widget = w.ToggleButtons(options=[(t, o) for o, t in q.options], value=current, style={"button_width": "auto"})
        elif q.kind == "check":
            widget = w.Checkbox(value=bool(current), description="Ja" if not q.column else "", indent=False)
        elif q.kind == "checklist":
            chosen = set(current or [])
            self.checks = {o: w.Checkbox(value=o in chosen, description=t, indent=False) for o, t in q.options}
            for box in self.checks.values():
                box.observe(lambda _change: self.changed(), names="value")
            return w.VBox(list(self.checks.values()))
        elif q.kind == "date":
            widget = date_input(current)
        elif q.kind == "number":
            widget = w.Text(value=format_value(q, current) if current is not None else "", placeholder="Skriv et tal",
                            continuous_update=True, layout=w.Layout(width="12em"))
        elif q.kind == "text":
            widget = w.Textarea(value=current or "", placeholder="Skriv her …", continuous_update=True,
                                layout=full_width(height="3.2em" if q.column else "5em"))
        else:
            raise ValueError(q.kind)
        if self.compact and q.kind in ("date", "number", "check"):  # a grid cell may be narrower than the widget's own width
            widget.layout.width, widget.layout.max_width, widget.layout.margin = "100%", widget.layout.width, "2px 0"
        widget.observe(lambda _change: self.changed(), names="value")
        return widget

    def value(self):
        q, widget = self.question, self.input
        if q.kind == "checklist":
            return [o for o, box in self.checks.items() if box.value]
        if q.kind == "date":
            return parse_date(widget.value)
        if q.kind == "number":
            return parse_number(widget.value)
        if q.kind == "text":
            return widget.value.strip() or None
        return widget.value

    def changed(self) -> None:
        if self.question.kind in ("text", "number", "date"):  # typing: wait for a pause
            self._pending = True
            if self._timer:
                self._timer.cancel()
            self._timer = threading.Timer(self.view.debounce, self.flush)
            self._timer.daemon = True
            self._timer.start()
        else:
            self.save()

    def flush(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            self.save()

    def save(self) -> Answer | None:
        self._pending = False
        try:
            value = self.value()
        except ValueError:
            self.show_error(("Skriv et tal, fx 3 eller 2,5." if self.question.kind == "number" else DATE_HELP)
                            + " Svaret er ikke gemt.")
            return None
        if not named():
            if self not in _waiting:
                _waiting.append(self)
            if _name_field is not None:
                _name_field.add_class("sk-who-needed")
            self.show_error(NAME_FIRST)
            return None
        try:
            answer = self.view.store.save(self.view.unit, self.question.id, value)
        except Exception as exc:  # a failed save is shown, never swallowed
            self.show_error(f"Kunne ikke gemme: {exc}")
            return None
        self.status.value = f'<span class="sk-saved">✓ {escape(saved_text(answer))}</span>'
        self.view.notify(self.question, answer)
        return answer

    def show_error(self, message: str) -> None:
        self.status.value = f'<span class="sk-error" role="alert">⚠ {escape(message)}</span>'


class ActionField:
    """An action item (hvad, hvem, hvornår) that becomes an action in the store."""

    def __init__(self, question: Question, view: "FormView", compact: bool = False):
        self.question, self.view = question, view
        self.what = w.Text(placeholder="Hvad skal gøres?", layout=full_width())
        self.who = w.Text(placeholder="Hvem har ansvaret?")
        self.when = date_input(description="Hvornår")
        self.add = w.Button(description="Tilføj opgave", button_style="primary")
        self.add.on_click(lambda _b: self.save())
        self.status = w.HTML()
        self.listing = w.HTML(self._listing())
        label = w.HTML(f"<b>{escape(question.label)}</b>")
        self.box = w.VBox([label, self.listing, self.what, w.HBox([self.who, self.when, self.add]), self.status],
                          layout=w.Layout(margin="0 0 12px 0"))

    def _listing(self) -> str:
        return actions_table(self.view.actions(self.question.id), empty="Ingen opgaver endnu.", names=self.view.names)

    def save(self) -> actions_module.Action | None:
        problem = _action_problem(self.what.value, [self.when])
        if problem:
            self.status.value = f'<span class="sk-error" role="alert">⚠ {escape(problem)}</span>'
            return None
        action = actions_module.Action(
            unit=self.view.unit, measure=self.what.value.strip(), responsible=self.who.value.strip(),
            deadline=parse_date(self.when.value),
            recommendation=self.view.form.recommendation, question=self.question.id)
        try:
            saved = actions_module.save(self.view.store, action)
        except Exception as exc:
            self.status.value = f'<span class="sk-error" role="alert">⚠ Kunne ikke gemme: {escape(str(exc))}</span>'
            return None
        self.what.value = self.who.value = self.when.value = ""
        self.listing.value = self._listing()
        self.status.value = f'<span class="sk-saved">✓ Opgaven er gemt kl. {local_time(saved.at):%H:%M}</span>'
        self.view.notify(self.question, saved)
        return saved


class FormView:
    """A live form for one unit. ``prefill`` supplies values shown until someone answers."""

    def __init__(self, form: Form, store: Store, unit: str, prefill: dict | None = None,
                 debounce: float = DEBOUNCE_SECONDS, on_change: Callable | None = None, row_label: str | None = None,
                 names: dict[str, str] | None = None, shared_label: str = ""):
        self.form, self.store, self.unit = form, store, unit
        self.names = names or {}  # unit id -> name, for the units whose actions a listing shows
        self.prefill = prefill or {}
        self.debounce = debounce
        self.on_change = on_change
        self._latest = store.latest(unit)
        if row_label is not None:  # the whole form as one row of a table, e.g. one unit's contact
            self.fields = {q.id: Field(q, self, compact=True) for q in form.questions}
            cells = [w.HTML(escape(row_label), layout=w.Layout(width="32%"))] + [f.box for f in self.fields.values()]
            self.widget = w.HBox(cells, layout=w.Layout(align_items="flex-start", border_bottom="1px solid #eee"))
            return
        grid = form.layout == "grid"
        self.fields: dict[str, Field | ActionField] = {
            q.id: (ActionField if q.kind == "action" else Field)(q, self, compact=grid and bool(q.item))
            for q in form.questions}
        header = [w.HTML(f"<h3>{escape(form.title)}</h3>" + (f"<p>{escape(form.intro)}</p>" if form.intro else "")
                         + (f"<p class='sk-shared'><b>{escape(shared_label[0].upper() + shared_label[1:])}</b>: svarene "
                            "gives én gang og gælder alle, de er fælles for.</p>" if shared_label else ""))]
        body = self._grid() if grid else [f.box for f in self.fields.values()]
        self.widget = w.VBox(header + body)
        self.widget.add_class("sk-form")

    def _grid(self) -> list:
        """A row per content item, a column per question template, a header per group."""
        boxes, group, columns = [], None, None
        for rows in item_rows(self.form.questions):
            first = rows[0]
            if not first.item:
                boxes += [self.fields[q.id].box for q in rows]
                continue
            labels = [q.column for q in rows]
            if first.group != group or labels != columns:
                group, columns = first.group, labels
                head = [w.HTML(f"<b>{escape(group)}</b>" if group else "", layout=w.Layout(width="32%"))]
                head += [w.HTML(f"<small><b>{escape(c)}</b></small>", layout=w.Layout(flex="1 1 0", min_width="8em", margin="0 6px"))
                         for c in labels]
                boxes.append(w.HBox(head, layout=w.Layout(margin="10px 0 2px 0", border_bottom="1px solid #ccc")))
            cells = [w.HTML(escape(first.row), layout=w.Layout(width="32%"))] + [self.fields[q.id].box for q in rows]
            boxes.append(w.HBox(cells, layout=w.Layout(align_items="flex-start", padding="4px 0",
                                                       border_bottom="1px solid #eee")))
        return boxes

    def current(self, question_id: str):
        answer = self._latest.get(question_id)
        return answer.value if answer else self.prefill.get(question_id)

    def actions(self, question_id: str) -> list[actions_module.Action]:
        """The question's actions for this unit and, when names lists them, the units below it."""
        scope = set(self.names) | {self.unit}
        return [a for a in actions_module.for_unit(self.store) if a.question == question_id and a.unit in scope]

    def notify(self, question: Question, saved) -> None:
        if self.on_change:
            self.on_change(question, saved)

    def flush(self) -> None:
        """Save anything still waiting for a pause in typing."""
        for field in self.fields.values():
            if isinstance(field, Field):
                field.flush()


def _action_problem(measure: str, dates: list) -> str | None:
    """Why an action cannot be saved yet, in Danish (None: it can)."""
    if not measure.strip():
        return "Skriv, hvad der skal gøres."
    for field in dates:
        try:
            parse_date(field.value)
        except ValueError:
            return f"{field.description or 'Datoen'}: {DATE_HELP}"
    if not named():
        return "Skriv dit navn øverst på siden, før du gemmer."
    return None


def actions_table(items: list[actions_module.Action], empty: str, names: dict[str, str] | None = None) -> str:
    if not items:
        return f"<p class='sk-empty'>{escape(empty)}</p>"
    by_unit = bool(names) and len(names) > 1  # the listing covers several units: say whose
    today = actions_module.today()

    def status(a: actions_module.Action) -> str:  # a passed deadline or a due follow-up in words, not by colour alone
        flags = (["Forsinket"] if a.overdue(today) else []) + (
            [f"Opfølgning nu (aftalt {date.fromisoformat(a.followup):%d.%m.%Y})"] if actions_module.followup_due(a, today) else []) + (
            [f"Skal drøftes igen (aftalt til {format_date(a.review)})"] if a.review_due(today) else [])
        return escape(actions_module.STATUSES.get(a.status, a.status)) + "".join(
            f"<br><b class='sk-flag'>⚠ {escape(f)}</b>" for f in flags)

    def when(a: actions_module.Action) -> str:  # an agreement has a date to discuss it again, a task a deadline
        if a.is_agreement:
            return f"drøftes igen {format_date(a.review)}" if a.review else "–"
        return format_date(a.deadline) if a.deadline else "–"

    rows = "".join(
        (f"<tr><td>{escape(names.get(a.unit, a.unit))}</td>" if by_unit else "<tr>")
        + f"<td>{escape(a.measure)}</td><td>{escape(a.responsible or '–')}</td>"
        f"<td>{escape(when(a))}</td>"
        f"<td>{status(a)}</td></tr>" for a in items)
    unit_head = "<th>Enhed</th>" if by_unit else ""

    return (f"<table class='sk-table'><thead><tr>{unit_head}<th>Hvad</th><th>Hvem</th><th>Hvornår</th><th>Status</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def item_rows(questions) -> list[list[Question]]:
    """Consecutive questions grouped by the content item they were made for."""
    rows: list[list[Question]] = []
    for q in questions:
        if rows and q.item and rows[-1][0].item == q.item:
            rows[-1].append(q)
        else:
            rows.append([q])
    return rows


VOTES_KEY = "__votes__"  # in `prefill`: each question's closed vote as a line (stresskit.vote)


def _answer(latest: dict, prefill: dict, q: Question) -> str | None:
    """The latest answer (or a prefilled figure) in words; None when the question is not answered."""
    answer = latest.get(q.id)
    value = answer.value if answer is not None else prefill.get(q.id)
    shown = None if value in (None, "", []) else format_value(q, value)
    vote = prefill.get(VOTES_KEY, {}).get(q.id)
    if vote:  # a closed vote in the room, beside the answer (or alone)
        shown = f"{shown} ({vote})" if shown is not None else vote[0].upper() + vote[1:]
    return shown


def unanswered_line(count: int) -> str:
    """Unanswered questions folded into one line, instead of a row each."""
    if not count:
        return ""
    what = "1 spørgsmål er" if count == 1 else f"{count} spørgsmål er"
    return f"<p class='sk-missing'>{what} ikke besvaret endnu.</p>"


def report_html(form: Form, store: Store, unit: str, prefill: dict | None = None,
                names: dict[str, str] | None = None, heading: bool = True, book=None) -> str:
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
    html = _report_html(form, store, unit, prefill or {}, names, heading, label)
    if not label or "sk-form-empty" in html:
        return html
    mark = f"<p class='sk-shared'><b>{escape(label[0].upper() + label[1:])}</b>: svarene er givet én gang for alle.</p>"
    return html.replace("<section class='sk-form-report'>", "<section class='sk-form-report sk-form-shared'>" + mark, 1)


def _with_votes(prefill: dict, store: Store, unit: str) -> dict:
    """Closed votes in the room go beside the form's answers: «Ja (afstemning i AMO-gruppen 12.03.2027: 9 svar)»."""
    from .live import vote as vote_module

    lines = vote_module.latest_lines(store, unit)
    return {**prefill, VOTES_KEY: lines} if lines else prefill


def _report_html(form: Form, store: Store, unit: str, prefill: dict, names: dict[str, str] | None,
                 heading: bool, label: str = "") -> str:
    latest = store.latest(unit)
    prefill = _with_votes(prefill, store, unit)
    rows, after, grids, missing = [], [], [], 0
    for group in item_rows(form.questions):
        q = group[0]
        if q.kind == "action":
            scope = set(names or {}) | {unit}
            items = [a for a in actions_module.for_unit(store) if a.question == q.id and a.unit in scope]
            if items:
                after.append(f"<h4>{escape(q.label)}</h4>" + actions_table(items, "", names))
        elif form.layout == "grid" and q.item:
            grids.append(group)
        else:
            shown = _answer(latest, prefill, q)
            if shown is None:
                missing += 1
                continue
            rows.append(f"<tr><th scope='row'>{escape(q.label)}</th><td>{escape(shown)}</td></tr>")
    grid_html, grid_missing = _grid_table(grids, latest, prefill) if grids else ("", 0)
    missing += grid_missing
    if not rows and not grid_html and not after:
        ends = form.title.endswith(("?", "."))  # a question is not followed by a colon: «…? Ingen svar endnu.»
        title, none = (form.title, "Ingen svar endnu") if ends else (f"{form.title}:", "ingen svar endnu")
        whose = f" <span class='sk-shared'>({escape(label)})</span>" if label else ""  # who was to answer it
        return (f"<section class='sk-form-report sk-form-empty'><p><b>{escape(title)}</b> {none}{whose}.</p></section>")
    parts = [f"<h3>{escape(form.title)}</h3>" if heading else "", grid_html]
    if rows:
        parts.append("<table class='sk-table sk-answers'><thead><tr><th>Spørgsmål</th><th>Svar</th></tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table>")
    parts.append(unanswered_line(missing))
    return "<section class='sk-form-report'>" + "".join(parts + after) + "</section>"


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
        if row[0].group and row[0].group != group:
            group = row[0].group
            out.append(f"<tr class='sk-group'><th colspan='{len(keep) + 1}' scope='rowgroup'>{escape(group)}</th></tr>")
        cells = "".join(f"<td>{escape(shown[c])}</td>" if shown[c] is not None else "<td class='sk-withheld'>–</td>"
                        for c in keep)
        out.append(f"<tr><th scope='row'>{escape(row[0].row)}</th>{cells}</tr>")
    head = "".join(f"<th scope='col'>{escape(columns[c])}</th>" for c in keep)
    return (f"<table class='sk-table sk-grid'><thead><tr><th></th>{head}</tr></thead>"
            f"<tbody>{''.join(out)}</tbody></table>"), missing


def rows_report_html(form: Form, store: Store, rows: list[tuple[str, str]]) -> str:
    """A form answered once per unit, as one table: a row per (unit id, label) that holds an answer,
    a column per question; the units with no answer are named in one line."""
    head = "".join(f"<th scope='col'>{escape(q.label)}</th>" for q in form.questions)
    body, silent = [], []
    for unit, label in rows:
        latest = store.latest(unit)
        shown = [_answer(latest, {}, q) for q in form.questions]
        if all(x is None for x in shown):
            silent.append(label.strip())
            continue
        cells = "".join(f"<td>{escape(x)}</td>" if x is not None else "<td class='sk-withheld'>–</td>" for x in shown)
        body.append(f"<tr><th scope='row'>{escape(label)}</th>{cells}</tr>")
    table = (f"<table class='sk-table'><thead><tr><th scope='col'>Enhed</th>{head}</tr></thead>"
             f"<tbody>{''.join(body)}</tbody></table>") if body else ""
    rest = (f"<p class='sk-missing'>Ingen svar endnu for: {escape(', '.join(silent))}.</p>") if silent else ""
    return table + rest


class ActionEditor:
    """Add, edit and close actions in the IGLO plan: every field of the action model."""

    def __init__(self, store: Store, guide, units: dict[str, str], unit: str, recommendation: str = "handleplan",
                 on_change: Callable | None = None):
        self.store, self.units, self.unit, self.recommendation = store, units, unit, recommendation
        self.on_change = on_change
        self.pick = w.Dropdown(description="Opgave", layout=full_width())
        self.measure = w.Text(description="Hvad", placeholder="Tiltaget, der skal gennemføres", layout=full_width())
        self.problem = w.Text(description="Problem", placeholder="Hvilket problem eller hvilken påvirkning svarer det på?",
                              layout=full_width())
        self.level = w.Dropdown(description="Niveau", options=[("Intet endnu", "")] + [(x["title"], x["id"]) for x in guide.iglo_levels])
        self.phase = w.Dropdown(description="Fase", options=[("Ingen endnu", "")] + [(x["title"], x["id"]) for x in guide.iglo_phases])
        self.responsible = w.Text(description="Hvem")
        self.deadline = date_input(description="Frist")
        self.followup = date_input(description="Drøftes igen")
        self.priority = w.Dropdown(description="Prioritet", options=[(v, k) for k, v in actions_module.PRIORITIES.items()], value="middel")
        self.status = w.Dropdown(description="Status", options=[(v, k) for k, v in actions_module.STATUSES.items()], value="planlagt")
        self.owner = w.Dropdown(description="Enhed", options=[(v, k) for k, v in units.items()], value=unit)
        for widget in (self.pick, self.measure, self.problem, self.level, self.phase, self.responsible, self.deadline,
                       self.followup, self.priority, self.status, self.owner):
            widget.style = {"description_width": "7em"}
            widget.layout.margin = "4px 0" if widget.layout.width == "100%" else "4px 8px 4px 0"
        self.save_button = w.Button(description="Gem opgave", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.HTML()
        self.pick.observe(lambda change: self.load(change["new"]), names="value")
        self.refresh()
        rows = [self.pick, self.measure, self.problem, w.HBox([self.level, self.phase]),
                w.HBox([self.responsible, self.priority]), w.HBox([self.deadline, self.followup]),
                w.HBox([self.status, self.owner] if len(units) > 1 else [self.status]), w.HBox([self.save_button, self.message])]
        self.widget = w.VBox([w.HTML("<h3>Tilføj eller ret en aftale</h3><p class='sk-muted'>Punkterne i IGLO-planen er "
                                     "aftaler om, hvem der gør hvad på hvilket niveau. Skriv, hvornår aftalen skal "
                                     "drøftes igen; den bliver ikke forsinket, men står til ny drøftelse, når datoen er "
                                     "passeret.</p>")] + rows)
        self.widget.add_class("sk-form")

    def current(self) -> list[actions_module.Action]:
        return [a for a in actions_module.for_unit(self.store) if a.unit in self.units]

    def refresh(self) -> None:
        self._actions = {a.id: a for a in self.current()}
        self.pick.options = [("Ny opgave", "")] + [(f"{a.measure[:60]} ({self.units[a.unit]})", a.id)
                                                    for a in self._actions.values()]
        self.pick.value = ""

    def load(self, action_id) -> None:
        a = self._actions.get(action_id) or actions_module.Action(self.unit, "")
        self.measure.value, self.problem.value, self.responsible.value = a.measure, a.problem, a.responsible
        self.level.value = a.level if a.level in dict((v, k) for k, v in self.level.options) else ""
        self.phase.value = a.phase if a.phase in dict((v, k) for k, v in self.phase.options) else ""
        self.deadline.value = format_date(a.deadline)
        self.followup.value = format_date(a.followup)
        self.priority.value, self.status.value, self.owner.value = a.priority, a.status, a.unit

    def save(self) -> actions_module.Action | None:
        problem = _action_problem(self.measure.value, [self.deadline, self.followup])
        if problem:
            self.message.value = f'<span class="sk-error" role="alert">⚠ {escape(problem)}</span>'
            return None
        old = self._actions.get(self.pick.value)
        action = actions_module.Action(
            unit=self.owner.value, measure=self.measure.value.strip(), responsible=self.responsible.value.strip(),
            deadline=parse_date(self.deadline.value),
            recommendation=old.recommendation if old else self.recommendation, question=old.question if old else "",
            level=self.level.value, phase=self.phase.value, problem=self.problem.value.strip(), priority=self.priority.value,
            followup=parse_date(self.followup.value), status=self.status.value,
            id=old.id if old else None)
        try:
            saved = actions_module.save(self.store, action)
        except Exception as exc:
            self.message.value = f'<span class="sk-error" role="alert">⚠ Kunne ikke gemme: {escape(str(exc))}</span>'
            return None
        self.refresh()
        self.load("")
        self.message.value = f'<span class="sk-saved">✓ «{escape(saved.measure[:40])}» gemt kl. {local_time(saved.at):%H:%M}</span>'
        if self.on_change:
            self.on_change(None, saved)
        return saved
