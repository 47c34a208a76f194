"""The APV figures the reports publish, as one table (`stresskit export-figures`): one row per
round × unit × construct, plus one row per round × unit with the respondent count. It is
built from the same anonymised results the reports show, so what is withheld in a report
is withheld here, with the same reason — and anyone can audit the anonymity from it."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import apv, sheets
from . import guide as guide_module
from .workbook import Workbook

HEADER = ["Runde", "Enhed-id", "Enhed", "Niveau", "Mål-id", "Mål", "Art", "Svar (n)", "Gennemsnit (0–100)",
          "Andel", "Status"]
KINDS = {"exposure": "påvirkning", "resource": "ressource", "combination": "kombination"}
RESPONDENTS = "besvarelser"


def _unmeasured(mapping: apv.Mapping) -> list[tuple[str, str, str]]:
    """(id, title, kind) of every exposure, resource and combination the mapping does not measure:
    the export says so («ikke målt i jeres APV») for every round and unit, as the reports do."""
    guide = guide_module.default()
    shorts = {e.id: e.short for e in guide.exposures}
    out = [(c.id, c.short, KINDS[kind]) for kind, items in (("exposure", [e for e in guide.exposures if e.get("apv_area")]),
                                                             ("resource", guide.resources)) for c in items]
    out += [(f"kombination.{c['id']}", " + ".join(shorts[x] for x in c["exposures"]), KINDS["combination"])
            for c in guide.combinations]
    return [x for x in out if x[0] not in mapping.constructs]


def rows(book: Workbook) -> list[list]:
    survey = apv.load(book)
    if survey is None:
        return []
    out = []
    missing = _unmeasured(survey.mapping)
    for rnd in survey.rounds:
        results = apv.aggregate(book, survey, rnd.name)
        for unit in book.ordered():
            name, depth = book.unit_name(unit), book.depth(unit)
            count = results.respondents[unit]
            reason = apv.status_text(results.respondent_status[unit], results.k)
            out.append([results.round, unit, name, depth, RESPONDENTS, "Besvarelser i alt", "", count, None, None,
                        reason or "vist"])
            for cid, construct in results.constructs.items():
                row = results.table.loc[(unit, cid)]
                out.append([results.round, unit, name, depth, cid, construct.title, KINDS[construct.kind],
                            None if np.isnan(row["n"]) else int(row["n"]), _round(row["mean"], 1),
                            _round(row["share"], 4), results.status_text(unit, cid) or "vist"])
            out += [[results.round, unit, name, depth, cid, title, kind, None, None, None, apv.NOT_MEASURED]
                    for cid, title, kind in missing]
    return out


def _round(x: float, digits: int) -> float | None:
    return None if np.isnan(x) else round(float(x), digits)


def export(book: Workbook, path: Path | str) -> int:
    table = rows(book)
    sheets.write(path, [("APV-tal", HEADER, table)])
    return len(table)
