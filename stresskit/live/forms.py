"""Forms built from the guide's question definitions and bound to the store.

Live: ipywidgets that save every change at once (typing is debounced), each question
with a small «Gemt kl. 14:32» line, or the reason a save failed. Report: the same
questions as a static, read-only HTML table, written by `stresskit.views.form_report`.
The widgets' building blocks are in `widgets`, the IGLO plan's action editor in `action_editor`
(importable from here too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .. import actions as actions_module
from ..danish import parse_date, parse_number  # noqa: F401  (read here, importable as before)
from ..guide import Form, Question
from ..store import Answer, Store, local_time
from ..views import render
from ..views.form_report import NOT_ANSWERED, actions_table, format_date, format_value, item_rows  # noqa: F401
from .action_editor import ActionEditor  # noqa: F401  (the IGLO plan's editor, importable here as before)
from .widgets import (  # noqa: F401
    DATE_HELP,
    DATE_PLACEHOLDER,
    FULL,
    action_problem,
    date_input,
    full_width,
    look,
    named,
    save_failed,
    w,
)

DEBOUNCE_SECONDS = 0.8
NAME_FIRST = "Skriv dit navn øverst på siden; så gemmes svaret."
# Layouts that the forms' widgets of one kind share (`widgets.look`), with their styles: notebook 3's
# page had 208 widget models, 130 of them Layouts and Styles, each sent by the kernel and made by the
# browser; 97 with 19.
CELL = {"flex": "1 1 0", "min_width": "8em", "margin": "0 6px"}  # a column of a grid row
ROW_LABEL = {"width": "32%"}
_waiting: list[Field] = []  # fields whose save waits for a name
_name_field = None  # the page's name field, marked while a save waits for it


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


def saved_text(answer: Answer) -> str:
    return f"Gemt kl. {local_time(answer.at):%H:%M} af {answer.who}"


class Field:
    """One question: its input widget, its status line, and how it saves."""

    def __init__(self, question: Question, view: FormView, compact: bool = False):
        self.question = question
        self.view = view
        self.status = w.HTML(**look({"min_height": "1.2em"}, "HTML"))
        self.status.add_class("sk-status")
        self.compact = compact
        self.input = self._make_input()
        self._timer: threading.Timer | None = None
        self._pending = False
        if compact:  # a cell in a grid: the row and column say what it is
            self.box = w.VBox([self.input, self.status], **look(CELL))
            return
        label = w.HTML(
            render.macro("forms", "label", text=question.label, help=question.help or ""), **look(style="HTML")
        )
        # a layout of its own: a page may hide the question (handleplan's follow-up questions)
        self.box = w.VBox([label, self.input, self.status], layout=w.Layout(margin="0 0 12px 0"))

    def _make_input(self) -> w.Widget:
        q, compact = self.question, self.compact
        current = self.view.current(q.id)

        def sized(width: str) -> dict:  # a grid cell may be narrower than the widget's own width
            return {**FULL, "max_width": width} if compact else {"width": width}

        if q.kind == "choice" and compact:
            widget = w.Dropdown(
                options=[("Vælg …", None)] + [(t, o) for o, t in q.options],
                value=current,
                **look(FULL, "Dropdown"),
            )
        elif q.kind == "choice":
            widget = w.ToggleButtons(
                options=[(t, o) for o, t in q.options],
                value=current,
                **look({}, "ToggleButtons", button_width="auto"),
            )
        elif q.kind == "check":
            widget = w.Checkbox(
                value=bool(current),
                description="Ja" if not q.column else "",
                indent=False,
                **look(FULL if compact else {}, "Checkbox"),
            )
        elif q.kind == "checklist":
            chosen = set(current or [])
            self.checks = {
                # as wide as its text: ipywidgets' 300 px cut «Samarbejdsudvalget eller MED-udvalget» with «…»
                o: w.Checkbox(value=o in chosen, description=t, indent=False, **look({"width": "auto"}, "Checkbox"))
                for o, t in q.options
            }
            for box in self.checks.values():
                box.observe(lambda _change: self.changed(), names="value")
            return w.VBox(list(self.checks.values()), **look())
        elif q.kind == "date":
            widget = date_input(current, **look(sized("14em"), "Text"))
        elif q.kind == "number":
            widget = w.Text(
                value=format_value(q, current) if current is not None else "",
                placeholder="Skriv et tal",
                continuous_update=True,
                **look(sized("12em"), "Text"),
            )
        elif q.kind == "text":
            widget = w.Textarea(
                value=current or "",
                placeholder="Skriv her …",
                continuous_update=True,
                **look({**FULL, "height": "3.2em" if q.column else "5em"}, "Textarea"),
            )
        else:
            raise ValueError(q.kind)
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
            self.show_error(
                ("Skriv et tal, fx 3 eller 2,5." if self.question.kind == "number" else DATE_HELP)
                + " Svaret er ikke gemt."
            )
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
            self.status.value = save_failed(exc)
            return None
        self.status.value = render.macro("forms", "saved", text=saved_text(answer))
        self.view.notify(self.question, answer)
        return answer

    def show_error(self, message: str) -> None:
        self.status.value = render.macro("forms", "error", text=message)


class ActionField:
    """An action item (hvad, hvem, hvornår) that becomes an action in the store."""

    def __init__(self, question: Question, view: FormView, compact: bool = False):
        self.question, self.view = question, view
        self.what = w.Text(placeholder="Hvad skal gøres?", layout=full_width())
        self.who = w.Text(placeholder="Hvem har ansvaret?")
        self.when = date_input(description="Hvornår")
        self.add = w.Button(description="Tilføj opgave", button_style="primary")
        self.add.on_click(lambda _b: self.save())
        self.status = w.HTML()
        self.listing = w.HTML(self._listing())
        label = w.HTML(render.macro("forms", "label", text=question.label))
        self.box = w.VBox(
            [label, self.listing, self.what, w.HBox([self.who, self.when, self.add]), self.status],
            layout=w.Layout(margin="0 0 12px 0"),
        )

    def _listing(self) -> str:
        return actions_table(self.view.actions(self.question.id), empty="Ingen opgaver endnu.", names=self.view.names)

    def save(self) -> actions_module.Action | None:
        problem = action_problem(self.what.value, [self.when])
        if problem:
            self.status.value = render.macro("forms", "error", text=problem)
            return None
        action = actions_module.Action(
            unit=self.view.unit,
            measure=self.what.value.strip(),
            responsible=self.who.value.strip(),
            deadline=parse_date(self.when.value),
            recommendation=self.view.form.recommendation,
            question=self.question.id,
        )
        try:
            saved = actions_module.save(self.view.store, action)
        except Exception as exc:
            self.status.value = save_failed(exc)
            return None
        self.what.value = self.who.value = self.when.value = ""
        self.listing.value = self._listing()
        self.status.value = render.macro("forms", "saved", text=f"Opgaven er gemt kl. {local_time(saved.at):%H:%M}")
        self.view.notify(self.question, saved)
        return saved


class FormView:
    """A live form for one unit. ``prefill`` supplies values shown until someone answers."""

    def __init__(
        self,
        form: Form,
        store: Store,
        unit: str,
        prefill: dict | None = None,
        debounce: float = DEBOUNCE_SECONDS,
        on_change: Callable | None = None,
        row_label: str | None = None,
        names: dict[str, str] | None = None,
        shared_label: str = "",
    ):
        self.form, self.store, self.unit = form, store, unit
        self.names = names or {}  # unit id -> name, for the units whose actions a listing shows
        self.prefill = prefill or {}
        self.debounce = debounce
        self.on_change = on_change
        self._latest = store.latest(unit)
        if row_label is not None:  # the whole form as one row of a table, e.g. one unit's contact
            self.fields = {q.id: Field(q, self, compact=True) for q in form.questions}
            cells = [w.HTML(render.macro("forms", "text", value=row_label), **look(ROW_LABEL, "HTML"))] + [
                f.box for f in self.fields.values()
            ]
            self.widget = w.HBox(cells, **look({"align_items": "flex-start", "border_bottom": "1px solid #eee"}))
            return
        grid = form.layout == "grid"
        self.fields: dict[str, Field | ActionField] = {
            q.id: (ActionField if q.kind == "action" else Field)(q, self, compact=grid and bool(q.item))
            for q in form.questions
        }
        header = [
            w.HTML(
                render.macro("forms", "header", title=form.title, intro=form.intro or "", shared_label=shared_label),
                **look(style="HTML"),
            )
        ]
        body = self._grid() if grid else [f.box for f in self.fields.values()]
        self.widget = w.VBox(header + body, **look())
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
                head = [w.HTML(render.macro("forms", "label", text=group) if group else "", **look(ROW_LABEL, "HTML"))]
                head += [w.HTML(render.macro("forms", "small_label", text=c), **look(CELL, "HTML")) for c in labels]
                boxes.append(w.HBox(head, **look({"margin": "10px 0 2px 0", "border_bottom": "1px solid #ccc"})))
            cells = [w.HTML(render.macro("forms", "text", value=first.row), **look(ROW_LABEL, "HTML"))] + [
                self.fields[q.id].box for q in rows
            ]
            row = {"align_items": "flex-start", "padding": "4px 0", "border_bottom": "1px solid #eee"}
            boxes.append(w.HBox(cells, **look(row)))
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
