"""The stress signals a unit records in signals.csv: stress-related sick leaves,
sick-leave days per FTE, staff turnover and conflicts (see guide: signal_measures).

A parent unit with no row of its own gets figures from the units below it: counts are
summed, rates weighted by headcount.
"""
from __future__ import annotations

import numpy as np

from . import guide as guide_module
from . import tables
from .problems import InputError, Problem, display_name
from .workbook import Workbook

UNIT_COLUMN = "enhed"


def read(book: Workbook) -> tuple[dict[str, dict[str, float]], list[Problem]]:
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
        return {}, [Problem(file, row=1, column=UNIT_COLUMN, expected=f"forventede en kolonne «{UNIT_COLUMN}» med enhedens id.")]
    problems, rows, first = [], {}, {}
    for row, record in enumerate(frame.to_dict("records"), start=2):
        unit = record[UNIT_COLUMN]
        if unit not in book.units:
            problems.append(Problem(file, row=row, column=UNIT_COLUMN, value=unit, expected="forventede id'et på en enhed i institution.yaml."))
            continue
        if unit in first:  # two rows for one unit: neither may silently win
            problems.append(Problem(file, row=row, column=UNIT_COLUMN, value=unit,
                                    expected=f"enheden har allerede en række (række {first[unit]}); hver enhed må kun have én række."))
            continue
        first[unit] = row
        values = {}
        for m in measures:
            text = record.get(m["id"], "")
            if text == "":
                continue
            number = tables.number(text)
            if np.isnan(number) or number < 0 or (m["integer"] and not float(number).is_integer()):
                kind = "et helt tal" if m["integer"] else "et tal"
                problems.append(Problem(file, row=row, column=m["id"], value=text, expected=f"forventede {kind} på 0 eller mere ({m['unit']})."))
                continue
            values[m["id"]] = float(number)
        rows[unit] = values
    return rows, problems


def check(book: Workbook) -> list[Problem]:
    return read(book)[1]


def for_unit(book: Workbook, unit_id: str) -> dict[str, float]:
    """The unit's own figures, or those of the units below it combined."""
    rows, problems = read(book)
    if problems:
        raise InputError(problems)
    if unit_id in rows:
        return rows[unit_id]
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
