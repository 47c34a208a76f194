"""The overblik: one printed page per unit that a unit leader reads in a minute.

It holds the latest APV round beside the institution and the previous round, the stress
signals, how far each of the six recommendations has come, the open and overdue actions that
concern the unit, and at most three next steps. Everything here is derived by a stated rule
(``RULES`` is how the page says them), from figures that are already anonymised (apv, trend,
signals) and from the answers and actions in the store.

Progress on a recommendation: the share of its questions answered for the unit. Notes and
action fields don't count. The forms in ``SHARED_FORMS`` are answered once for everyone they
concern (the agreements, the AMO groups' ticks, the AMO/SU interface): for those an answer
given for a unit above (the institution) or for the unit's arbejdsmiljøgruppe counts too.

«Markant højere end institutionen»: the unit's share (exposed, or with a low resource) is
higher than the institution's, and the two-proportion test of trend.notable at 5 % says the
difference is unlikely to be chance. Both figures must be shown, so both rest on at least k
answers. (The unit is part of the institution, so the test is conservative.)

The next steps, in this order, at most three:
1. an overdue action (the one whose deadline passed first; the count when there are more);
2. a high exposure — markedly higher than the institution, or at least half exposed — with a
   weak greb (a greb of recommendation 4 with a sub-question rated «lykkes ikke», or rated
   below «delvist» on average), or with no greb rated yet;
3. the first recommendation not started (nothing answered and no action).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import actions as actions_module
from . import anonymity, apv, signals, trend
from . import guide as guide_module
from .problems import InputError
from .store import Store
from .workbook import Workbook, broken_line

MAX_ACTIONS = 6        # action rows on the page; the rest are counted
MAX_TEXT = 140         # characters of a measure on the page (a responsible: half)
MAX_STEPS = 3
HIGH_SHARE = 0.5       # at least half exposed is high, whatever the institution's share
SHARED_FORMS = ("aftaler", "arbejdsomraader", "grundlag", "samarbejde", "samarbejde_noter", "snitflade")
GREB_SCORE = {"lykkes": 1.0, "delvist": 0.5, "lykkes_ikke": 0.0}
NOT_STARTED, STARTED, DONE = "not_started", "started", "done"
PROGRESS_WORDS = {NOT_STARTED: "○ Ikke startet", STARTED: "◐ I gang", DONE: "● Besvaret"}

RULES = {
    "shares": ("Andelene er regnet af dem, der svarede på mindst halvdelen af spørgsmålene bag påvirkningen; det "
               "kan være lidt færre end besvarelserne."),
    "higher": ("«Markant højere end institutionen»: enhedens andel er højere, og forskellen er så stor, at den "
               "sjældent (under 5\u00a0% af gangene) ville opstå af tilfældigheder alene med så mange svar (en test for "
               "to andele). Det vurderes kun, hvor begge tal vises."),
    "change": "«Tydeligt bedre/værre» siden sidste runde følger samme test; hver runde er gjort anonym for sig.",
    "progress": ("Fremdrift: hvor mange af anbefalingens spørgsmål der er besvaret for enheden (noter og opgaver "
                 "tæller ikke). «Fælles» er svar, der gives én gang for hele institutionen eller arbejdsmiljøgruppen "
                 "(aftalerne, fluebenene for samarbejdet og snitfladen til SU/MED)."),
    "steps": ("Næste skridt vælges i denne rækkefølge: en forsinket opgave; en høj påvirkning (markant højere end "
              "institutionen eller mindst halvdelen udsat) med et svagt eller ikke vurderet forebyggelsesgreb; "
              "den første anbefaling, der ikke er startet."),
}


def day(value: date | str | None) -> str:
    """A date as Danish readers write it (15.11.2026); '' for none."""
    parsed = actions_module.iso_date(value) if not isinstance(value, date) else value
    return parsed.strftime("%d.%m.%Y") if parsed else ""


def short(text: str, limit: int) -> str:
    """A long text cut at a word, with «…»: the overblik is one page; the full text is in recommendation 6."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


def number(value: float, integer: bool) -> str:
    return f"{value:.0f}" if integer else f"{value:.1f}".replace(".", ",")


# --- what the page holds --------------------------------------------------------------
@dataclass
class Figure:
    """One exposure or resource: the unit, the institution, and the change since the previous round."""
    id: str
    title: str
    kind: str                    # exposure | resource
    unit: str                    # «62 %», or why it is withheld
    unit_share: float | None
    institution: str             # '' on the institution's own page
    higher: bool                 # markedly higher than the institution
    change: str                  # '' when there is no previous round or a figure is withheld
    direction: str = ""          # trend.BETTER / WORSE / SAME, '' without a change
    unit_note: int = 0           # the footnote (1, 2, …) saying why the unit's figure is withheld
    institution_note: int = 0


@dataclass
class Apv:
    round: str
    previous: str                # the previous round's name, '' when there is none
    respondents: str             # «26 besvarelser af 30 ansatte (87 %)», or why withheld
    exposures: list[Figure]
    resources: list[Figure]
    notes: list[str] = field(default_factory=list)  # why figures are withheld, footnote 1, 2, …


@dataclass
class Signal:
    title: str
    unit: str                    # the measure's unit («dage pr. årsværk»)
    value: str                   # '–' when not recorded
    previous: str                # the previous period's value, '' without one


@dataclass
class Progress:
    number: int
    title: str
    anchor: str                  # the section of the combined report: anbefaling-01
    answered: int
    total: int
    shared: int                  # of the answered, those given for the institution or an AMO group
    open: int
    overdue: int
    state: str                   # NOT_STARTED | STARTED | DONE

    @property
    def label(self) -> str:
        return PROGRESS_WORDS[self.state]

    @property
    def answered_text(self) -> str:
        return f"{self.answered} af {self.total} spørgsmål besvaret" + (f" (heraf {self.shared} fælles)" if self.shared else "")

    @property
    def text(self) -> str:
        bits = [self.answered_text]
        if self.open:
            bits.append("1 åben opgave" if self.open == 1 else f"{self.open} åbne opgaver")
        if self.overdue:
            bits.append(f"{self.overdue} forsinket")
        return ", ".join(bits)


@dataclass
class ActionLine:
    measure: str
    responsible: str
    whose: str                   # the unit it belongs to, '' when the page's own
    deadline: str
    followup: str
    status: str                  # Danish status, with «forsinket» in words when it is
    overdue: bool
    followup_due: bool


@dataclass
class Summary:
    unit: str
    name: str
    path: str                    # Fjordby Gymnasium › Undervisning › Humaniora
    institution: str
    today: str
    is_institution: bool
    apv: Apv | None
    apv_note: str                # why there are no APV figures, '' when there are
    signals: list[Signal]
    signals_period: str
    signals_previous: str
    signals_note: str            # why the signals are not shown, '' when they are
    progress: list[Progress]
    actions: list[ActionLine]
    more_actions: int            # open actions concerning the unit beyond those listed
    below: tuple[int, int]       # open and overdue actions of the units below
    steps: list[str]
    rules: dict[str, str] = field(default_factory=lambda: dict(RULES))


# --- building it ----------------------------------------------------------------------
def summarize(book: Workbook, unit: str, store: Store | None = None, today: date | None = None,
              history: list | None = None, everything: list | None = None) -> Summary:
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
        lines, more, below = _actions(book, unit, everything, today)
        steps = _steps(book, unit, store, figures, everything, recs, today)
    finally:
        if owned:
            store.close()
    return Summary(unit, book.unit_name(unit), " › ".join(book.unit_name(u) for u in reversed(book.ancestors(unit))),
                   book.name, day(today), unit == book.root_unit, figures, apv_note, signal_rows, period, before,
                   signals_note, recs, lines, more, below, steps)


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
    """The stated rule: higher than the institution, and notable by the two-proportion test at 5 %."""
    if unit == root:
        return False
    mine, n = _share(results, unit, construct)
    theirs, m = _share(results, root, construct)
    if mine is None or theirs is None:
        return False
    return mine > theirs and trend.notable(theirs, m, mine, n)


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
        return Figure(item.id, item.short, kind, mine, share, theirs, markedly_higher(latest, unit, root, item.id),
                      change_text(c), c.direction if c else "", mine_note, their_note)

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
        rows.append(Signal(m["title"], m["unit"], number(value, m["integer"]) if value is not None else "–",
                           number(old, m["integer"]) if old is not None else ("–" if before else "")))
    latest = periods[-1] if periods and periods[-1] else ""
    return rows, latest, periods[-2] if len(periods) > 1 else "", ""


def counted_questions(recommendation: str) -> list:
    """The questions progress counts: a recommendation's questions except notes and action fields."""
    return [q for f in guide_module.default().forms.values() if f.recommendation == recommendation
            for q in f.questions if q.kind != "action" and not q.id.endswith(".noter") and q.column != "Noter"]


def holders(book: Workbook, unit: str) -> list[str]:
    """Whose answers count for the unit: the unit, the units above it, and their arbejdsmiljøgrupper."""
    chain = book.ancestors(unit)
    return chain + [f"amg:{g.id}" for g in book.amo_groups if set(g.units) & set(chain)]


def answered(value) -> bool:
    return value not in (None, "", [])


def progress(book: Workbook, unit: str, store: Store, everything: list, today: date,
             cache: dict | None = None) -> list[Progress]:
    """How far the unit has come on each recommendation. ``cache`` keeps each holder's answers
    between calls, when many units (sharing the units above them) are summarised at once."""
    guide = guide_module.default()
    keys = holders(book, unit)
    cache = {} if cache is None else cache
    for k in keys:
        if k not in cache:
            cache[k] = {q for q, a in store.latest(k).items() if answered(a.value)}
    given = {k: cache[k] for k in keys}
    mine = [a for a in everything if a.unit == unit and a.is_open()]
    out = []
    for rec in guide.recommendations:
        questions = counted_questions(rec.id)
        own = {q.id for q in questions if q.id in given[unit]}
        shared = {q.id for q in questions if q.id not in own and q.form in SHARED_FORMS
                  and any(q.id in given[k] for k in keys[1:])}
        open_ = [a for a in mine if a.recommendation == rec.id]
        done = len(own) + len(shared)
        state = DONE if questions and done == len(questions) else STARTED if done or open_ else NOT_STARTED
        out.append(Progress(rec.number, rec.title, f"anbefaling-{rec.notebook[:2]}", done, len(questions), len(shared),
                            len(open_), sum(a.overdue(today) for a in open_), state))
    return out


def _order(a, today: date) -> tuple:
    return (not a.overdue(today), not actions_module.followup_due(a, today), a.deadline or "9999-12-31")


def concerning(book: Workbook, unit: str, everything: list) -> list:
    """Open actions of the unit and of the units above it (the institution's apply here too)."""
    chain = set(book.ancestors(unit))
    return [a for a in everything if a.unit in chain and a.is_open()]


def _actions(book: Workbook, unit: str, everything: list, today: date) -> tuple[list[ActionLine], int, tuple[int, int]]:
    mine = sorted(concerning(book, unit, everything), key=lambda a: _order(a, today))
    lines = []
    for a in mine[:MAX_ACTIONS]:
        status = actions_module.STATUSES.get(a.status, a.status)
        if a.overdue(today):
            status = "Forsinket"  # the deadline stands beside it
        elif actions_module.followup_due(a, today):
            status += f"; opfølgning nu (aftalt {day(a.followup)})"
        lines.append(ActionLine(short(a.measure, MAX_TEXT), short(a.responsible, MAX_TEXT // 2) or "ingen ansvarlig",
                                "" if a.unit == unit else book.unit_name(a.unit),
                                day(a.deadline) or a.deadline_text or "ingen frist", day(a.followup) or a.followup_text,
                                status, a.overdue(today), actions_module.followup_due(a, today)))
    below = set(book.subtree(unit)) - {unit}
    under = [a for a in everything if a.unit in below and a.is_open()]
    return lines, max(0, len(mine) - MAX_ACTIONS), (len(under), sum(a.overdue(today) for a in under))


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


def _steps(book: Workbook, unit: str, store: Store, figures: Apv | None, everything: list,
           progress: list[Progress], today: date) -> list[str]:
    """The stated rules, in order (see the module's docstring); at most MAX_STEPS."""
    first = next((p for p in progress if p.state == NOT_STARTED), None)
    steps = [_overdue_step(book, unit, everything, today), _exposure_step(store, unit, figures),
             f"Anbefaling {first.number}, «{first.title}», er ikke startet: begynd her." if first else ""]
    return [s for s in steps if s][:MAX_STEPS]


def _overdue_step(book: Workbook, unit: str, everything: list, today: date) -> str:
    late = sorted((a for a in concerning(book, unit, everything) if a.overdue(today)), key=lambda a: a.deadline)
    if not late:
        return ""
    a = late[0]
    whose = "" if a.unit == unit else f" ({book.unit_name(a.unit)})"
    what = "den ældste," if len(late) > 1 else "den forsinkede opgave"
    text = (f"Følg op på {what} «{short(a.measure, MAX_TEXT)}»{whose}: fristen var {day(a.deadline)}, ansvarlig er "
            f"{short(a.responsible, MAX_TEXT // 2) or 'ikke aftalt'}. Aftal en ny frist, eller luk den.")
    return f"{len(late)} opgaver er forsinkede. {text}" if len(late) > 1 else text


def _exposure_step(store: Store, unit: str, figures: Apv | None) -> str:
    """The most exposed of the high exposures, with the weakest greb (or none rated yet)."""
    high = [f for f in (figures.exposures if figures else [])
            if f.higher or (f.unit_share is not None and f.unit_share >= HIGH_SHARE)]
    if not high:
        return ""
    top = max(high, key=lambda f: f.unit_share)
    why = f"{top.unit} udsat, markant højere end institutionens {top.institution}" if top.higher else f"{top.unit} udsat"
    scores = greb_scores(store, unit)
    weak = [(score, g) for g in guide_module.default().greb for score, bad in [scores[g.id]]
            if bad or (score is not None and score < 0.5)]
    if weak:
        g = min(weak, key=lambda x: x[0])[1]
        return (f"«{top.title}» fylder ({why}), og grebet «{g.short}» lykkes ikke godt nok: tag det op i "
                f"opfølgningsdialogen (anbefaling 4).")
    if all(score is None for score, _ in scores.values()):
        return (f"«{top.title}» fylder ({why}), og ingen forebyggelsesgreb er vurderet endnu: gør status på "
                f"grebene (anbefaling 4).")
    return ""
