"""Scoring: answers to numbers, numbers to construct scores and flags.

Each item is put on 0–100 (reverse-scored items turned around). A respondent's
construct score is the mean of the construct's answered items when at least half of
them are answered, otherwise missing (the respondent then does not count in that
construct's n). A construct with rule ``any`` (used for violence and offensive acts)
scores the highest answered item, so one reported incident counts. A respondent is
exposed when the score is at or above ``exposed_from``; for a resource, the respondent
has a low resource when the score is below ``low_below``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import tables
from ..errors import Problem
from . import labels as value_labels
from .mapping import Construct, Item, Mapping, normalise

# Answers that say «no answer» in other words. They never become a score, whatever number a
# survey tool gave them (SurveyXact codes «Ved ikke» as the scale's next number, e.g. 6 on 1–5).
DONT_KNOW = (
    "Ved ikke",
    "Ved ikke / ikke relevant",
    "Ikke relevant",
    "Vil ikke svare",
    "Ønsker ikke at svare",
    "Jeg har ingen leder",
    "Jeg har ingen nærmeste leder",
    "Har ingen leder",
    "Ikke aktuelt",
    "Don't know",
    "Do not know",
    "Not applicable",
    "N/A",
    "Prefer not to say",
    "Prefer not to answer",
    "I do not have a supervisor",
    "I don't have a supervisor",
    "I have no supervisor",
)


def _values(
    mapping: Mapping, item: Item, text: pd.Series, codes: dict[str, str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """An item's answers as numbers (NaN when not answered), and where an answer is invalid.
    With value labels (``codes``: code -> words), a code stands for its words: words that mean
    «don't know» are not answered, and a named scale scores the words."""
    # Work on the distinct answers: a column of 100,000 answers holds a handful of them.
    found, uniques = pd.factorize(text.to_numpy(dtype=object), sort=False)
    keys = [normalise(u) for u in uniques]
    words = [codes.get(value_labels.code_key(u)) if codes and k else None for u, k in zip(uniques, keys)]
    scale = mapping.scales[item.scale] if item.scale is not None else None
    dont_know = _DONT_KNOW - set(scale.labels if scale else ())

    def missing(key: str) -> bool:
        return key in mapping.missing or key in dont_know or (scale is not None and key in scale.missing)

    blank = np.array(
        [k == "" or missing(k) or (w is not None and missing(normalise(w))) for k, w in zip(keys, words)], dtype=bool
    )
    if scale is not None:
        number = np.array(
            [scale.labels.get(normalise(w) if w is not None else k, np.nan) for k, w in zip(keys, words)], dtype=float
        )
    else:
        number = tables.numbers(pd.Series(keys, dtype=object)).to_numpy(dtype=float)
        number = np.where((number < item.low) | (number > item.high), np.nan, number)
        if codes:  # a code the label file does not know is not an answer we can vouch for
            number = np.where(np.array([w is None for w in words], dtype=bool), np.nan, number)
    bad_u = ~blank & np.isnan(number)
    number = np.where(blank, np.nan, number)
    values = pd.Series(number[found] if len(uniques) else np.full(len(text), np.nan), index=text.index)
    bad = pd.Series(bad_u[found] if len(uniques) else np.zeros(len(text), dtype=bool), index=text.index)
    return values, bad


_DONT_KNOW = frozenset(normalise(x) for x in DONT_KNOW)


def _bad_answer(
    mapping: Mapping,
    item: Item,
    file: str,
    row: int,
    column: str,
    codes: dict[str, str] | None,
    label_file: str | None,
    cell: str,
) -> Problem:
    # A cell is not quoted where it may hold what someone typed; the label file's words may be.
    if codes:
        word = codes.get(value_labels.code_key(cell))
        if word is None:
            known = ", ".join(f"{c} = {w}" for c, w in list(codes.items())[:8])
            source = f"etiketfilen «{label_file}»" if label_file else "filens værdietiketter"
            return Problem(
                file, row=row, column=column, expected=f"koden har ingen etiket i {source}; den kender {known}."
            )
        if item.scale is None:
            return Problem(
                file,
                row=row,
                column=column,
                expected=f"svaret betyder «{word}» i etiketfilen, og koden ligger uden for skalaen "
                f"{_num(item.low)}–{_num(item.high)}. Betyder det «ikke besvaret», så skriv "
                "ordet under missing_values.",
            )
        scale = mapping.scales[item.scale]
        return Problem(
            file,
            row=row,
            column=column,
            expected=f"svaret betyder «{word}» i etiketfilen, men skalaen «{scale.name}» kender "
            f"{', '.join(scale.shown)}. Tilføj ordet til skalaen, eller under missing.",
        )
    if item.scale is None:  # as before label files: a numeric column's cell is named, as the analyst sees it
        return Problem(
            file,
            row=row,
            column=column,
            value=cell,
            expected=f"forventede et tal fra {_num(item.low)} til {_num(item.high)} eller et tomt felt.",
        )
    scale = mapping.scales[item.scale]
    note = f" Etiketfilen «{label_file}» har ingen etiketter for variablen." if label_file else ""
    return Problem(
        file,
        row=row,
        column=column,
        expected=f"ukendt svar; skalaen «{scale.name}» kender {', '.join(scale.shown)}"
        + (
            " (og tomt felt som ikke besvaret)."
            if not scale.missing
            else f", og {', '.join(sorted(scale.missing))} som ikke besvaret."
        )
        + note,
    )


def _score(
    constructs: dict[str, Construct], items: list[Item], scaled: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    scores, flags = {}, {}
    for cid, construct in constructs.items():
        if construct.kind == "combination":
            continue
        cols = [i.column for i in items if i.construct == cid]
        block = scaled[cols]
        if construct.rule == "any":
            score = block.max(axis=1)
        else:
            answered = block.notna().sum(axis=1)
            score = block.mean(axis=1).where(answered >= math.ceil(len(cols) / 2))
        scores[cid] = score
        flag = score >= construct.exposed_from if construct.kind == "exposure" else score < construct.low_below
        flags[cid] = flag.astype("float").where(score.notna())
    for cid, construct in constructs.items():
        if construct.kind == "combination":
            a, b = (flags[p] for p in construct.parts)
            flags[cid] = (a * b).where(a.notna() & b.notna())
            scores[cid] = pd.Series(np.nan, index=scaled.index)
    return (
        pd.DataFrame(scores, index=scaled.index).reset_index(drop=True),
        pd.DataFrame(flags, index=scaled.index).reset_index(drop=True),
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")
