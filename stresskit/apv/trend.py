"""Change between APV rounds: per unit and construct, the share in each round and whether the
change since the previous round is notable.

Works only on anonymised results (one `apv.Results` per round, each round anonymised on its
own), so a change is computed only where both rounds' figures are shown.

The rule for a notable difference (``RULE_TEXT`` and ``RULE_HIGHER`` are how a report says it):
Fisher's exact test, two-sided, p < 0.05, on the 2×2 table of counts (exposed and not exposed,
or with a low resource and without, in each of the two groups). The same test decides
«tydeligt bedre/værre» between rounds and «markant højere» for a unit against the rest of the
institution (overblik.markedly_higher). Fisher's test is exact at every group size, which the
two-proportion z-test used before is not: with groups of 5–20 the z-test called differences
notable that the exact test puts at p = 0.06–0.17. A fixed number of percentage points was
rejected too: in a group of 6 one person moves the share 17 points, in a group of 200 a 5-point
move is solid, and a test weighs exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import comb, exp, fsum, lgamma, log1p

from .aggregates import SHOWN, Results

RULE_TEXT = (
    "En ændring kaldes «tydeligt bedre» eller «tydeligt værre», når forskellen mellem de to runders andele "
    "er så stor, at den kun sjældent (under 5\u00a0% af gangene) ville opstå af tilfældigheder alene med så mange "
    "svar, som der er i hver runde (Fishers eksakte test). En mindre ændring kan være tilfældig og kaldes ikke "
    "tydelig; jo færre svar, jo større skal ændringen være."
)

RULE_HIGHER = (
    "«Markant højere»: enhedens andel er højere end i resten af institutionen (uden enheden selv), og "
    "forskellen ville kun sjældent (under 5\u00a0% af gangene) opstå af tilfældigheder med så mange svar "
    "(Fishers eksakte test); kun hvor begge tal vises."
)

BETTER, WORSE, SAME = "better", "worse", "same"


LEVEL = Fraction(1, 20)  # p < 0.05, two-sided, compared exactly (a float p of 0.05 can come out 0.04999…)
TIE = 10**7  # tables as likely as the one observed within 1 part in 10^7 count as equally likely (as scipy's test)


@lru_cache(maxsize=65536)  # a pure function of four counts; an index of many small units repeats them
def p_exact(x1: int, n1: int, x2: int, n2: int) -> Fraction:
    """Fisher's exact test, two-sided, of x1 of n1 against x2 of n2: with the margins fixed (n1, n2
    and x1 + x2), the probability of a table no more likely than the one observed. Counted in whole
    numbers, so no rounding decides a claim: a table's weight is C(n1, k)·C(n2, x − k) out of
    C(n1 + n2, x). (scipy.stats.fisher_exact gives the same p to 1e-14, tests/test_apv_rounds.py
    checks it, and costs a process about 0.9 CPU s to import.)"""
    x = x1 + x2
    low, high = max(0, x - n2), min(n1, x)
    weight = comb(n1, low) * comb(n2, x - low)
    seen = comb(n1, x1) * comb(n2, x2)
    tail = 0
    for k in range(low, high + 1):
        if weight * TIE <= seen * (TIE + 1):
            tail += weight
        weight = weight * (n1 - k) * (x - k) // ((k + 1) * (n2 - x + k + 1))  # the next table's weight, whole
    return Fraction(tail, comb(n1 + n2, x))


EXACT_UP_TO = 5000  # respondents in both groups together counted in whole numbers (≤ 10 ms; 40,000 take 0.9 s)


def _lcomb(n: int, k: int) -> float:
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)


@lru_cache(maxsize=65536)
def _p_float(x1: int, n1: int, x2: int, n2: int) -> float:
    """The same sum in floating point, each weight from log-gamma (relative error about 1e-10): for
    large groups, where the whole numbers have tens of thousands of digits."""
    x = x1 + x2
    weights = [_lcomb(n1, k) + _lcomb(n2, x - k) for k in range(max(0, x - n2), min(n1, x) + 1)]
    seen = _lcomb(n1, x1) + _lcomb(n2, x2)
    tied = seen + log1p(1 / TIE)
    tail = fsum(exp(w - seen) for w in weights if w <= tied)
    return min(1.0, tail * exp(seen - _lcomb(n1 + n2, x)))


def p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Fisher's p as a float: from the whole numbers up to EXACT_UP_TO respondents, else from log-gamma."""
    if n1 + n2 <= EXACT_UP_TO:
        return float(p_exact(x1, n1, x2, n2))
    return _p_float(x1, n1, x2, n2)


def differs(x1: int, n1: int, x2: int, n2: int) -> bool:
    """The stated rule on counts: Fisher's exact test, two-sided, p < 0.05; a p within 1e-6 of 0.05
    is decided in whole numbers, so no rounding decides a claim."""
    if n1 <= 0 or n2 <= 0 or not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        return False
    p = p_value(x1, n1, x2, n2)
    if abs(p - float(LEVEL)) > 1e-6:
        return p < LEVEL
    return p_exact(x1, n1, x2, n2) < LEVEL


def count(share: float, n: int) -> int:
    """The count behind a shown share (a share is count / n, so rounding gives the count back)."""
    return round(share * n)


def notable(share1: float, n1: int, share2: float, n2: int) -> bool:
    """The stated rule on the shares of two groups and their sizes."""
    if n1 <= 0 or n2 <= 0:
        return False
    return differs(count(share1, n1), n1, count(share2, n2), n2)


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
    (status1, n1, share1), (status2, n2, share2) = previous.figures[unit, construct], latest.figures[unit, construct]
    if status1 != SHOWN or status2 != SHOWN:
        return None
    n1, n2 = int(n1), int(n2)
    return Change(construct, float(share1), float(share2), n1, n2, notable(float(share1), n1, float(share2), n2))


def changes(previous: Results, latest: Results, unit: str, constructs: list[str]) -> dict[str, Change]:
    out = {}
    for cid in constructs:
        c = change(previous, latest, unit, cid)
        if c is not None:
            out[cid] = c
    return out


def units_by_direction(
    previous: Results, latest: Results, units: list[str], constructs: list[str]
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
