"""Danish formatting in one place (stresskit.danish), and HTML escaped in one place (stresskit.views.render)."""

import re
from datetime import date, datetime
from pathlib import Path

from stresskit import danish

PACKAGE = Path(__file__).resolve().parent.parent / "stresskit"


def test_dates():
    assert danish.day(date(2026, 11, 5)) == "05.11.2026"
    assert danish.day(datetime(2027, 3, 24, 14, 32)) == "24.03.2027"
    assert danish.day(None) == ""
    assert danish.day(None, "–") == "–"
    assert danish.day_time(datetime(2026, 12, 6, 9, 5)) == "06.12.2026 09:05"


def test_numbers():
    assert danish.decimal(3.44) == "3,4"
    assert danish.decimal(12.0) == "12,0"
    assert danish.decimal(1.234, 2) == "1,23"
    assert danish.number(3.5) == "3,5"
    assert danish.number(3.0) == "3"
    assert danish.number(7) == "7"


def test_percents():
    assert danish.percent(0.64) == "64\u00a0%"
    assert danish.percent(0) == "0\u00a0%"
    assert danish.percent(1) == "100\u00a0%"


def test_lists():
    assert danish.listing([]) == ""
    assert danish.listing(["a"]) == "a"
    assert danish.listing(["a", "b"]) == "a og b"
    assert danish.listing(["a", "b", "c"]) == "a, b og c"
    assert danish.listing(["a", "b", "c"], "eller") == "a, b eller c"


def test_no_date_format_outside_danish():
    """The Danish date format is written in danish.py only."""
    found = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "danish.py" and re.search(r"%d\.%m\.%Y", p.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_escape_only_in_render():
    """HTML is escaped by the Jinja environment in views/render.py, never by hand."""
    render = PACKAGE / "views" / "render.py"
    found = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p != render and "escape(" in p.read_text(encoding="utf-8")
    ]
    assert found == []


def test_templates_escape_what_they_are_given():
    """Autoescape is on: text reaches a page as text, quotes included."""
    from stresskit.views import render

    html = render.macro("base", "note", text="<script>alert('x')</script> & «fælles»")
    assert html == "<p class='sk-note'>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; «fælles»</p>"
    assert render.macro("macros", "figure", svg="AAAA", alt="'><img src=x>").count("<img") == 1
