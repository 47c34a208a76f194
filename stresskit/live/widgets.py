"""The building blocks of the live forms (`forms`) and the IGLO plan's editor (`action_editor`):
ipywidgets imported on first use, the date field, and whether an answer may be saved yet."""

from __future__ import annotations

from ..danish import parse_date
from ..store import UNKNOWN_USER, current_user
from ..views import render
from ..views.form_report import format_date


class _LazyWidgets:
    """ipywidgets, imported on first use: report mode never needs it (0.2 s per kernel)."""

    def __getattr__(self, name):
        import ipywidgets

        return getattr(ipywidgets, name)


w = _LazyWidgets()
_shared: dict = {}  # (class name, settings) -> one Layout or Style model for every widget that looks alike


def shared(kind: str, **settings):
    """One `w.Layout` (kind "Layout") or one style of widget class `kind` (its Style model, e.g. "HTML")
    per distinct setting, for every widget in this kernel that looks alike (ipywidgets lets widgets
    share them): each distinct one is a model the kernel sends and the browser creates. Only for
    settings nobody changes afterwards; a closed one is made anew."""
    key = (kind, tuple(sorted(settings.items())))
    made = _shared.get(key)
    if made is None or made.comm is None:
        make = w.Layout if kind == "Layout" else getattr(w, kind).class_traits()["style"].klass
        made = _shared[key] = make(**settings)
    return made


def look(layout: dict | None = None, style: str = "", **style_settings) -> dict:
    """The keyword arguments that give a widget a shared layout, and with `style` (the widget's class
    name, e.g. "HTML") a shared style."""
    found = {"layout": shared("Layout", **(layout or {}))}
    if style:
        found["style"] = shared(style, **style_settings)
    return found


FULL = {"width": "100%", "margin": "2px 0"}  # as wide as its box
DATE_PLACEHOLDER = "dd.mm.åååå"
DATE_HELP = "Skriv datoen som dd.mm.åååå, fx 24.03.2027."


def named() -> bool:
    """Whether someone has said who is answering; live forms save nothing before that."""
    return current_user() != UNKNOWN_USER


def full_width(**layout) -> w.Layout:
    """As wide as its box, and no wider: a side margin on a 100 % wide widget makes its box scroll sideways."""
    return w.Layout(**{**FULL, **layout})


def date_input(iso: str | None = None, description: str = "", **looks) -> w.Text:
    """A date typed and shown as dd.mm.yyyy whatever the browser's language (a date picker
    follows the browser's locale); `looks` may give it a shared layout and style (see `look`)."""
    looks.setdefault("layout", w.Layout(width="14em"))
    return w.Text(value=format_date(iso), placeholder=DATE_PLACEHOLDER, description=description, **looks)


def action_problem(measure: str, dates: list) -> str | None:
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


def save_failed(exc: Exception) -> str:
    """The live view's one way to tell a failed save, in the form's error line and never as a
    traceback: a StresskitError's message is already the Danish sentence the user should read."""
    return render.macro("forms", "error", text=f"Kunne ikke gemme: {exc}")
