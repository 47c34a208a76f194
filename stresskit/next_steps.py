"""The overblik's next steps: at most three, from the unit's own situation first, each by a stated rule
(the overblik's docstring lists them in order)."""

from __future__ import annotations

from datetime import date

from . import actions as actions_module
from . import danish, shared
from . import guide as guide_module
from .comparison import Apv
from .progress import NOT_STARTED, Progress, institutions, own
from .store import Store
from .workbook import Workbook

MAX_TEXT = 140  # characters of a measure on the page (a responsible: half)
MAX_STEPS = 3
HIGH_SHARE = 0.5  # at least half exposed is high, whatever the institution's share
GREB_SCORE = {"lykkes": 1.0, "delvist": 0.5, "lykkes_ikke": 0.0}


def day(value) -> str:
    """A stored date (ISO) as Danish readers write it; '' for none."""
    return danish.day(actions_module.iso_date(value))


def greb_scores(store: Store, unit: str) -> dict[str, tuple[float | None, bool]]:
    """Per greb: the mean rating of its rated sub-questions (lykkes 1, delvist ½, lykkes ikke 0) and
    whether any is rated «lykkes ikke»; (None, False) when none is rated."""
    latest = store.latest(unit, "status.greb.")
    out = {}
    for g in guide_module.default().greb:
        values = [latest[k].value for k in (f"status.greb.{g.id}.{q.id}.vurdering" for q in g.questions) if k in latest]
        rated = [GREB_SCORE[v] for v in values if v in GREB_SCORE]
        out[g.id] = (sum(rated) / len(rated) if rated else None, "lykkes_ikke" in values)
    return out


def next_steps(
    book: Workbook,
    unit: str,
    store: Store,
    figures: Apv | None,
    everything: list,
    progress: list[Progress],
    today: date,
) -> list[str]:
    """The stated rules, in order (see the module's docstring); at most MAX_STEPS."""
    first = next((p for p in progress if p.state == NOT_STARTED), None)
    mine, theirs = own(unit, everything), institutions(book, unit, everything)
    steps = [
        _overdue_step(book, unit, mine, today),
        _review_step(book, unit, mine, today),
        _exposure_step(store, unit, figures),
        _contact_step(book, store, everything) if unit == book.root_unit else "",
        f"Anbefaling {first.number}, «{first.title}», er ikke startet: begynd her." if first else "",
    ]
    steps = [s for s in steps if s]
    if not steps:  # only when the unit has nothing of its own: the institution's (also flagged on the page)
        steps = [s for s in (_overdue_step(book, unit, theirs, today), _review_step(book, unit, theirs, today)) if s]
    return steps[:MAX_STEPS]


def _oldest_due(book: Workbook, unit: str, items: list, is_due, when) -> tuple[int, object, str, str]:
    """Of the items due, oldest first by ``when``: how many, the oldest, its measure as the page quotes it
    (with whose it is, see _whose) and who is responsible; (0, None, "", "") when none is due."""
    due = sorted((a for a in items if is_due(a)), key=when)
    if not due:
        return 0, None, "", ""
    a = due[0]
    measure = f"«{danish.short(a.measure, MAX_TEXT)}»{_whose(book, unit, a)}"
    return len(due), a, measure, danish.short(a.responsible, MAX_TEXT // 2) or "ikke aftalt"


def _overdue_step(book: Workbook, unit: str, items: list, today: date) -> str:
    late, a, measure, responsible = _oldest_due(book, unit, items, lambda x: x.overdue(today), lambda x: x.deadline)
    if not late:
        return ""
    what = "den ældste," if late > 1 else "den forsinkede opgave"
    text = (
        f"Følg op på {what} {measure}: fristen var {day(a.deadline)}, ansvarlig er {responsible}. "
        "Aftal en ny frist eller markér den som gennemført."
    )
    return f"{late} opgaver er forsinkede. {text}" if late > 1 else text


def _whose(book: Workbook, unit: str, a) -> str:
    """« (fælles for institutionen)» for the root's, « (Undervisning)» for a unit above's, '' for the unit's own."""
    if a.unit == unit:
        return ""
    return f" ({shared.FOR_INSTITUTION})" if a.unit == book.root_unit else f" ({book.unit_name(a.unit)})"


def _review_step(book: Workbook, unit: str, items: list, today: date) -> str:
    due, a, measure, responsible = _oldest_due(book, unit, items, lambda x: x.review_due(today), lambda x: x.review)
    if not due:
        return ""
    more = f" ({due} aftaler skal drøftes igen; dette er den ældste.)" if due > 1 else ""
    return (
        f"Drøft aftalen {measure} igen: den skulle drøftes {day(a.review)} (ansvarlig: {responsible}). "
        f"Bekræft den, ret den eller afslut den.{more}"
    )


def _contact_step(book: Workbook, store: Store, everything: list) -> str:
    """The institution's page: the units marked «mangler kontakt» with no open task to get it."""
    planned = {a.unit for a in everything if a.is_open() and a.question == "status.kontakt.plan"}
    missing = [
        u
        for u in book.ordered()
        if u not in planned
        and getattr(store.latest(u, "status.kontakt").get("status.kontakt"), "value", None) == "mangler"
    ]
    if not missing:
        return ""
    names = ", ".join(book.unit_name(u) for u in missing)
    return (
        f"Kontakten mangler til {len(missing)} enhed{'er' if len(missing) != 1 else ''} uden en plan for at få "
        f"den: {names}. Aftal, hvem der tager kontakt (anbefaling 4)."
    )


def _exposure_step(store: Store, unit: str, figures: Apv | None) -> str:
    """The most exposed of the high exposures, with the weakest greb (or none rated yet)."""
    high = [
        f
        for f in (figures.exposures if figures else [])
        if f.higher or (f.unit_share is not None and f.unit_share >= HIGH_SHARE)
    ]
    if not high:
        return ""
    top = max(high, key=lambda f: f.unit_share)
    why = (
        f"{top.unit} udsat mod {top.institution} i hele institutionen, markant højere end i resten af institutionen"
        if top.higher
        else f"{top.unit} udsat"
    )
    scores = greb_scores(store, unit)
    weak = [
        (score, g)
        for g in guide_module.default().greb
        for score, bad in [scores[g.id]]
        if bad or (score is not None and score < 0.5)
    ]
    if weak:
        g = min(weak, key=lambda x: x[0])[1]
        return (
            f"«{top.title}» fylder ({why}), og grebet «{g.short}» lykkes ikke godt nok: tag det op i "
            f"opfølgningsdialogen (anbefaling 4)."
        )
    if all(score is None for score, _ in scores.values()):
        return (
            f"«{top.title}» fylder ({why}), og ingen forebyggelsesgreb er vurderet endnu: gør status på "
            f"grebene (anbefaling 4)."
        )
    return ""
