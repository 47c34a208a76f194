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
DATE_PLACEHOLDER = "dd.mm.åååå"
DATE_HELP = "Skriv datoen som dd.mm.åååå, fx 24.03.2027."


def named() -> bool:
    """Whether someone has said who is answering; live forms save nothing before that."""
    return current_user() != UNKNOWN_USER


def full_width(**layout) -> w.Layout:
    """As wide as its box, and no wider: a side margin on a 100 % wide widget makes its box scroll sideways."""
    return w.Layout(width="100%", margin="2px 0", **layout)


def date_input(iso: str | None = None, description: str = "") -> w.Text:
    """A date typed and shown as dd.mm.yyyy whatever the browser's language (a date picker
    follows the browser's locale)."""
    return w.Text(
        value=format_date(iso), placeholder=DATE_PLACEHOLDER, description=description, layout=w.Layout(width="14em")
    )


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
