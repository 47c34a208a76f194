"""What every notebook's page shares: one `Page` per (workbook, unit, mode).

Each recommendation has its own module beside this one (`apv`, `aftaler`, `paavirkninger`,
`status`, `samarbejde`, `handleplan`), named as the guideline names it; its notebook
opens it with ``page = view.open(workbook, unit, mode)``. In ``live`` mode a page shows
ipywidgets forms bound to the store; in ``report`` mode the same content as static HTML.
Bad input is never a traceback: one fixed Danish line naming the broken file, shown in a live
page and failing a report run (see `_bad_input`); the details are for «stresskit validate».
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from IPython.display import HTML, display

from .. import actions as actions_module
from .. import apv, danish, shared
from .. import guide as guide_module
from ..errors import InputError, unknown_unit
from ..live import forms
from ..store import UNKNOWN_USER, Store, current_user, set_user
from ..validate import BrokenInput, broken_line
from ..workbook import UnknownUnit, Workbook
from . import form_report, render

MODES = ("live", "report")
CSS = Path(__file__).parent.parent / "templates" / "stresskit" / "static" / "stresskit.css"


def show(html: str) -> None:
    display(HTML(html))


def message(text: str, problems: list | None = None) -> str:
    return render.macro("base", "message", text=text, problems=[str(p) for p in problems or []])


def note(text: str) -> str:
    return render.macro("base", "note", text=text)


# A unit's combined report (overblik first; its sections are .sk-section) leaves out what it
# already shows elsewhere; the recommendation's own report and the live page keep it.
def full_report_only(html: str, pointer: str = "") -> str:
    """What the combined report shows elsewhere (the overblik, the tables beside a chart, the
    institution's report): there it prints the pointer, if any, instead."""
    return render.macro("base", "full_report_only", html=html, pointer=pointer)


def guide_html(html: str) -> str:
    """The guideline's explanation: the institution's combined report and every recommendation's own report
    print it, a unit's combined report leaves it out (site.section_body), so it is printed once."""
    return render.macro("macros", "guide", html=html)


def _rating(value) -> float | None:
    """A stored 1–5 rating; anything else (an old or imported value that is not one) counts as not rated."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _bad_input(mode: str, exc: InputError) -> None:
    """One fixed line naming the broken input («APV-filen har fejl – kør stresskit validate»),
    in every mode. The details may quote survey cells (a person's free-text answer), so they
    never reach a page: not a report, the index or an executed notebook, and not a live page
    either, which may be on a wall screen. «stresskit validate» gives them on the terminal.
    Report: the run fails with the line; live: the page shows it and stays alive."""
    if isinstance(exc, UnknownUnit):
        text = unknown_unit([exc.unit], exc.known)
        text = text[0].upper() + text[1:]
    else:
        text = broken_line(exc.problems)
    if mode == "report":
        raise BrokenInput(text) from None
    show(message(text))


def _guarded(method):
    """Show bad input as a Danish message; in live mode keep the page alive on any error."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self.book is None:
            return None
        try:
            return method(self, *args, **kwargs)
        except InputError as exc:
            _bad_input(self.mode, exc)
        except Exception as exc:
            if self.mode != "live":
                raise  # a report run records the failure
            # the error's text may hold a cell of the data: the page names only its kind
            show(message(f"Noget gik galt her ({type(exc).__name__}). Resten af siden virker stadig."))
        return None

    return wrapper


class Page:
    RECOMMENDATION = ""  # the guideline's id of the recommendation a subclass shows

    def __init__(self, workbook: str | Path, unit: str | None, mode: str = "live"):
        self.guide = guide_module.default()
        self.mode = mode
        self.book: Workbook | None = None
        self.views: dict[str, forms.FormView] = {}
        if mode not in MODES:
            show(message(f"Parameteren mode skal være «live» eller «report», ikke «{mode}»."))
            return
        try:
            book = Workbook.open(workbook)
            unit = unit or book.root_unit
            book.check_unit(unit)
            store = Store(book.store_path)
        except InputError as exc:
            _bad_input(mode, exc)
            return
        self.book, self.unit = book, unit
        self.store = store
        self._redraw: list = []

    # --- shared pieces ---------------------------------------------------------
    @property
    def is_institution(self) -> bool:
        return self.unit == self.book.root_unit

    def unit_path(self, unit: str | None = None) -> str:
        return " › ".join(self.book.unit_name(u) for u in reversed(self.book.ancestors(unit or self.unit)))

    def results(self) -> apv.Results | None:
        return apv.results(self.book)

    @_guarded
    def header(self) -> None:
        rec = self.guide.recommendation(self.RECOMMENDATION)
        try:
            results = self.results()
            round_name = results.round if results else "ingen endnu"
        except InputError:
            round_name = "kan ikke læses"
        meta = [
            ("Institution", self.book.name),
            ("Enhed", self.unit_path()),
            ("APV-runde", round_name),
            ("Dato", danish.day(actions_module.today())),
        ]
        # live: the style inline (a report's style, and the projector's, come with its page template)
        css = CSS.read_text(encoding="utf-8") if self.mode == "live" else ""
        show(
            render.macro(
                "base",
                "header",
                number=rec.number,
                guide_title=self.guide.meta.title,
                title=rec.title,
                meta=meta,
                purpose=rec.purpose,
                css=css,
            )
        )
        if self.mode == "live":
            display(self._who())

    def _who(self):
        """The name saved with every answer: asked once before the first save (forms wait for it)."""
        import ipywidgets as w

        given = current_user() if current_user() != UNKNOWN_USER else ""
        name = w.Text(
            value=given,
            placeholder="Skriv dit navn, så svarene viser, hvem der gav dem",
            description="Dit navn",
            style={"description_width": "initial"},
            layout=w.Layout(width="36em"),
        )
        name.add_class("sk-who")

        def named(change) -> None:
            set_user(change["new"])
            if change["new"].strip():
                forms.name_given()

        name.observe(named, names="value")
        forms.ask_name_with(name)
        return name

    @_guarded
    def form(self, form_id: str, prefill: dict | None = None, items=None, on_change=None, questions=None) -> None:
        """Show a form: widgets in live mode (kept in ``self.views``), a static table in report mode.
        ``items`` limits a grid form to the rows of these content items, ``questions`` to these questions."""
        form = self.guide.forms[form_id]
        if items is not None:
            form = form.only(items)
        if questions is not None:
            form = dataclasses.replace(form, questions=tuple(questions))
        names = {u: self.book.unit_name(u) for u in self.book.subtree(self.unit)}
        if self.mode == "report":
            show(form_report.report_html(form, self.store, self.unit, prefill, names, heading=False, book=self.book))
            return
        key = shared.holder_of(self.book, self.unit, form)  # the rule of shared and own: who answers it
        view = forms.FormView(
            form,
            self.store,
            key,
            prefill if key == self.unit else None,
            on_change=on_change,
            names=names if key == self.unit else None,
            shared_label=shared.shared_label(self.book, self.unit, form.scope),
        )
        self.views[form_id] = view
        display(view.widget)

    @property
    def institution_only(self) -> bool:
        """A unit's report leaves out what the AMO answers for the whole institution (printed in full
        only in the institution's report); live pages keep every form."""
        return self.mode == "report" and not self.is_institution

    def refer_to_institution(self, what: str) -> None:
        """The one line a unit's report shows in place of an institution-level form."""
        show(render.macro("base", "refer", what=what))

    def tools_html(self) -> str:
        """The named tools the guideline points to for this recommendation (the employer's checklist, AT's question guide)."""
        tools = [t for t in self.guide.tools if t.recommendation == self.RECOMMENDATION]
        return render.macro("base", "tools", tools=tools)

    def live_html(self, render) -> None:
        """Show HTML from ``render()``; in live mode it is redrawn whenever a form on the page saves."""
        if self.mode != "live":
            show(render())
            return
        import ipywidgets as w

        box = w.HTML(render())
        self._redraw.append(lambda: setattr(box, "value", render()))
        display(box)

    def _changed(self, _question, _saved) -> None:
        for redraw in self._redraw:
            try:
                redraw()
            except Exception as exc:  # a chart that fails must not break the form
                show(message(f"Diagrammet kunne ikke tegnes igen ({type(exc).__name__})."))


def opener(cls):
    """The module-level ``open`` of a recommendation's view: the entry point its notebook calls first."""

    def open(workbook: str | Path, unit: str | None = None, mode: str = "live"):  # noqa: A001
        return cls(workbook, unit, mode)

    open.__doc__ = f"Open a workbook for one unit with the view of {cls.__module__}."
    return open
