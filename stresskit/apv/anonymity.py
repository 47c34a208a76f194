"""Which figures on the unit tree may be published, so that no group smaller than k can be
worked out from any combination of them (DESIGN.md, «Anonymity»).

Figures are published per unit for the unit's whole subtree (its own respondents plus
everyone below it). A reader who has all shown subtree totals can subtract nested ones:
for a shown unit, the respondents in its subtree that are not in the subtree of a shown
descendant — its *region* — form a group whose sum is known. Shown subtrees are nested,
so every group a reader can derive is a union of such regions. The rule is therefore
exact: every shown unit's region holds 0 or at least k respondents.

Units with 1..k-1 respondents are never shown (primary suppression). Among the ways to
hide more units so that the rule holds (complementary suppression), we choose the one of
least cost, found exactly by dynamic programming over the tree:

1. hide as few respondents as possible in leaves and in the institution itself — their
   figures are the ones readers use (a unit's own figure, and the institution's, which
   every report compares with);
2. then as few respondents as possible in the aggregates in between (their children stay
   visible, so hiding one loses least);
3. then as few units as possible; on a full tie, show rather than hide.

So a leaf with 23 respondents is never hidden to protect 3 respondents coded to its
parent when hiding the parent (and aggregates above it) suffices.

Respondents coded to an inner unit itself are that unit's own group («svar uden afdeling»):
a leaf of its own under the unit (apv builds it), hidden before any aggregate (``cheap``) —
the unit's total is read first.

Across measures (DESIGN.md: no withheld figure of any measure may be derivable from *all*
published figures together, across measures, combinations and rounds; every figure that
involves a sensitive measure — the measure, a combination, a trend, an export — obeys the
sensitive threshold). Figures of different measures are linked, so the tree rule runs per
measure in order, each withholding at least what the one before withholds (`hidden`):

1. the respondent counts;
2. each exposure and resource, only where the unit's count is shown (else its n would give
   the hidden count away);
3. each combination of two exposures, with its own threshold (the sensitive one when a part
   is sensitive), only where both parts are shown, and only for a unit in whose whole subtree
   the combination and its two parts are shown at exactly the same units (`unlike_below`;
   the search is repeated until that holds). Otherwise a part's figures would split the
   combination's region into groups it does not protect: with the institution's «vold +
   arbejdsmængde» beside every unit's workload share, a small unit where everyone (or no one)
   reports high workload would have its withheld violence count follow by subtraction. The
   combination gives way, not its parts: the parts are each unit's own figures.

A figure withheld because one it builds on is withheld (the unit's respondent count, a
combination's part) gives that figure's reason: a «færre end k» of its own would tell that
some respondents skipped the questions, and beside the exact figures around it that can pin
a small group down. Rounds are separate surveys (no respondent is in two) and are anonymised
each on its own; a trend is shown only where both rounds' figures are. A withheld unit never
says «no answers»: that too is a figure about a small group.

tests/audit.py checks all of this from the definition, sharing no code with this module: it
reads what `stresskit export-figures` publishes and bounds every withheld figure with integer
linear programs.

For the sensitive measures (harassment, violence and the combinations with them), a group in
which everyone is exposed gives away each member's answer however large it is. With
``exposed`` given, every shown region must also hold at least one respondent who is not
exposed (the same exact search). Such a unit is withheld with the same status, and the same
words, as one withheld to protect another group: a reason of its own would be the 100 % figure
again, and would make every other «skjult» mean «not everyone». A group in which nobody is
exposed is shown: it says that no one reported it, which is the figure's point.
"""

from __future__ import annotations

SHOWN, NO_ANSWERS, SMALL, COMPLEMENT = "shown", "none", "small", "complement"


def status_text(status: str, k: int, sensitive: bool = False) -> str:
    """Why a figure is not shown, as a report says it (empty when it is shown). For a sensitive
    measure a withheld group may also be one in which everyone is exposed: the words cover both."""
    return {
        SHOWN: "",
        NO_ANSWERS: "Ingen besvarelser",
        SMALL: f"Skjult: færre end {k} svar",
        COMPLEMENT: (COMPLEMENT_SENSITIVE if sensitive else "Skjult, så en mindre gruppe ikke kan regnes ud"),
    }[status]


COMPLEMENT_SENSITIVE = "Skjult, så en mindre gruppe eller den enkeltes svar ikke kan regnes ud"


def suppress(
    children: dict[str, list[str]],
    root: str,
    total: dict[str, int],
    k: int,
    hidden: frozenset[str] | set[str] = frozenset(),
    exposed: dict[str, int] | None = None,
    cheap: frozenset[str] | set[str] = frozenset(),
) -> dict[str, str]:
    """A status per unit. ``total[u]`` counts the respondents in u's subtree; those coded to u
    itself are ``total[u]`` minus its children's totals. Units in ``hidden`` are withheld
    whatever their size (a figure linked to one withheld elsewhere) and protected like any other.
    ``exposed[u]``, for a sensitive measure, counts the exposed in u's subtree: no shown region
    may then be exposed to the last person. Units in ``cheap`` (the own groups of inner units,
    «svar uden afdeling») are hidden before any aggregate: the unit's total is read first."""
    total = {u: int(n) for u, n in total.items()}  # exact costs outgrow int64 on large trees: Python ints
    free = {u: total[u] - (int(exposed[u]) if exposed is not None else 0) for u in total}  # not exposed
    order = _postorder(children, root)
    big = (sum(total[u] for u in order) + 1) * (len(order) + 1)

    def tier(u: str) -> int:  # the cost order: own groups, then aggregates, then leaves and the institution
        return 1 if u in cheap else 3 if (u == root or not children[u]) else 2

    weight = {u: total[u] * big ** tier(u) + 1 for u in order}

    def cap(m: int) -> int:
        return m if m < k else k

    # best[u][(pending, free)] = (cost, shown, children_state): pending is how many of u's
    # subtree respondents are in no shown unit inside it (capped at k, which stands for "k or
    # more"); free is 1 when at least one of them is not exposed.
    best: dict[str, dict[tuple[int, int], tuple[int, bool, tuple[int, int]]]] = {}
    back: dict[str, list[dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]]] = {}
    for u in order:
        sums = {(0, 0): 0}  # children's pending (total, free) -> least cost
        steps = []
        for c in children[u]:
            merged: dict[tuple[int, int], int] = {}
            pointers: dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]] = {}
            for a, cost_a in sums.items():
                for b, (cost_b, _, _) in best[c].items():
                    s, cost = (cap(a[0] + b[0]), a[1] | b[1]), cost_a + cost_b
                    if s not in merged or cost < merged[s]:
                        merged[s], pointers[s] = cost, (a, b)
            sums = merged
            steps.append(pointers)
        back[u] = steps
        direct = total[u] - sum(total[c] for c in children[u])
        direct_free = free[u] - sum(free[c] for c in children[u])
        options: dict[tuple[int, int], tuple[int, bool, tuple[int, int]]] = {}
        may_show = (total[u] == 0 or total[u] >= k) and u not in hidden
        for a, cost in sorted(sums.items()):
            region = (cap(direct + a[0]), int(a[1] or direct_free > 0))
            if may_show and (region[0] == 0 or (region[0] == k and region[1])):
                if (0, 0) not in options or cost < options[(0, 0)][0]:
                    options[(0, 0)] = (cost, True, a)
            withheld = cost + weight[u]
            if region not in options or withheld < options[region][0]:
                options[region] = (withheld, False, a)
        best[u] = options

    status: dict[str, str] = {}
    start = min(best[root], key=lambda m: (best[root][m][0], m))
    todo = [(root, start)]
    while todo:
        u, pending = todo.pop()
        _, shown, a = best[u][pending]
        status[u] = (
            NO_ANSWERS
            if total[u] == 0 and u not in hidden
            else SHOWN
            if shown
            else SMALL
            if total[u] < k
            else COMPLEMENT
        )
        for c, pointers in zip(reversed(children[u]), reversed(back[u])):
            a, b = pointers[a]
            todo.append((c, b))
    return status


def unlike_below(children: dict[str, list[str]], root: str, statuses: list[dict[str, str]]) -> set[str]:
    """The units shown in ``statuses[0]`` (a combination) in whose subtree some unit is shown in
    one of ``statuses`` (the combination, its two parts) and not in another: there the parts'
    own figures would split the combination's region into groups it does not protect."""

    def visible(status: dict[str, str], u: str) -> bool:
        return status[u] in (SHOWN, NO_ANSWERS)

    alike: dict[str, bool] = {}
    for u in _postorder(children, root):
        alike[u] = len({visible(s, u) for s in statuses}) == 1 and all(alike[c] for c in children[u])
    return {u for u in alike if not alike[u] and statuses[0][u] == SHOWN}


def _postorder(children: dict[str, list[str]], root: str) -> list[str]:
    out, todo = [], [(root, False)]
    while todo:
        u, done = todo.pop()
        if done:
            out.append(u)
            continue
        todo.append((u, True))
        todo.extend((c, False) for c in reversed(children[u]))
    return out
