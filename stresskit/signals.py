"""The stress signals a unit records in signals.csv: stress-related sick leaves,
sick-leave days per FTE, staff turnover and conflicts (see guide: signal_measures).

A parent unit with no row of its own gets figures from the units below it: counts are
summed, rates weighted by headcount.

Signals are about the people in a unit, and stress-related sick leave and sick days are
health data: they follow the sensitive threshold (`min_group_sensitive`, default 10) with the
headcount as the group. A unit with fewer staff is not shown on its own (its figures still
count in the units above it), and no such group may be worked out by subtracting shown units
from one another (the region rule, see anonymity). A unit's signals are one table, so all four
follow the one threshold.

An optional ``periode`` column (for example 2025, 2026) holds several periods in one file;
periods are ordered as text, so write them the same way (years, or 2026-1 and 2026-2).
Without it the file is one period.
"""

from __future__ import annotations

import numpy as np

from . import guide as guide_module
from . import memo, tables
from .apv import anonymity
from .errors import InputError, Problem, display_name
from .workbook import INSTITUTION, Workbook

UNIT_COLUMN = "enhed"
PERIOD_COLUMN = "periode"


def read(book: Workbook, period: str | None = None) -> tuple[dict[str, dict[str, float]], list[Problem]]:
    """The rows of one period (the latest when None): unit -> measure -> value."""
    by_period, problems = read_periods(book)
    if not by_period:
        return {}, problems
    return by_period.get(period if period is not None else max(by_period), {}), problems


def periods(book: Workbook) -> list[str]:
    """The periods in signals.csv, oldest first; [""] for a file without a periode column."""
    return sorted(read_periods(book)[0])


def _key(book: Workbook, path) -> tuple:
    """What a reading depends on: the unit tree and the file's bytes (None when missing)."""

    def digest(p):
        try:
            from .workbook import file_digest  # streamed; a file too large to read is not read whole here

            return file_digest(p)
        except OSError:
            return None

    tree = digest(book.root / INSTITUTION) or id(book)  # a book not read from a file is never shared
    return (str(book.root), tree, digest(path))


def _once(name: str, book: Workbook, compute):
    """compute() once per process while institution.yaml and signals.csv are unchanged: a batch
    asks for the same institution-wide table in every unit's notebooks."""
    return memo.once(f"signals {name}", _key(book, book.signals_path), compute)


def read_periods(book: Workbook) -> tuple[dict[str, dict[str, dict[str, float]]], list[Problem]]:
    return _once("periods", book, lambda: _read_periods(book))


def _read_periods(book: Workbook) -> tuple[dict[str, dict[str, dict[str, float]]], list[Problem]]:
    path = book.signals_path
    if not path.is_file():
        return {}, []
    file = display_name(path, book.root)
    try:
        frame = tables.read(path, file)
    except InputError as exc:
        return {}, exc.problems
    measures = guide_module.default().signal_measures
    columns = list(frame.columns)
    if UNIT_COLUMN not in columns:
        return {}, [
            Problem(file, row=1, column=UNIT_COLUMN, expected=f"forventede en kolonne «{UNIT_COLUMN}» med enhedens id.")
        ]
    problems, by_period, seen = [], {}, {}
    first = frame.attrs.get("header_row", 1) + 1
    for row, record in enumerate(frame.to_dict("records"), start=first):
        # an earlier period may use a unit's old id (previous_names in institution.yaml)
        unit = book.unit_lookup.get(record[UNIT_COLUMN].casefold(), record[UNIT_COLUMN])
        period = record.get(PERIOD_COLUMN, "")
        if PERIOD_COLUMN in record and period == "":
            problems.append(Problem(file, row=row, column=PERIOD_COLUMN, expected="forventede perioden, fx 2026."))
            continue
        rows = by_period.setdefault(period, {})
        wrong = _wrong_unit(book, unit, seen.get((period, unit)))
        if wrong:
            problems.append(Problem(file, row=row, column=UNIT_COLUMN, value=unit, expected=wrong))
            continue
        seen[period, unit] = row
        values = {}
        for m in measures:
            text = record.get(m["id"], "")
            if text == "":
                continue
            number = tables.number(text)
            if np.isnan(number) or number < 0 or (m["integer"] and not float(number).is_integer()):
                kind = "et helt tal" if m["integer"] else "et tal"
                problems.append(
                    Problem(
                        file,
                        row=row,
                        column=m["id"],
                        value=text,
                        expected=f"forventede {kind} på 0 eller mere ({m['unit']}).",
                    )
                )
                continue
            values[m["id"]] = float(number)
        rows[unit] = values
    return by_period, problems


def _wrong_unit(book: Workbook, unit: str, earlier_row: int | None) -> str:
    """Why a row's unit can't take the row ('' when it can): it is no unit of the tree, or it has a row
    in the period already (two rows for one unit: neither may silently win)."""
    if unit not in book.units:
        return "forventede id'et på en enhed i institution.yaml (eller et tidligere id under previous_names)."
    if earlier_row is not None:
        return f"enheden har allerede en række (række {earlier_row}); hver enhed må kun have én række pr. periode."
    return ""


def check(book: Workbook) -> list[Problem]:
    return read(book)[1]


def withheld(book: Workbook, unit_id: str, period: str | None = None) -> str:
    """Why the unit's signals are not shown ('' when they may be, or when it has none)."""
    status = _statuses(book, period)[unit_id]
    if status in (anonymity.SHOWN, anonymity.NO_ANSWERS):
        return ""
    if status == anonymity.COMPLEMENT:
        return (
            "Stresssignalerne vises ikke for denne enhed, så tallene for en mindre gruppe ikke kan regnes ud "
            "ved at trække de viste enheders tal fra hinanden."
        )
    return (
        f"Stresssignalerne vises ikke for enheden: stressrelaterede sygemeldinger og sygefravær er "
        f"helbredsoplysninger og vises kun for enheder med mindst {book.min_group_sensitive} ansatte "
        "(og et oplyst antal ansatte). Tallene tæller med i enhederne over den."
    )


def _statuses(book: Workbook, period: str | None = None) -> dict[str, str]:
    return _once(f"statuses {period}", book, lambda: _suppressed(book, period))


def _suppressed(book: Workbook, period: str | None) -> dict[str, str]:
    # The staff a unit's figures are about: its headcount when it has a row of its own (a row
    # covers the unit and everyone under it), else the staff behind the rows below it that
    # for_unit combines — never staff whose figures are in no row. A unit without a
    # headcount counts as a small group of one.
    rows = read(book, period)[0]
    total: dict[str, int] = {}
    for unit in reversed(book.ordered()):
        below = sum(total[c] for c in book.children[unit])
        total[unit] = max(book.units[unit].headcount or 1, below) if unit in rows else below
    return anonymity.suppress(book.children, book.root_unit, total, book.min_group_sensitive)


def for_unit(book: Workbook, unit_id: str, period: str | None = None) -> dict[str, float]:
    """The unit's own figures, or those of the units below it combined (the latest period when
    None); nothing when withheld."""
    if withheld(book, unit_id, period):
        return {}
    rows, problems = read(book, period)
    if problems:
        raise InputError(problems)
    if unit_id in rows:
        return dict(rows[unit_id])  # a copy: the rows are shared by every caller (see memo)
    below = set(book.subtree(unit_id))
    # the topmost units below with a row of their own: a row already covers the units under it
    parts = [u for u in below if u in rows and not any(a in rows for a in book.ancestors(u)[1:] if a in below)]
    out = {}
    for m in guide_module.default().signal_measures:
        have = [(rows[u][m["id"]], book.units[u].headcount or 0) for u in parts if m["id"] in rows[u]]
        if not have:
            continue
        if m["integer"]:
            out[m["id"]] = float(sum(v for v, _ in have))
        elif sum(w for _, w in have):
            out[m["id"]] = round(sum(v * w for v, w in have) / sum(w for _, w in have), 1)
    return out
