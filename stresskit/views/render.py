"""The one Jinja environment that writes the views' HTML (templates/views/): autoescape on.

The only place that escapes text or marks HTML as safe. A view calls a macro of its template
with plain values (``render.macro("aftaler", "card", agreement=a)``); HTML that a macro takes
from elsewhere (a chart's figure, another macro's output) comes in as an argument the template
prints with ``|safe``, named ``html`` or ``*_html``."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "views"


class JoinLines(Extension):
    """Templates are written on many lines for the reader; a line break and the next line's indentation
    are not part of the HTML (the f-strings they replace wrote none). A space the HTML needs is written
    inside a line."""

    def preprocess(self, source, name, filename=None):
        return re.sub(r"\n[ \t]*", "", source)


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, extensions=[JoinLines]
    )
    from .. import danish

    env.filters.update(day=danish.day, decimal=danish.decimal, percent=danish.percent, listing=danish.listing)
    return env


def compile_all() -> None:
    """Every view's template compiled with its macros, once, in a process that waits (the batch's
    template, a pre-heated live kernel), so no unit or page compiles one on its way."""
    env = environment()
    for name in env.list_templates():
        _ = env.get_template(name).module


def macro(template: str, name: str, /, **values) -> str:
    """The HTML of macro ``name`` in templates/views/``template``.html.j2, as a plain string."""
    module = environment().get_template(f"{template}.html.j2").module
    return str(getattr(module, name)(**values))


def text(value) -> str:
    """Text as HTML (for the few places that build HTML outside a template, such as a widget's label)."""
    return str(escape(value))


def escaped_forms(value: str) -> set[str]:
    """The ways a text may stand in HTML: as the templates escape it, and as Python's html.escape
    (nbconvert's) does: they differ only in how a quote is written."""
    return {str(escape(value)), html.escape(value)}


def trusted(html: str) -> Markup:
    """HTML written by stresskit itself (a template's output, a chart's figure), printed as it is."""
    return Markup(html)
