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

# the overblik's parts, each in its own module; the names stay importable from here
from .action_lines import MAX_ACTIONS, MAX_INSTITUTION, ActionLine, day, open_below, page_lines  # noqa: F401
from .apv import trend
from .comparison import Apv, Figure, apv_section, change_text, markedly_higher, withheld_text  # noqa: F401
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


def number(value: float, integer: bool) -> str:
    return f"{value:.0f}" if integer else danish.decimal(value)


# --- what the page holds --------------------------------------------------------------
@dataclass
class Signal:
    title: str
    unit: str  # the measure's unit («dage pr. årsværk»)
    value: str  # '–' when not recorded
    previous: str  # the previous period's value, '' without one


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
        figures = apv_section(book, unit, survey) if survey else None
        signal_rows, period, before, signals_note = _signals(book, unit)
        everything = everything if everything is not None else actions_module.for_unit(store)
        recs = progress(book, unit, store, everything, today)
        lines, more = page_lines(book, unit, own(unit, everything), today)
        below = open_below(book, unit, everything, today)
        theirs, more_theirs = page_lines(book, unit, institutions(book, unit, everything), today, MAX_INSTITUTION)
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
