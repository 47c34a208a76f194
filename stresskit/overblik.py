"""The overblik: one printed page per unit that a unit leader reads in a minute.

It holds the latest APV round beside the institution and the previous round, the stress
signals, how far each of the six recommendations has come, the open and overdue actions that
concern the unit, and at most three next steps. Everything here is derived by a stated rule
(``RULES`` is how the page says them), from figures that are already anonymised (apv, trend,
signals) and from the answers and actions in the store.

Shared and own (stresskit.shared): every question is answered per unit, per AMO group or once
for the institution (``scope`` in the content file). Progress on a recommendation counts only
what the unit itself can act on: the questions it answers itself, answered (notes and action
fields don't count; an answer whose option is marked ``progress: false`` — «Mangler kontakt», a
phase «Ikke startet» — is no progress; a stress signal counts as recorded when signals.csv has it for the unit or a unit
below). The answers the institution or the unit's AMO group gives for it are shown beside, as
«fælles», and never counted; a recommendation the unit has no questions of its own in is
SHARED. For the institution itself, its own answers count, and the units below that have
answered the recommendation's per-unit questions are rolled up («svar fra 14 af 14 enheder»).

Tasks and agreements (stresskit.actions): the overblik lists the unit's own open tasks and
agreements, and the institution's (the units above it) apart from them, counted separately.

«Markant højere»: the unit's share (exposed, or with a low resource) is higher than the rest of
the institution's (the institution without the unit), and Fisher's exact test, two-sided, gives
p < 0.05 (trend.RULE_HIGHER). Both the unit's and the institution's figures must be shown; the
rest is their difference, so it reveals nothing the page doesn't.

The next steps, from the unit's own situation first, in this order, at most three:
1. the unit's own overdue task (the one whose deadline passed first; the count when there are more);
2. the unit's own agreement whose review date has passed;
3. a high exposure — markedly higher than the rest of the institution, or at least half exposed — with a
   weak greb (a greb of recommendation 4 with a sub-question rated «lykkes ikke», or rated
   below «delvist» on average), or with no greb rated yet;
4. on the institution's page: the units whose contact is «mangler» and that have no task to get it;
5. the first recommendation of the unit's own not started (nothing answered and no action);
6. only when the unit has none of these: the institution's oldest overdue task, or agreement due for
   review (the page flags them in the institution's line anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import actions as actions_module
from . import apv, danish, signals
from . import guide as guide_module
from .apv import anonymity, trend

# the overblik's parts, each in its own module; the names stay importable from here
from .danish import short  # noqa: F401
from .errors import InputError
from .next_steps import GREB_SCORE, HIGH_SHARE, MAX_STEPS, MAX_TEXT, greb_scores, next_steps  # noqa: F401
from .progress import (  # noqa: F401
    DONE,
    NOT_STARTED,
    PROGRESS_WORDS,
    SHARED,
    STARTED,
    Progress,
    answered,
    concerning,
    counted_questions,
    institutions,
    own,
    progress,
    progressed,
    recorded_signals,
    task_counts,
)
from .store import Store
from .validate import broken_line
from .workbook import Workbook

MAX_ACTIONS = 6  # action rows on the page; the rest are counted
MAX_INSTITUTION = 2  # the institution's entries named on a unit's page (due first); the rest are counted

RULES = {
    "shares": "Andelene tæller dem, der svarede på mindst halvdelen af spørgsmålene bag påvirkningen.",
    "higher": trend.RULE_HIGHER,
    "change": (
        "«Tydeligt bedre/værre» følger samme test mellem de to runder; hver runde er gjort anonym for sig, og "
        "en ændring vurderes kun, hvor begge runders tal vises."
    ),
    "progress": (
        "Fremdrift tæller kun det, enheden selv besvarer (ikke noter og opgaver; «Mangler kontakt» og «Ikke "
        "startet» er ikke fremdrift; signalerne tæller, når signalfilen har tal for enheden). Det, institutionen "
        "eller arbejdsmiljøgruppen besvarer for alle, står som «fælles» og tæller ikke med (◇: kun fælles spørgsmål)."
    ),
    "tasks": (
        "Opgaver har en frist og kan blive forsinkede; IGLO-planens punkter er aftaler, der drøftes igen på en "
        "dato, og bliver aldrig forsinkede. Enhedens egne og institutionens tælles hver for sig."
    ),
    "steps": (
        "Næste skridt, i denne rækkefølge: en forsinket opgave; en aftale, der skal drøftes igen; en høj "
        "påvirkning (markant højere eller mindst halvdelen udsat) med et svagt eller ikke vurderet greb; den "
        "første af enhedens egne anbefalinger, der ikke er startet; kun hvis intet af det: institutionens."
    ),
}
INSTITUTION_RULES = {
    "progress": (
        "Fremdrift for hele institutionen: hvor mange af anbefalingens spørgsmål der er besvaret for "
        "institutionen selv (noter og opgaver tæller ikke, «Mangler kontakt» og «Ikke startet» er ikke fremdrift), og hvor "
        "mange af enhederne under den der har besvaret de spørgsmål, hver enhed besvarer for sig."
    ),
    "steps": (
        "Næste skridt vælges i denne rækkefølge: en forsinket opgave; en aftale, der skal drøftes igen; en høj "
        "påvirkning (mindst halvdelen udsat) med et svagt eller ikke vurderet forebyggelsesgreb; enheder, hvor "
        "kontakten mangler, uden en opgave for at få den; den første anbefaling, der ikke er startet."
    ),
}


def day(value: date | str | None) -> str:
    """A date as Danish readers write it (15.11.2026); '' for none."""
    parsed = actions_module.iso_date(value) if not isinstance(value, date) else value
    return danish.day(parsed)


def number(value: float, integer: bool) -> str:
    return f"{value:.0f}" if integer else danish.decimal(value)


# --- what the page holds --------------------------------------------------------------
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


@dataclass
class Signal:
    title: str
    unit: str  # the measure's unit («dage pr. årsværk»)
    value: str  # '–' when not recorded
    previous: str  # the previous period's value, '' without one


@dataclass
class ActionLine:
    measure: str
    responsible: str
    whose: str  # the unit it belongs to, '' when the page's own
    deadline: str  # a task's deadline; an agreement's review date
    followup: str
    status: str  # Danish status, with «forsinket» / «skal drøftes igen» in words
    overdue: bool  # a task past its deadline, or an agreement past its review date
    followup_due: bool
    agreement: bool = False
    brief: str = ""  # the measure cut shorter, for a line of running text


@dataclass
class Summary:
    unit: str
    name: str
    path: str  # Fjordby Gymnasium › Undervisning › Humaniora
    institution: str
    today: str
    is_institution: bool
    apv: Apv | None
    apv_note: str  # why there are no APV figures, '' when there are
    signals: list[Signal]
    signals_period: str
    signals_previous: str
    signals_note: str  # why the signals are not shown, '' when they are
    progress: list[Progress]
    actions: list[ActionLine]  # the unit's own open tasks and agreements
    more_actions: int  # of the unit's own, those beyond the lines listed
    below: tuple[int, int]  # open and overdue tasks of the units below
    steps: list[str]
    rules: dict[str, str] = field(default_factory=lambda: dict(RULES))
    institution_actions: list[ActionLine] = field(default_factory=list)  # the units above: theirs, apply here
    more_institution: int = 0
    counts: dict = field(default_factory=dict)  # own / institution: open tasks, overdue, agreements, review due


# --- building it ----------------------------------------------------------------------
def summarize(
    book: Workbook,
    unit: str,
    store: Store | None = None,
    today: date | None = None,
    history: list | None = None,
    everything: list | None = None,
) -> Summary:
    """The overblik of one unit. ``history`` (apv.history) and ``everything`` (all actions) may be
    passed in when many units are summarised at once."""
    today = today or actions_module.today()
    owned = store is None
    store = store or Store(book.store_path)
    try:
        survey, apv_note = _history(book, history)
        figures = _apv(book, unit, survey) if survey else None
        signal_rows, period, before, signals_note = _signals(book, unit)
        everything = everything if everything is not None else actions_module.for_unit(store)
        recs = progress(book, unit, store, everything, today)
        lines, more = _actions(book, unit, own(unit, everything), today)
        below = _below(book, unit, everything, today)
        theirs, more_theirs = _actions(book, unit, institutions(book, unit, everything), today, MAX_INSTITUTION)
        steps = next_steps(book, unit, store, figures, everything, recs, today)
    finally:
        if owned:
            store.close()
    s = Summary(
        unit,
        book.unit_name(unit),
        " › ".join(book.unit_name(u) for u in reversed(book.ancestors(unit))),
        book.name,
        day(today),
        unit == book.root_unit,
        figures,
        apv_note,
        signal_rows,
        period,
        before,
        signals_note,
        recs,
        lines,
        more,
        below,
        steps,
        institution_actions=theirs,
        more_institution=more_theirs,
        counts={
            "own": task_counts(own(unit, everything), today),
            "institution": task_counts(institutions(book, unit, everything), today),
        },
    )
    if s.is_institution:
        s.rules.update(INSTITUTION_RULES)
    return s


def _history(book: Workbook, history: list | None) -> tuple[list, str]:
    if history is not None:
        return history, "" if history else "Der er endnu ingen APV-besvarelser."
    try:
        found = apv.history(book)
    except InputError as exc:  # broken files: the fixed line, never a cell of them
        return [], broken_line(exc.problems)
    return found, "" if found else "Der er endnu ingen APV-besvarelser."


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


def _apv(book: Workbook, unit: str, history: list) -> Apv:
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


def _signals(book: Workbook, unit: str) -> tuple[list[Signal], str, str, str]:
    reason = signals.withheld(book, unit)
    if reason:
        return [], "", "", reason
    try:
        periods = signals.periods(book)
        now = signals.for_unit(book, unit)
        before = signals.for_unit(book, unit, periods[-2]) if len(periods) > 1 else {}
    except InputError as exc:
        return [], "", "", broken_line(exc.problems)
    if not now:
        return [], "", "", "Der er ingen tal for stresssignalerne endnu."
    rows = []
    for m in guide_module.default().signal_measures:
        value, old = now.get(m["id"]), before.get(m["id"])
        rows.append(
            Signal(
                m["title"],
                m["unit"],
                number(value, m["integer"]) if value is not None else "–",
                number(old, m["integer"]) if old is not None else ("–" if before else ""),
            )
        )
    latest = periods[-1] if periods and periods[-1] else ""
    return rows, latest, periods[-2] if len(periods) > 1 else "", ""


def _order(a, today: date) -> tuple:
    due = a.overdue(today) or a.review_due(today)
    return (
        not due,
        not actions_module.followup_due(a, today),
        (a.review if a.is_agreement else a.deadline) or "9999-12-31",
    )


def _line(book: Workbook, unit: str, a, today: date) -> ActionLine:
    """One row of the page; the whose column names a unit above only when it is not the institution
    (the institution's rows stand under their own heading)."""
    status = actions_module.STATUSES.get(a.status, a.status)
    if a.is_agreement:
        when = day(a.review)
        status = "Aftale, skal drøftes igen" if a.review_due(today) else "Aftale"  # the date stands beside it
        when = when or "ingen dato"
    else:
        when = day(a.deadline) or a.deadline_text or "ingen frist"
        if a.overdue(today):
            status = "Forsinket"  # the deadline stands beside it
        elif actions_module.followup_due(a, today):
            status += f"; opfølgning nu (aftalt {day(a.followup)})"
    return ActionLine(
        short(a.measure, MAX_TEXT),
        short(a.responsible, MAX_TEXT // 2) or "ingen ansvarlig",
        "" if a.unit in (unit, book.root_unit) else book.unit_name(a.unit),
        when,
        day(a.followup) or a.followup_text,
        status,
        a.overdue(today) or a.review_due(today),
        actions_module.followup_due(a, today),
        a.is_agreement,
        short(a.measure, MAX_TEXT // 2),
    )


def _actions(
    book: Workbook, unit: str, items: list, today: date, limit: int = MAX_ACTIONS
) -> tuple[list[ActionLine], int]:
    """Lines for the page (overdue and due first), and how many more there are."""
    listed = sorted(items, key=lambda a: _order(a, today))
    return [_line(book, unit, a, today) for a in listed[:limit]], max(0, len(listed) - limit)


def _below(book: Workbook, unit: str, everything: list, today: date) -> tuple[int, int]:
    """Open and overdue tasks of the units below (agreements are not tasks)."""
    units = set(book.subtree(unit)) - {unit}
    under = [a for a in everything if a.unit in units and a.is_open() and not a.is_agreement]
    return len(under), sum(a.overdue(today) for a in under)
