"""What is valid but worth knowing about a survey (Danish warnings for stresskit validate):
items that run against the rest of their measure, rows that are not completed responses,
respondents coded to a unit that has sub-units.
"""

from __future__ import annotations

import numpy as np

from .. import danish
from ..workbook import Workbook
from .aggregates import COMPLEMENT, OWN_NAME, aggregate
from .mapping import Mapping
from .rounds import Round, Survey

MIN_ITEM_REST = 10  # rows with the item and another of its measure answered, before a direction is judged
AGAINST_BELOW = -0.1  # an item-rest correlation below this points the other way (noise stays near 0)


def item_rest(rnd: Round, mapping: Mapping) -> dict[tuple[str, str], float]:
    """Per (construct, item) of the round: the correlation of the item's 0–100 values (reversed
    where the mapping says so) with the mean of the construct's other items, over the round's
    completed rows. An item that measures its construct the same way as the others correlates
    positively; a negative value says the item runs the other way."""
    out = {}
    for cid in rnd.constructs:
        cols = [i.column for i in mapping.items if i.construct == cid and i.column in rnd._items.columns]
        if len(cols) < 2:
            continue
        block = rnd._items[cols]
        for col in cols:
            rest = block.drop(columns=col).mean(axis=1)
            both = block[col].notna() & rest.notna()
            if both.sum() < MIN_ITEM_REST or block.loc[both, col].std() == 0 or rest[both].std() == 0:
                continue
            out[(cid, col)] = float(np.corrcoef(block.loc[both, col], rest[both])[0, 1])
    return out


def direction_warnings(survey: Survey) -> list[str]:
    """Warnings (Danish) for items that run against the rest of their measure in some round:
    a direction is never taken on trust (a scale coded 1 = «Altid», an item worded the other
    way). No cell is quoted; the item, its measure and the correlation are named. With two
    items, either may be the one turned, so both are named together."""
    against: dict[str, dict[str, list[str]]] = {}
    for rnd in survey.rounds:
        for (cid, col), r in item_rest(rnd, survey.mapping).items():
            if r < AGAINST_BELOW:
                against.setdefault(cid, {}).setdefault(col, []).append(f"{_decimal(r)} i {rnd.name}")
    out = []
    for cid, cols in against.items():
        title = survey.mapping.constructs[cid].title
        n_items = sum(1 for i in survey.mapping.items if i.construct == cid)
        reversed_now = {i.column for i in survey.mapping.items if i.reverse}
        if n_items == 2:
            out.append(
                f"Retning: de to spørgsmål om «{title}», {', '.join(f'«{c}»' for c in cols)}, går hver sin vej "
                f"(sammenhæng: {', '.join(cols[next(iter(cols))])}): et højt svar på det ene følger et lavt på det "
                "andet. Det ene er formentlig vendt; tjek ordlyden og skalaens retning, og ret reverse i mapping.yaml."
            )
            continue
        for col, where in cols.items():
            now = "står allerede med reverse: true" if col in reversed_now else "står uden reverse"
            out.append(
                f"Retning: spørgsmålet «{col}» går den modsatte vej af de andre spørgsmål om «{title}» "
                f"(sammenhæng med dem: {', '.join(where)}); det {now}. Tjek spørgsmålets ordlyd og skalaens "
                "retning; går det den anden vej (fx «Har du tid nok?»), så skift reverse for det i mapping.yaml."
            )
    return out


def completion_notes(survey: Survey) -> list[str]:
    """Per round with rows that are not completed responses: how many count and how many don't."""
    return [
        f"{rnd.file}: {len(rnd._units)} af {rnd.rows} rækker er gennemførte besvarelser og tæller med; "
        f"de {rnd.rows - len(rnd._units)} andre tæller ingen steder (mapping.yaml: completed)."
        for rnd in survey.rounds
        if rnd.rows > len(rnd._units)
    ]


def _decimal(x: float) -> str:
    return danish.decimal(x, 2).replace("-", "−")


def coded_to_parents(book: Workbook, survey: Survey) -> list[str]:
    """Warnings (Danish) for respondents coded to a unit that has sub-units: they can only be
    shown inside a larger group, so units around them may be hidden. Per round, say how many
    and which units are hidden because of them (compared with the same round without them)."""
    out = []
    inner = [u for u in book.ordered() if book.children[u]]
    for rnd in survey.rounds:
        direct = rnd._units.value_counts()
        placed = {u: int(direct.get(u, 0)) for u in inner if direct.get(u, 0)}
        if not placed:
            continue
        keep = ~rnd._units.isin(placed).to_numpy()
        without = Round(
            rnd.name,
            rnd.file,
            *(x[keep].reset_index(drop=True) for x in (rnd._units, rnd._scores, rnd._flags)),
            rnd.date,
            rnd.constructs,
        )
        with_them = aggregate(book, Survey(survey.mapping, [rnd]))
        baseline = aggregate(book, Survey(survey.mapping, [without]))
        lost = [
            u
            for u in book.ordered()
            if (with_them.table.xs(u, level="unit")["status"] == COMPLEMENT).to_numpy().any()
            and not (baseline.table.xs(u, level="unit")["status"] == COMPLEMENT).to_numpy().any()
        ]
        where = ", ".join(f"{book.unit_name(u)} ({n})" for u, n in placed.items())
        text = (
            f"{rnd.file}: {sum(placed.values())} besvarelser er kodet til en enhed, der har underenheder: {where}. "
            f"De vises som enhedens «{OWN_NAME}», hvor de er mindst {book.min_group}, og ellers kun sammen med andre"
        )
        if lost:
            text += "; derfor skjules nogle tal for " + ", ".join(book.unit_name(u) for u in lost)
        out.append(text + ". Kod dem til den enhed, hvor de arbejder, hvis det er muligt.")
    return out
