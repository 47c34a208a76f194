"""An audit of what `stresskit export-figures` publishes, written from the definition in
DESIGN.md («Anonymity») and sharing no code with stresskit: it reads the exported file (or
its rows) and nothing else, and asks integer linear programs what a reader can work out.

The model, per round (rounds are separate surveys: no respondent is in two of them):
unknown non-negative integers per *atom*, the smallest groups the tree knows — every unit
without sub-units, and every own group («<unit>:egen», the respondents coded to an inner unit
itself). An inner unit without an own group has nobody coded to it itself (the export lists
own groups wherever there are any). Per atom:

    R                    respondents
    n[m], e[m]           per measure m that is not a combination: those who answered it, and
                         those exposed (for a resource: with a low resource)
    c11, c10, c01, c00   per combination of a and b: among those who answered both, exposed to
                         both, to a only, to b only, to neither

with e ≤ n ≤ R; c11 + c10 ≤ e[a], c01 + c00 ≤ n[a] − e[a], c11 + c01 ≤ e[b],
c10 + c00 ≤ n[b] − e[b], and n[a] + n[b] − (c11 + c10 + c01 + c00) ≤ R.

Every published figure of a unit is a sum over the atoms in its subtree: the respondent count;
per measure n, and the exposed count e = share · n (for a combination n = the four cells, e =
c11; the file's four decimals give e exactly for n below 5,000). Statuses are published too:
«Ingen besvarelser» is 0, «færre end k» is at most k − 1, and any other withheld reason is at
least k — except for a figure withheld with one it builds on (the unit's respondent count, a
combination's part), which gives that one's reason and so says nothing of its own size. An own
group's rows say that someone is coded there. Means are sums of scores over the same groups as
n and are not modelled: a group whose n is protected protects its mean too. Not modelled either:
that two combinations sharing a part must come from one three-way table per atom: a reader who
used that could narrow some ranges further than this audit does.

The groups checked: every atom, every unit's subtree (so every withheld figure), every region of
every measure's shown units (a shown unit's subtree minus the subtrees of its nearest shown
descendants), and the overlap and the differences of any two such regions — each for every
measure, so a group that one measure's figures isolate is checked in all the others.

A leak, for a group g and a measure m (k = min_group, k_m = the measure's threshold):
  L1  g's respondent count is pinned to one value in 1..k−1: a group of fewer than k is
      isolated. (How many in g answered a measure is a size too, but it says who answered, not
      what: it matters only with the measure's count, and L2 asks about that.)
  L2  g's exposed count in m is pinned to one value above 0 while g may hold fewer than k_m
      who answered m (the smallest n it can have is below k_m): a withheld figure of a small
      group is known. (Pinned at 0 says that nobody there reported it — what a shown 0 % says
      for the larger group around it; and for an ordinary measure, a count that equals everyone in
      g says what a shown 100 % says for the larger group around it, which DESIGN.md allows.)
  L3  m is sensitive, g may be non-empty, and in every solution everyone in g who answered m is
      exposed (the largest n − e is 0): each member's answer is known, however large g is.
Bounds are exact: scipy.optimize.milp with every unknown integer (an LP relaxation's bounds are
too wide to prove a leak closed). The LP relaxation is solved first, and its answer is taken only
when its optimal vertex is already integer (then it is the integer optimum too). A pool of
integer solutions found along the way settles most questions without a solve: a value that
differs between two solutions is not pinned.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

RESPONDENTS = "besvarelser"
OWN = ":egen"
CELLS = ("c11", "c10", "c01", "c00")
BIG = 10**6  # no count is larger


@dataclass(frozen=True)
class Leak:
    round: str
    rule: str  # L1, L2, L3
    measure: str
    group: str  # how the group was found, e.g. «subtree kantine»
    atoms: tuple
    value: int | None = None

    def __str__(self) -> str:
        return f"{self.round}: {self.rule} {self.measure} {self.group} {self.atoms} = {self.value}"


@dataclass
class Measure:
    id: str
    sensitive: bool
    k: int
    parts: tuple = ()


@dataclass
class Round:
    name: str
    parent: dict = field(default_factory=dict)  # node -> parent ('' for the root)
    measures: dict = field(default_factory=dict)  # id -> Measure (RESPONDENTS first)
    figures: dict = field(default_factory=dict)  # (node, measure) -> (n or None, share or None, status)


NOT_MEASURED = "ikke målt i jeres APV"


def read(path: Path | str) -> list[dict]:
    """The rows of an exported .csv (as stresskit writes it: semicolons, decimal commas)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _number(text: str) -> float | None:
    return None if text in ("", None) else float(str(text).replace(",", "."))


def rounds(rows: list[dict]) -> list[Round]:
    out: dict[str, Round] = {}
    for r in rows:
        if r["Status"] == NOT_MEASURED:  # states that the APV has no such measure: no figure, no constraint
            continue
        rnd = out.setdefault(r["Runde"], Round(r["Runde"]))
        node = r["Enhed-id"]
        rnd.parent[node] = r["Overenhed-id"]
        mid = r["Mål-id"]
        if mid not in rnd.measures:
            parts = tuple(x for x in r["Kombination af"].split(" og ") if x)
            rnd.measures[mid] = Measure(mid, r["Følsomt"] == "ja", int(r["Mindste gruppe"]), parts)
        n = _number(r["Svar (n)"])
        rnd.figures[(node, mid)] = (None if n is None else int(n), _number(r["Andel"]), r["Status"])
    return list(out.values())


class Model:
    """The unknowns and constraints of one round."""

    def __init__(self, rnd: Round):
        self.rnd = rnd
        parent = rnd.parent
        kids = {u: [v for v, p in parent.items() if p == u] for u in parent}
        self.k = rnd.measures[RESPONDENTS].k
        self.atoms = [u for u in parent if not kids[u]]
        self.position = {a: i for i, a in enumerate(self.atoms)}
        self.root = next(u for u, p in parent.items() if not p)
        self.plain = [m for m in rnd.measures.values() if m.id != RESPONDENTS and not m.parts]
        self.combos = [m for m in rnd.measures.values() if m.parts]
        names = (
            ["R"]
            + [f"{w}:{m.id}" for m in self.plain for w in "ne"]
            + [f"{c}:{m.id}" for m in self.combos for c in CELLS]
        )
        self.per_atom = len(names)
        self.offset = {name: i for i, name in enumerate(names)}
        self.size = self.per_atom * len(self.atoms)
        self.below = {u: [] for u in parent}  # node -> atoms in its subtree
        for a in self.atoms:
            u = a
            while u:
                self.below[u].append(a)
                u = parent[u]
        self.rows, self.lo, self.hi, self._matrix = [], [], [], csr_array((0, 0))
        self._atom_constraints()
        self._published()

    def var(self, atom: str, name: str) -> int:
        return self.position[atom] * self.per_atom + self.offset[name]

    def vector(self, atoms, terms) -> np.ndarray:
        """Σ over atoms of Σ coefficient · unknown, terms = [(name, coefficient)]."""
        v = np.zeros(self.size)
        for a in atoms:
            for name, coef in terms:
                v[self.var(a, name)] += coef
        return v

    def _add(self, v, lo, hi):
        self.rows.append(v)
        self.lo.append(lo)
        self.hi.append(hi)

    def _atom_constraints(self):
        for a in self.atoms:
            for m in self.plain:
                self._add(self.vector([a], [(f"e:{m.id}", 1), (f"n:{m.id}", -1)]), -np.inf, 0)
                self._add(self.vector([a], [(f"n:{m.id}", 1), ("R", -1)]), -np.inf, 0)
            for m in self.combos:
                a_, b_ = m.parts
                cell = lambda c: f"{c}:{m.id}"  # noqa: E731, B023  (used at once, inside this iteration)
                for cells, bound in (
                    ((("c11", "c10")), [(f"e:{a_}", -1)]),
                    ((("c01", "c00")), [(f"n:{a_}", -1), (f"e:{a_}", 1)]),
                    ((("c11", "c01")), [(f"e:{b_}", -1)]),
                    ((("c10", "c00")), [(f"n:{b_}", -1), (f"e:{b_}", 1)]),
                ):
                    self._add(self.vector([a], [(cell(c), 1) for c in cells] + bound), -np.inf, 0)
                self._add(
                    self.vector([a], [(f"n:{a_}", 1), (f"n:{b_}", 1), ("R", -1)] + [(cell(c), -1) for c in CELLS]),
                    -np.inf,
                    0,
                )

    def terms(self, measure: str, what: str) -> list:
        """The unknowns behind a figure: what is 'n' (size), 'e' (exposed) or 'free' (n − e)."""
        if measure == RESPONDENTS:
            return [("R", 1)]
        m = self.rnd.measures[measure]
        if m.parts:
            n = [(f"{c}:{measure}", 1) for c in CELLS]
            e = [(f"c11:{measure}", 1)]
            free = [(f"{c}:{measure}", 1) for c in CELLS[1:]]
        else:
            n, e = [(f"n:{measure}", 1)], [(f"e:{measure}", 1)]
            free = [(f"n:{measure}", 1), (f"e:{measure}", -1)]
        return {"n": n, "e": e, "free": free}[what]

    def _published(self):
        for (node, mid), (n, share, status) in self.rnd.figures.items():
            k = self.rnd.measures[mid].k
            size = self.vector(self.below[node], self.terms(mid, "n"))
            if n is not None:
                self._add(size, n, n)
                if share is not None:
                    e = int(round(share * n))
                    self._add(self.vector(self.below[node], self.terms(mid, "e")), e, e)
            elif status.startswith("Ingen"):
                self._add(size, 0, 0)
            elif "færre end" in status:
                self._add(size, 0, k - 1)
            elif not self._linked(node, mid):
                self._add(size, k, np.inf)

    def _linked(self, node: str, measure: str) -> bool:
        """A figure withheld with a figure it builds on (the unit's respondent count, a combination's
        part) gives that one's reason, so its own reason says nothing about its own size."""
        if measure == RESPONDENTS:
            return False
        builds_on = [RESPONDENTS, *self.rnd.measures[measure].parts]
        return any(
            self.rnd.figures[(node, b)][0] is None and not self.rnd.figures[(node, b)][2].startswith("Ingen")
            for b in builds_on
        )
        for node in self.rnd.parent:
            if node.endswith(OWN):
                self._add(self.vector([node], [("R", 1)]), 1, np.inf)

    def solve(self, objective: np.ndarray) -> tuple[float, np.ndarray] | None:
        """The least value of objective · x over the integer solutions, and a solution that has it.
        The LP relaxation first: when its optimum is already an integer vertex, that is the answer."""
        constraints = LinearConstraint(self.matrix, self.lo, self.hi)
        for integrality in (np.zeros(self.size), np.ones(self.size)):
            res = milp(objective, integrality=integrality, bounds=Bounds(0, BIG), constraints=constraints)
            if res.status == 2:
                return None
            if not res.success:
                raise RuntimeError(f"the audit's program failed: {res.message}")
            x = np.round(res.x)
            if np.abs(res.x - x).max() < 1e-7:
                return float(objective @ x), x
        raise RuntimeError("the audit's integer program returned a fractional solution")

    @property
    def matrix(self) -> np.ndarray:
        if self._matrix.shape[0] != len(self.rows):
            self._matrix = csr_array(np.array(self.rows))
        return self._matrix

    def shown(self, measure: str) -> set:
        return {
            u
            for u in self.rnd.parent
            if self.rnd.figures[(u, measure)][0] is not None or self.rnd.figures[(u, measure)][2].startswith("Ingen")
        }

    def groups(self) -> dict:
        """frozenset of atoms -> a label saying how the group was found."""
        out = {}
        for a in self.atoms:
            out.setdefault(frozenset([a]), f"atom {a}")
        for u in self.rnd.parent:
            out.setdefault(frozenset(self.below[u]), f"subtree {u}")
        for m in self.rnd.measures:
            shown = self.shown(m)
            for u in shown:
                covered = set()
                for v in shown:
                    if v != u and self._under(v, u) and not any(w in shown for w in self._between(v, u)):
                        covered |= set(self.below[v])
                region = frozenset(set(self.below[u]) - covered)
                if region:
                    out.setdefault(region, f"region {u} ({m})")
        # where one measure's regions cut another's: their overlaps and what is left of each
        regions = [(g, label) for g, label in out.items() if label.startswith("region")]
        for g, a in regions:
            for h, b in regions:
                for part, how in ((g & h, f"{a} ∩ {b}"), (g - h, f"{a} − {b}")):
                    if part:
                        out.setdefault(frozenset(part), how)
        return out

    def _under(self, v, u) -> bool:
        while v:
            if v == u:
                return True
            v = self.rnd.parent[v]
        return False

    def _between(self, v, u) -> list:
        out, a = [], self.rnd.parent[v]
        while a != u:
            out.append(a)
            a = self.rnd.parent[a]
        return out


def audit_round(rnd: Round, seed: int = 0) -> list[Leak]:
    model = Model(rnd)
    first = model.solve(np.zeros(model.size))
    if first is None:
        raise ValueError(f"round {rnd.name}: the published figures contradict one another")
    pool = [first[1]]
    rng = np.random.default_rng(seed)
    for _ in range(8):  # a few different solutions settle most questions without a solve
        found = model.solve(rng.normal(size=model.size))
        pool.append(found[1])

    def values(q):
        return {int(round(q @ x)) for x in pool}

    def extreme(q, sign) -> int:
        value, x = model.solve(sign * q)
        pool.append(x)
        return int(round(sign * value))

    def pinned(q) -> int | None:
        seen = values(q)
        if len(seen) > 1:
            return None
        v = seen.pop()
        if extreme(q, 1) < v or extreme(q, -1) > v:
            return None
        return v

    leaks = []
    for atoms, label in model.groups().items():
        for mid, m in rnd.measures.items():
            size = model.vector(atoms, model.terms(mid, "n"))
            seen = values(size)
            if mid == RESPONDENTS:
                if len(seen) == 1 and 0 < next(iter(seen)) < model.k:
                    v = pinned(size)
                    if v is not None and 0 < v < model.k:
                        leaks.append(Leak(rnd.name, "L1", mid, label, tuple(sorted(atoms)), v))
                continue
            count = model.vector(atoms, model.terms(mid, "e"))
            free = model.vector(atoms, model.terms(mid, "free"))
            seen = values(count)
            if len(seen) == 1 and next(iter(seen)) > 0 and (min(values(size)) < m.k or extreme(size, 1) < m.k):
                v = pinned(count)
                everyone = not m.sensitive and values(free) == {0} and extreme(free, -1) == 0
                if v is not None and v > 0 and not everyone:
                    leaks.append(Leak(rnd.name, "L2", mid, label, tuple(sorted(atoms)), v))
            if m.sensitive:
                if values(free) == {0} and (max(values(size)) > 0 or extreme(size, -1) > 0) and extreme(free, -1) == 0:
                    leaks.append(Leak(rnd.name, "L3", mid, label, tuple(sorted(atoms))))
    return leaks


def audit(rows: list[dict]) -> list[Leak]:
    """Every leak in a published table (the rows of export-figures)."""
    return [leak for rnd in rounds(rows) for leak in audit_round(rnd)]


def bounds(rows: list[dict], round_name: str, node: str, measure: str, what: str = "e") -> tuple[int, int]:
    """The smallest and largest value a (withheld) figure of a node's subtree can take."""
    model = Model(next(r for r in rounds(rows) if r.name == round_name))
    q = model.vector(model.below[node], model.terms(measure, what))
    return int(round(model.solve(q)[0])), int(round(-model.solve(-q)[0]))


if __name__ == "__main__":  # python tests/audit.py tal.csv
    import sys

    found = audit(read(sys.argv[1]))
    print("\n".join(map(str, found)) or "no leak")
