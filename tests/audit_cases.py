"""Institutions for the cross-measure audit (tests/audit.py): random trees, respondents placed at
random (inner units too), random exposure patterns with whole units at 0 % and 100 %, run
through stresskit's real aggregation and export, and read back as the audit reads a file.

``old_rule()`` publishes as main did before the rule across measures (a combination shown
wherever it and its parts pass their own tree rule), so a test can show what the audit finds
there."""

from __future__ import annotations

import contextlib
import random
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from stresskit import apv, figures, sheets
from stresskit.apv import anonymity
from stresskit.workbook import Unit, Workbook

import audit

COMBO = "kombination.vold_arbejdsmaengde"
CONSTRUCTS = {
    "arbejdsmaengde": apv.Construct("arbejdsmaengde", "Arbejdsmængde", "exposure", False, exposed_from=50),
    "vold": apv.Construct("vold", "Vold", "exposure", True, rule="any", exposed_from=50),
    COMBO: apv.Construct(COMBO, "Vold + arbejdsmængde", "combination", True, parts=("vold", "arbejdsmaengde")),
}


def book_of(parents: dict, k: int = 5, k_sensitive: int = 10) -> Workbook:
    return Workbook(
        Path("."),
        "Test",
        "kommune",
        {u: Unit(u, u, p) for u, p in parents.items()},
        min_group=k,
        min_group_sensitive=k_sensitive,
    )


def survey_of(people: list[tuple[str, float, float]]) -> apv.Survey:
    """people: (unit, workload score, violence score), a score NaN when not answered."""
    scores = pd.DataFrame({"arbejdsmaengde": [p[1] for p in people], "vold": [p[2] for p in people]})
    flags = (scores >= 50).astype(float).where(scores.notna())
    flags[COMBO] = (flags["vold"] * flags["arbejdsmaengde"]).where(
        flags["vold"].notna() & flags["arbejdsmaengde"].notna()
    )
    scores[COMBO] = np.nan
    rnd = apv.Round(
        "r", "r.csv", pd.Series([p[0] for p in people], dtype=object), scores, flags, constructs=dict(CONSTRUCTS)
    )
    return apv.Survey(apv.Mapping("enhed", [], dict(CONSTRUCTS)), [rnd])


def published(book: Workbook, survey: apv.Survey) -> list[dict]:
    """What export-figures writes for this survey, written to a .csv and read back."""
    rows = figures.rows_of(book, [apv.aggregate(book, survey, r.name) for r in survey.rounds])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tal.csv"
        sheets.write(path, [("APV-tal", figures.HEADER, rows)])
        return audit.read(path)


@contextlib.contextmanager
def old_rule():
    """Publish as main did: no check that a combination's parts are shown alike below it."""
    keep = anonymity.unlike_below
    anonymity.unlike_below = lambda *args: set()
    try:
        yield
    finally:
        anonymity.unlike_below = keep


def random_institution(rng: random.Random) -> tuple[Workbook, apv.Survey]:
    """2–9 units; 0–25 respondents per unit (some coded to inner units); per unit a workload and a
    violence pattern: nobody, everybody or a random share exposed; a few unanswered questions."""
    parents = {"u0": None}
    for i in range(1, rng.randint(2, 9)):
        parents[f"u{i}"] = f"u{rng.randrange(i)}"
    inner = {p for p in parents.values() if p}
    people = []
    for u in parents:
        count = rng.choice([0, 0, 2, 3, 5, 6, 8, 10, 12, 20]) if u not in inner else rng.choice([0, 0, 0, 2, 6])
        work, violence = (rng.choice([0.0, 1.0, rng.random()]) for _ in range(2))
        missing = rng.choice([0.0, 0.0, 0.1])
        for _ in range(count):
            people.append(
                (
                    u,
                    np.nan if rng.random() < missing else (100.0 if rng.random() < work else 0.0),
                    np.nan if rng.random() < missing else (100.0 if rng.random() < violence else 0.0),
                )
            )
    if not people:
        people.append(("u0", 0.0, 0.0))
    return book_of(parents), survey_of(people)
