"""How far a unit has come on each recommendation, for the overblik and the checklist of recommendation 6.

The rule of shared and own (stresskit.shared; the overblik's docstring says it in full): progress
counts only the questions the unit answers itself; what the institution or its AMO group answers
for it is shown beside, as «fælles», and never counted. Also the unit's open tasks and agreements,
and those of the units above it, which apply here too."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from . import actions as actions_module
from . import guide as guide_module
from . import shared, signals
from .errors import InputError
from .store import Store
from .workbook import Workbook

NOT_STARTED, STARTED, DONE, SHARED = "not_started", "started", "done", "shared"
PROGRESS_WORDS = {NOT_STARTED: "○ Ikke startet", STARTED: "◐ I gang", DONE: "● Besvaret", SHARED: "◇ Fælles"}


@dataclass
class Progress:
    number: int
    title: str
    anchor: str  # the section of the combined report: anbefaling-01
    answered: int  # of the questions the unit answers itself
    total: int
    shared: list  # (whose, answered, total): answered for the unit by the institution or its AMO group
    open: int  # the unit's own open tasks
    overdue: int
    state: str  # NOT_STARTED | STARTED | DONE | SHARED
    agreements: int = 0  # the unit's own agreements in force (IGLO entries)
    review_due: int = 0  # of them, those due to be discussed again
    units: tuple = (0, 0)  # the institution's page: units below that answered, units below

    @property
    def label(self) -> str:
        return PROGRESS_WORDS[self.state]

    @property
    def answered_text(self) -> str:
        bits = []
        if self.total:
            bits.append(
                f"{self.answered} af {self.total} spørgsmål besvaret"
                + (" for institutionen selv" if self.units[1] else "")
            )
        if self.units[1]:
            bits.append(f"svar fra {self.units[0]} af {self.units[1]} enheder")
        if self.shared:  # «fælles for arbejdsmiljøgruppen: 1 af 13, for institutionen: 5 af 7 besvaret»
            bits.append(
                ", ".join(
                    f"{whose if i == 0 else whose.replace('fælles ', '')}: {answered} af {total}"
                    for i, (whose, answered, total) in enumerate(self.shared)
                )
                + " besvaret"
            )
        text = "; ".join(bits)
        return text[:1].upper() + text[1:]

    @property
    def text(self) -> str:
        bits = [self.answered_text] if self.answered_text else []
        if self.open:
            bits.append("1 åben opgave" if self.open == 1 else f"{self.open} åbne opgaver")
        if self.overdue:
            bits.append(f"heraf {self.overdue} forsinket" if self.overdue == 1 else f"heraf {self.overdue} forsinkede")
        if self.agreements:
            bits.append("1 aftale" if self.agreements == 1 else f"{self.agreements} aftaler")
        if self.review_due:
            bits.append(f"{self.review_due} skal drøftes igen")
        return ", ".join(bits)


@functools.cache
def counted_questions(recommendation: str) -> tuple:
    """The questions progress counts: a recommendation's questions except notes and action fields."""
    return tuple(
        q
        for f in guide_module.default().forms.values()
        if f.recommendation == recommendation
        for q in f.questions
        if q.kind != "action" and not q.id.endswith(".noter") and q.column != "Noter"
    )


def answered(value) -> bool:
    return value not in (None, "", [])


def progressed(question, value) -> bool:
    """An answer that is progress: given, and not an option marked as none («Mangler kontakt»)."""
    return answered(value) and not (isinstance(value, str) and value in question.no_progress)


def recorded_signals(book: Workbook) -> dict[str, set[str]]:
    """Per unit, the signal questions (apv.signal.<measure>) that signals.csv answers for it: a figure in
    its latest period for the unit or a unit below. Only that a figure exists is used, never its value."""
    try:
        rows, problems = signals.read(book)
    except InputError:
        return {}
    if problems:
        return {}
    seen: dict[str, set] = {}
    for u, values in rows.items():
        if u in book.units:
            for a in book.ancestors(u):
                seen.setdefault(a, set()).update(f"apv.signal.{m}" for m in values)
    return seen


SIGNALS_KEY = " signals"  # in progress's cache beside the holders' answers (no store key has a space)


def progress(
    book: Workbook, unit: str, store: Store, everything: list, today: date, cache: dict | None = None
) -> list[Progress]:
    """How far the unit has come on each recommendation, by the rule of shared and own (the module's
    docstring). ``cache`` keeps each holder's answers between calls, when many units are summarised at once."""
    guide = guide_module.default()
    cache = {} if cache is None else cache

    def given(key: str) -> dict:
        if key not in cache:
            cache[key] = {q: a.value for q, a in store.latest(key).items()}
        return cache[key]

    mine = own(unit, everything)
    is_root = unit == book.root_unit
    below = [u for u in book.subtree(unit) if u != unit] if is_root else []
    if SIGNALS_KEY not in cache:  # signals.csv read once for all the units summarised with this cache
        cache[SIGNALS_KEY] = recorded_signals(book)
    recorded = cache[SIGNALS_KEY]
    signals_here = recorded.get(unit, set())
    out = []
    for rec in guide.recommendations:
        questions = counted_questions(rec.id)
        own_q = [q for q in questions if shared.is_own(book, unit, q)]
        own_ids = {q.id for q in own_q}
        done = sum(1 for q in own_q if progressed(q, given(unit).get(q.id)) or q.id in signals_here)
        others: dict[str, list] = {}
        for q in questions:
            if q.id not in own_ids:
                label = (
                    "fælles for arbejdsmiljøgruppen"
                    if shared.holder_of(book, unit, q).startswith(shared.GROUP_PREFIX)
                    else shared.FOR_INSTITUTION
                )
                hit = progressed(q, given(shared.holder_of(book, unit, q)).get(q.id))
                counts = others.setdefault(label, [0, 0])
                counts[0] += hit
                counts[1] += 1
        per_unit = [q for q in questions if q.scope == guide_module.UNIT]
        rolled = (
            sum(
                1
                for u in below
                if any(progressed(q, given(u).get(q.id)) or q.id in recorded.get(u, ()) for q in per_unit)
            )
            if per_unit
            else 0
        )
        tasks = [a for a in mine if a.recommendation == rec.id and not a.is_agreement]
        agreements = [a for a in mine if a.recommendation == rec.id and a.is_agreement]
        if not own_q and not tasks and not agreements:
            state = SHARED
        elif own_q and done == len(own_q):
            state = DONE
        else:
            state = STARTED if done or tasks or agreements or rolled else NOT_STARTED
        out.append(
            Progress(
                rec.number,
                rec.title,
                f"anbefaling-{rec.notebook[:2]}",
                done,
                len(own_q),
                [(w, a, n) for w, (a, n) in others.items()],
                len(tasks),
                sum(a.overdue(today) for a in tasks),
                state,
                len(agreements),
                sum(a.review_due(today) for a in agreements),
                (rolled, len(below)) if per_unit and below else (0, 0),
            )
        )
    return out


def own(unit: str, everything: list) -> list:
    """The unit's own open tasks and agreements."""
    return [a for a in everything if a.unit == unit and a.is_open()]


def institutions(book: Workbook, unit: str, everything: list) -> list:
    """The open tasks and agreements of the units above the unit (the institution's): they apply here too,
    but are the institution's, counted as the institution's."""
    above = set(book.ancestors(unit)[1:])
    return [a for a in everything if a.unit in above and a.is_open()]


def concerning(book: Workbook, unit: str, everything: list) -> list:
    """Open actions of the unit and of the units above it (the institution's apply here too)."""
    return own(unit, everything) + institutions(book, unit, everything)


def task_counts(items: list, today: date) -> dict[str, int]:
    """Open tasks, of them overdue, and agreements, of them due for review."""
    tasks = [a for a in items if not a.is_agreement]
    agreements = [a for a in items if a.is_agreement]
    return {
        "tasks": len(tasks),
        "overdue": sum(a.overdue(today) for a in tasks),
        "followup": sum(actions_module.followup_due(a, today) for a in tasks),
        "agreements": len(agreements),
        "review_due": sum(a.review_due(today) for a in agreements),
    }
