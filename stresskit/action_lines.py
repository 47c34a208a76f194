"""The overblik's lines of tasks and agreements: the unit's own and the institution's, overdue
and due first, as many as the page has room for; the rest counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import actions as actions_module
from . import danish
from .danish import short
from .next_steps import MAX_TEXT
from .workbook import Workbook

MAX_ACTIONS = 6  # action rows on the page; the rest are counted
MAX_INSTITUTION = 2  # the institution's entries named on a unit's page (due first); the rest are counted


def day(value: date | str | None) -> str:
    """A date as Danish readers write it (15.11.2026); '' for none."""
    parsed = actions_module.iso_date(value) if not isinstance(value, date) else value
    return danish.day(parsed)


@dataclass
class ActionLine:
    measure: str
    responsible: str
    whose: str  # the unit it belongs to, '' when the page's own
    deadline: str  # a task's deadline; an agreement's review date
    followup: str
    status: str  # Danish status, with «forsinket» / «skal drøftes igen» in words
    overdue: bool  # a task past its deadline, or an agreement past its review date
    followup_due: bool
    agreement: bool = False
    brief: str = ""  # the measure cut shorter, for a line of running text


def _order(a, today: date) -> tuple:
    due = a.overdue(today) or a.review_due(today)
    return (
        not due,
        not actions_module.followup_due(a, today),
        (a.review if a.is_agreement else a.deadline) or "9999-12-31",
    )


def _line(book: Workbook, unit: str, a, today: date) -> ActionLine:
    """One row of the page; the whose column names a unit above only when it is not the institution
    (the institution's rows stand under their own heading)."""
    status = actions_module.STATUSES.get(a.status, a.status)
    if a.is_agreement:
        when = day(a.review)
        status = "Aftale, skal drøftes igen" if a.review_due(today) else "Aftale"  # the date stands beside it
        when = when or "ingen dato"
    else:
        when = day(a.deadline) or a.deadline_text or "ingen frist"
        if a.overdue(today):
            status = "Forsinket"  # the deadline stands beside it
        elif actions_module.followup_due(a, today):
            status += f"; opfølgning nu (aftalt {day(a.followup)})"
    return ActionLine(
        short(a.measure, MAX_TEXT),
        short(a.responsible, MAX_TEXT // 2) or "ingen ansvarlig",
        "" if a.unit in (unit, book.root_unit) else book.unit_name(a.unit),
        when,
        day(a.followup) or a.followup_text,
        status,
        a.overdue(today) or a.review_due(today),
        actions_module.followup_due(a, today),
        a.is_agreement,
        short(a.measure, MAX_TEXT // 2),
    )


def page_lines(
    book: Workbook, unit: str, items: list, today: date, limit: int = MAX_ACTIONS
) -> tuple[list[ActionLine], int]:
    """Lines for the page (overdue and due first), and how many more there are."""
    listed = sorted(items, key=lambda a: _order(a, today))
    return [_line(book, unit, a, today) for a in listed[:limit]], max(0, len(listed) - limit)


def open_below(book: Workbook, unit: str, everything: list, today: date) -> tuple[int, int]:
    """Open and overdue tasks of the units below (agreements are not tasks)."""
    units = set(book.subtree(unit)) - {unit}
    under = [a for a in everything if a.unit in units and a.is_open() and not a.is_agreement]
    return len(under), sum(a.overdue(today) for a in under)
