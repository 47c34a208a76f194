"""Which rows of a round count and whose they are: the completed responses (``completed:``) and
each row's unit, read from unit ids, names or codes. A bad value is one problem naming it and
how many rows hold it, so a file of thousands of rows gives a short list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem
from ..workbook import Workbook
from . import labels as value_labels
from .mapping import Completion, Mapping, normalise

MAX_LISTED = 25  # problems listed per file before summing up the rest


def completed_rows(
    rule: Completion | None, frame: pd.DataFrame, labels: value_labels.ValueLabels, file: str, header: int, where
) -> tuple[np.ndarray, list[Problem]]:
    """Which rows are completed responses (``completed:`` in mapping.yaml); every row without a rule."""
    if rule is None:
        return np.ones(len(frame), dtype=bool), []
    if rule.column not in frame.columns:
        return np.zeros(len(frame), dtype=bool), [
            Problem(
                file,
                row=header,
                column=rule.column,
                expected="statuskolonnen, som completed i mapping.yaml nævner, findes ikke i filen.",
            )
        ]
    codes, uniques = pd.factorize(frame[rule.column].to_numpy(dtype=object))
    keys = np.array([normalise(value_labels.code_key(u)) for u in uniques] + [""], dtype=object)[codes]
    others = rule.others
    if others is None:
        known = labels.get(rule.column)
        others = frozenset(known) - {rule.equals} if known else frozenset({"0", ""} if rule.equals == "1" else {""})
    done = keys == normalise(rule.equals)  # «Gennemført» and «gennemført» alike
    odd = ~done & ~np.isin(keys, [normalise(x) for x in others])
    expected = (
        f"{rule.equals} betyder gennemført, {', '.join(sorted(others - {''})) or 'intet'}"
        f"{' eller tomt felt' if '' in others else ''} ikke gennemført"
    )
    if odd.any():
        first = int(np.flatnonzero(odd)[0])
        return done, [
            Problem(
                file,
                row=int(frame.index[first]) + header + 1,
                column=where(rule.column),
                expected=f"{int(odd.sum())} rækker har en anden værdi i statuskolonnen end forventet "
                f"({expected}). Betyder værdien «ikke gennemført», så skriv den under "
                "completed.others i mapping.yaml.",
            )
        ]
    if not done.any():
        return done, [
            Problem(
                file,
                column=where(rule.column),
                expected=f"ingen række er en gennemført besvarelse ({expected}); tjek completed i mapping.yaml.",
            )
        ]
    return done, []


def unit_ids(
    book: Workbook,
    mapping: Mapping,
    frame: pd.DataFrame,
    labels: value_labels.ValueLabels,
    file: str,
    header: int,
    where,
) -> tuple[pd.Series, list[Problem]]:
    """Each row's unit id. The unit column may hold unit ids or names (current or earlier ones),
    or codes: named by ``unit_codes:`` in mapping.yaml, or by the label file's words for them.
    An unknown value is one problem, naming it and how many rows hold it."""
    lookup = book.unit_lookup
    coded = labels.get(mapping.unit_column, {})
    raw = frame[mapping.unit_column]
    codes, names = pd.factorize(raw.to_numpy(dtype=object))  # a few names, many rows
    ids, why = [], {}
    for n in names:
        text = str(n).strip()
        key = value_labels.code_key(text)
        if key in mapping.unit_codes:
            unit = lookup.get(mapping.unit_codes[key].casefold())
            reason = f"unit_codes i mapping.yaml giver koden enheden «{mapping.unit_codes[key]}», som ikke findes i institution.yaml."
        elif key in coded:
            unit = lookup.get(coded[key].casefold())
            reason = (
                f"etiketfilen kalder koden «{coded[key]}», men ingen enhed i institution.yaml hedder sådan. Skriv navnet "
                "under previous_names for enheden, eller giv koden en enhed under unit_codes i mapping.yaml."
            )
        else:
            unit = lookup.get(text.casefold())
            reason = (
                "forventede id eller navn på en enhed i institution.yaml. Hed enheden sådan i en tidligere runde, så "
                "skriv navnet under previous_names for enheden, den hedder nu. Er det en kode, så giv den en enhed "
                "under unit_codes i mapping.yaml."
            )
        ids.append(unit)
        if unit is None:
            why[len(ids) - 1] = reason
    units = pd.Series(np.array(ids + [None], dtype=object)[codes], index=raw.index, dtype=object)
    problems = []
    for k, reason in list(why.items())[:MAX_LISTED]:
        rows = np.flatnonzero(codes == k)
        problems.append(
            Problem(
                file,
                row=int(raw.index[rows[0]]) + header + 1,
                column=where(mapping.unit_column),
                value=str(names[k]).strip() or None,
                expected=("enheden mangler" if not str(names[k]).strip() else reason)
                + f" ({len(rows)} {'række' if len(rows) == 1 else 'rækker'})",
            )
        )
    problems += more(file, len(why), "ukendte enheder")
    return units, problems


def more(file: str, count: int, what: str) -> list[Problem]:
    if count <= MAX_LISTED:
        return []
    return [Problem(file, expected=f"… og {count - MAX_LISTED} {what} mere end de viste.")]
