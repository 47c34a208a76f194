"""The overblik's APV section: each exposure and resource of the unit beside the institution's
and the previous round's, «markant højere» by the stated rule (trend.RULE_HIGHER), and in words
why a figure is withheld."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import apv
from . import guide as guide_module
from .apv import anonymity, trend
from .workbook import Workbook


@dataclass
class Figure:
    """One exposure or resource: the unit, the institution, and the change since the previous round."""

    id: str
    title: str
    kind: str  # exposure | resource
    unit: str  # «62 %», or why it is withheld
    unit_share: float | None
    institution: str  # '' on the institution's own page
    higher: bool  # markedly higher than the institution
    change: str  # '' when there is no previous round or a figure is withheld
    direction: str = ""  # trend.BETTER / WORSE / SAME, '' without a change
    unit_note: int = 0  # the footnote (1, 2, …) saying why the unit's figure is withheld
    institution_note: int = 0


@dataclass
class Apv:
    round: str
    previous: str  # the previous round's name, '' when there is none
    respondents: str  # «26 besvarelser af 30 ansatte (87 %)», or why withheld
    exposures: list[Figure]
    resources: list[Figure]
    notes: list[str] = field(default_factory=list)  # why figures are withheld, footnote 1, 2, …


def withheld_text(results: apv.Results, unit: str, construct: str) -> str:
    """Why a figure is not shown, in words: the true reason."""
    if not apv.measured(results, construct):
        return apv.NOT_MEASURED_LEAD + "."
    status = results.table.at[(unit, construct), "status"]
    if status == apv.NO_ANSWERS:
        return "Ingen svar."
    if status == apv.SMALL:
        return f"Skjult: færre end {results.threshold(construct)} svar."
    if results.constructs[construct].sensitive:
        return anonymity.COMPLEMENT_SENSITIVE + " ved at trække de viste tal fra hinanden."
    return "Skjult, så en mindre gruppe ikke kan regnes ud ved at trække de viste tal fra hinanden."


def _cell(results: apv.Results, unit: str, construct: str, notes: list[str]) -> tuple[str, int]:
    """A figure for a table cell: «64 %», «ingen svar», or «skjult» with the footnote saying why."""
    share, _n = _share(results, unit, construct)
    if share is not None:
        return apv.percent(share), 0
    why = withheld_text(results, unit, construct)
    if results.table.at[(unit, construct), "status"] == apv.NO_ANSWERS:
        return "ingen svar", 0
    if why not in notes:
        notes.append(why)
    return "skjult", notes.index(why) + 1


def _share(results: apv.Results, unit: str, construct: str) -> tuple[float | None, int]:
    table, key = results.table, (unit, construct)  # .at: a row lookup costs a hundred times more
    if not apv.measured(results, construct) or table.at[key, "status"] != apv.SHOWN:
        return None, 0
    return float(table.at[key, "share"]), int(table.at[key, "n"])


def markedly_higher(results: apv.Results, unit: str, root: str, construct: str) -> bool:
    """The stated rule (trend.RULE_HIGHER): the unit's share is higher than the rest of the institution's
    (the institution without the unit itself), and Fisher's exact test, two-sided, gives p < 0.05. Only
    where both the unit's and the institution's figures are shown; the rest is their difference."""
    if unit == root:
        return False
    mine, n = _share(results, unit, construct)
    theirs, m = _share(results, root, construct)
    if mine is None or theirs is None or m <= n:
        return False
    x, total = trend.count(mine, n), trend.count(theirs, m)
    rest_x, rest_n = total - x, m - n
    return x * rest_n > rest_x * n and trend.differs(x, n, rest_x, rest_n)


def change_text(c: trend.Change | None) -> str:
    if c is None:
        return ""
    points = round(abs(c.points))
    if c.direction == trend.BETTER:
        return f"▼ {points} point, tydeligt bedre"
    if c.direction == trend.WORSE:
        return f"▲ {points} point, tydeligt værre"
    sign = "+" if round(c.points) > 0 else "−" if round(c.points) < 0 else "±"
    return f"{sign}{points} point"


def apv_section(book: Workbook, unit: str, history: list) -> Apv:
    guide, root = guide_module.default(), book.root_unit
    latest = history[-1]
    previous = history[-2] if len(history) > 1 else None
    respondents = latest.respondents_text(unit)
    n, headcount = latest.respondents[unit], book.units[unit].headcount
    if n is not None and headcount:
        respondents += f" af {headcount} ansatte ({apv.percent(n / headcount)})"
    respondents = respondents[:1].upper() + respondents[1:]  # it starts a sentence on the page
    own = apv.own_group(unit)
    if own in latest.respondents:  # respondents coded to the unit itself, not to a unit below it
        respondents += f"; heraf {apv.OWN_NAME}: {latest.respondents_text(own)}"

    notes: list[str] = []

    def figure(item, kind) -> Figure:
        if not apv.measured(latest, item.id):  # the mapping has no question for it: said, never a KeyError
            return Figure(item.id, item.short, kind, apv.NOT_MEASURED, None, "" if unit == root else "–", False, "")
        share, _n = _share(latest, unit, item.id)
        mine, mine_note = _cell(latest, unit, item.id, notes)
        theirs, their_note = ("", 0) if unit == root else _cell(latest, root, item.id, notes)
        c = trend.change(previous, latest, unit, item.id) if previous is not None else None
        return Figure(
            item.id,
            item.short,
            kind,
            mine,
            share,
            theirs,
            markedly_higher(latest, unit, root, item.id),
            change_text(c),
            c.direction if c else "",
            mine_note,
            their_note,
        )

    exposures = [figure(e, "exposure") for e in guide.exposures if e.get("apv_area")]
    resources = [figure(r, "resource") for r in guide.resources]
    return Apv(latest.round, previous.round if previous is not None else "", respondents, exposures, resources, notes)
