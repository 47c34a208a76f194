"""Change between APV rounds: per unit and construct, the share in each round and whether the
change since the previous round is notable.

Works only on anonymised results (one `apv.Results` per round, each round anonymised on its
own), so a change is computed only where both rounds' figures are shown.

The rule for a notable change (``RULE_TEXT`` is how a report says it): a two-proportion
z-test at the 5 % level. With the pooled share p = (x1 + x2) / (n1 + n2), the change is
notable when |p2 − p1| / sqrt(p (1 − p) (1/n1 + 1/n2)) ≥ 1.96. Both groups are at least k,
because a figure below k is never shown. A fixed number of percentage points was rejected:
in a group of 6 one person moves the share 17 points, in a group of 200 a 5-point move is
solid, and a test weighs exactly that.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .apv import SHOWN, Results

Z_CRITICAL = 1.959963984540054  # two-sided 5 %

RULE_TEXT = ("En ændring kaldes tydelig, når forskellen mellem de to runders andele er så stor, at den sjældent "
             "(under 5\u00a0% af gangene) ville opstå af tilfældigheder alene med så mange svar, som der er i begge runder "
             "(en test for to andele). En mindre ændring kan være tilfældig og kaldes ikke tydelig.")

BETTER, WORSE, SAME = "better", "worse", "same"


def notable(share1: float, n1: int, share2: float, n2: int) -> bool:
    """Two-proportion z-test at 5 %, on the counts behind the shares."""
    if n1 <= 0 or n2 <= 0:
        return False
    x1, x2 = round(share1 * n1), round(share2 * n2)
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return False  # everyone or no one in both rounds: no change
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return abs(x2 / n2 - x1 / n1) / se >= Z_CRITICAL


@dataclass(frozen=True)
class Change:
    construct: str
    previous: float  # share 0–1 in the previous round
    latest: float
    n_previous: int
    n_latest: int
    notable: bool

    @property
    def points(self) -> float:
        """The change in percentage points; up is worse for exposures and low resources alike."""
        return (self.latest - self.previous) * 100

    @property
    def direction(self) -> str:
        if not self.notable:
            return SAME
        return WORSE if self.latest > self.previous else BETTER


def change(previous: Results, latest: Results, unit: str, construct: str) -> Change | None:
    """The change since the previous round, or None unless both rounds show the figure."""
    if construct not in previous.constructs or construct not in latest.constructs:
        return None
    a, b = previous.table.loc[(unit, construct)], latest.table.loc[(unit, construct)]
    if a["status"] != SHOWN or b["status"] != SHOWN:
        return None
    n1, n2 = int(a["n"]), int(b["n"])
    return Change(construct, float(a["share"]), float(b["share"]), n1, n2,
                  notable(float(a["share"]), n1, float(b["share"]), n2))


def changes(previous: Results, latest: Results, unit: str, constructs: list[str]) -> dict[str, Change]:
    out = {}
    for cid in constructs:
        c = change(previous, latest, unit, cid)
        if c is not None:
            out[cid] = c
    return out


def units_by_direction(previous: Results, latest: Results, units: list[str], constructs: list[str]
                       ) -> tuple[dict[str, list[Change]], dict[str, list[Change]]]:
    """The units with a notable improvement and those with a notable worsening, with the changes."""
    better, worse = {}, {}
    for u in units:
        for c in changes(previous, latest, u, constructs).values():
            if c.direction == BETTER:
                better.setdefault(u, []).append(c)
            elif c.direction == WORSE:
                worse.setdefault(u, []).append(c)
    return better, worse


def direction_counts(previous: Results, latest: Results, unit: str, constructs: list[str]) -> dict[str, int]:
    """How many of the unit's figures got notably better, notably worse or stayed (for an overblik or index line)."""
    counts = {BETTER: 0, WORSE: 0, SAME: 0}
    for c in changes(previous, latest, unit, constructs).values():
        counts[c.direction] += 1
    return counts
