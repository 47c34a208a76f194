"""The APV figures the reports publish, as one table (`stresskit export-figures`): one row per
round × unit × measure, plus one row per round × unit with the respondent count. It is
built from the same anonymised results the reports show, so what is withheld in a report
is withheld here, with the same reason — and anyone can audit the anonymity from it
(tests/audit.py does, from this file alone).

Besides the units, a round has a row group for each inner unit that respondents are coded to
itself: its own group («svar uden afdeling», id ``<unit>:egen``, under the unit). Every inner
unit without such rows has no respondents coded to it itself. «Overenhed-id» gives the tree;
«Følsomt» and «Mindste gruppe» whether the measure is sensitive and the threshold it follows; «Kombination af» a combination's two
measures: its n counts those who answered both, its share those exposed to both. (The reports
print a combination's share, not its n; the n is here so that an audit works with exact counts,
which can only make it stricter — tests/audit.py finds nothing to derive from it either.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import apv, sheets
from . import guide as guide_module
from .workbook import Workbook

HEADER = [
    "Runde",
    "Enhed-id",
    "Enhed",
    "Overenhed-id",
    "Niveau",
    "Mål-id",
    "Mål",
    "Art",
    "Kombination af",
    "Følsomt",
    "Mindste gruppe",
    "Svar (n)",
    "Gennemsnit (0–100)",
    "Andel",
    "Status",
]
KINDS = {"exposure": "påvirkning", "resource": "ressource", "combination": "kombination"}
RESPONDENTS = "besvarelser"
OWN_NAME = apv.OWN_NAME
SHOWN_WORD = "vist"


def _unmeasured(measured) -> list[tuple[str, str, str]]:
    """(id, title, kind) of every exposure, resource and combination the mapping does not measure:
    the export says so («ikke målt i jeres APV») for every round and unit, as the reports do."""
    guide = guide_module.default()
    shorts = {e.id: e.short for e in guide.exposures}
    out = [
        (c.id, c.short, KINDS[kind])
        for kind, items in (
            ("exposure", [e for e in guide.exposures if e.get("apv_area")]),
            ("resource", guide.resources),
        )
        for c in items
    ]
    out += [
        (f"kombination.{c['id']}", " + ".join(shorts[x] for x in c["exposures"]), KINDS["combination"])
        for c in guide.combinations
    ]
    return [x for x in out if x[0] not in measured]


def rows(book: Workbook) -> list[list]:
    survey = apv.load(book)
    if survey is None:
        return []
    return rows_of(book, [apv.aggregate(book, survey, rnd.name) for rnd in survey.rounds])


def rows_of(book: Workbook, rounds: list[apv.Results]) -> list[list]:
    """The published rows of already anonymised rounds."""
    out = []
    # What no round measures is not in the mapping; a round that did not ask an item keeps no row for it.
    missing = _unmeasured({cid for results in rounds for cid in results.constructs})
    for results in rounds:
        for node in results.respondents:  # the units depth-first, each own group under its unit
            unit = apv.owner(node)
            if unit is None:
                name, parent, depth = book.unit_name(node), book.units[node].parent or "", book.depth(node)
            else:
                name, parent, depth = f"{book.unit_name(unit)} – {OWN_NAME}", unit, book.depth(unit) + 1
            where = [results.round, node, name, parent, depth]
            count = results.respondents[node]
            reason = apv.status_text(results.respondent_status[node], results.k)
            out.append(
                [
                    *where,
                    RESPONDENTS,
                    "Besvarelser i alt",
                    "",
                    "",
                    "",
                    results.k,
                    count,
                    None,
                    None,
                    reason or SHOWN_WORD,
                ]
            )
            for cid, construct in results.constructs.items():
                row = results.table.loc[(node, cid)]
                out.append(
                    [
                        *where,
                        cid,
                        construct.title,
                        KINDS[construct.kind],
                        " og ".join(construct.parts),
                        "ja" if construct.sensitive else "nej",
                        results.threshold(cid),
                        None if np.isnan(row["n"]) else int(row["n"]),
                        _round(row["mean"], 1),
                        _round(row["share"], 4),
                        results.status_text(node, cid) or SHOWN_WORD,
                    ]
                )
            if unit is None:
                out += [
                    [*where, cid, title, kind, "", "", "", None, None, None, apv.NOT_MEASURED]
                    for cid, title, kind in missing
                ]
    return out


def _round(x: float, digits: int) -> float | None:
    return None if np.isnan(x) else round(float(x), digits)


def export(book: Workbook, path: Path | str) -> int:
    table = rows(book)
    sheets.write(path, [("APV-tal", HEADER, table)])
    return len(table)
