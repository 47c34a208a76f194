"""Danish formatting: dates, numbers, percents and lists as every page, table and chart writes them
(and dates and numbers as a Danish reader types them).

The only place that does: «15.11.2026», «3,5», «64 %» (a no-break space, so a figure never breaks
from its sign in print) and «a, b og c»."""

from __future__ import annotations

from datetime import date, datetime

NBSP = "\u00a0"  # between a figure and its sign: «64 %» never breaks across two lines in print
DATE = "%d.%m.%Y"


def day(value: date | None, empty: str = "") -> str:
    """A date as Danish readers write it: 15.11.2026; ``empty`` for none."""
    return value.strftime(DATE) if value else empty


def day_time(value: datetime) -> str:
    """A date with its time: 15.11.2026 14:32."""
    return value.strftime(f"{DATE} %H:%M")


def decimal(value: float, places: int = 1) -> str:
    """A number with a decimal comma: 3,5 (``places`` digits after it)."""
    return f"{value:.{places}f}".replace(".", ",")


def number(value: float) -> str:
    """A number as short as it goes, with a decimal comma: 3 and 3,5."""
    return f"{value:g}".replace(".", ",")


def percent(share: float) -> str:
    """A share (0–1) as a whole percent: «64 %», the space a no-break space."""
    return f"{share * 100:.0f}{NBSP}%"


def listing(items, last: str = "og") -> str:
    """«a, b og c»: the items joined as Danish writes them (no comma before the last)."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def short(text: str, limit: int) -> str:
    """A long text cut at a word, with «…»: the overblik is one page; the full text is in recommendation 6."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


# --- reading what a Danish reader types ------------------------------------------------
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


def parse_number(text: str) -> float | None:
    """Danish number input: '3,5' and '3.5' both read as 3.5; '' clears the answer."""
    text = text.strip().replace(" ", "")
    if not text:
        return None
    number = float(text.replace(",", "."))  # ValueError reaches the form as a message
    return int(number) if number.is_integer() else number
