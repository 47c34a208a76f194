"""Votes from the room: everyone answers one question of the page at once, from their phones.

A facilitator opens a vote on one question of the live page (a rating, a yes/no, or a choice
of several); the projected page shows a short address with a one-time code. Each phone gets a
random cookie (not an identity) and holds one answer per vote, which it may change until the
vote closes. The answers live only in the server's memory while the vote is open; closing it
keeps the counts and forgets who answered what. The counts are shown, and saved in the store
as the group's answer, only when at least `k` answered (the institution's threshold; the
sensitive one for questions about harassment or violence); below that only the number of
answers is kept. `Board` holds the one vote of a server; the server's routes are in
`vote_routes`.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field

from .. import danish, shared
from ..errors import InputError, StresskitError
from ..guide import Guide, Question
from ..store import Store, VoteResult, current_user, local_time, now
from ..workbook import Workbook

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz"  # no i, l, o: nothing to mistake for 1 or 0 on a phone
CODE_LENGTH = 6
PHONE_COOKIE = "sk_phone"
MAX_PHONES = 2000  # answers held in memory per vote: a room, not the internet
KINDS = ("choice", "check", "checklist")  # a rating or a choice, a yes/no, several choices
YES_NO = (("ja", "Ja"), ("nej", "Nej"))
TOO_FEW = "for få svar til at vise"


class VoteError(StresskitError):
    """Why a phone's or the facilitator's request is refused, in Danish (`message`)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def votable(question: Question) -> bool:
    return question.kind in KINDS and bool(choices(question))


def choices(question: Question) -> tuple[tuple[str, str], ...]:
    return YES_NO if question.kind == "check" else tuple((str(i), str(t)) for i, t in question.options)


def questions_for(guide: Guide, notebook: str) -> list[Question]:
    """The votable questions of one notebook's page (`03_paavirkninger` or its file name)."""
    stem = notebook.removesuffix(".ipynb")
    recs = {r.id for r in guide.recommendations if r.notebook == stem}
    return [q for form in guide.forms.values() if form.recommendation in recs for q in form.questions if votable(q)]


def sensitive(guide: Guide, question: Question) -> bool:
    """A question about harassment or violence: on a sensitive exposure, or choosing among them."""
    flagged = {x.id for x in guide.exposures if x.get("sensitive")}
    return question.item in flagged or any(i in flagged for i, _t in choices(question) if question.kind == "checklist")


def threshold(book: Workbook, guide: Guide, question: Question) -> int:
    return book.min_group_sensitive if sensitive(guide, question) else book.min_group


def label(question: Question) -> str:
    """The question as the room reads it (a grid's row and column, else its label)."""
    if question.row and question.column:
        return f"{question.row}: {question.column}"
    return question.label


@dataclass
class Vote:
    unit: str  # the page's unit
    holder: str  # whom the answer is saved for (the unit, its AMO group or the institution)
    question: Question
    k: int
    code: str
    who: str  # who ran the vote
    opened: str = field(default_factory=now)
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # phone cookie → its answer; only while open
    closed: str | None = None
    answered: int = 0
    counts: dict[str, int] | None = None  # after closing, and only with at least k answers
    saved: bool = False
    save_error: str = ""

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        return choices(self.question)

    @property
    def multiple(self) -> bool:
        return self.question.kind == "checklist"

    def answer(self, phone: str, values: list[str]) -> None:
        if self.closed:
            raise VoteError("Afstemningen er lukket, så dit svar kom for sent og er ikke talt med.", 409)
        allowed = {i for i, _t in self.options}
        picked = tuple(dict.fromkeys(v for v in values if v in allowed))
        if len(picked) != len(set(values)) or not picked or (len(picked) > 1 and not self.multiple):
            raise VoteError("Vælg et af svarene på listen, og tryk så på «Send svar».")
        if phone not in self.answers and len(self.answers) >= MAX_PHONES:
            raise VoteError("Der er ikke plads til flere svar i denne afstemning.", 503)
        self.answers[phone] = picked

    def close(self) -> None:
        """Count, then forget every phone's answer; the distribution only with at least k answers."""
        self.closed = now()
        self.answered = len(self.answers)
        if self.answered >= self.k:
            counts = {i: 0 for i, _t in self.options}
            for picked in self.answers.values():
                for value in picked:
                    counts[value] += 1
            self.counts = counts
        self.answers = {}

    def record(self) -> dict:
        """What the store keeps: the counts, never a phone's answer."""
        return {"answered": self.answered, "counts": self.counts, "k": self.k}

    def status(self) -> dict:
        titles = dict(self.options)
        out = {
            "state": "closed" if self.closed else "open",
            "unit": self.unit,
            "question": self.question.id,
            "label": label(self.question),
            "code": self.code,
            "k": self.k,
            "multiple": self.multiple,
            "answered": self.answered if self.closed else len(self.answers),
        }
        if self.closed:
            out["result"] = (
                [{"id": i, "title": titles[i], "count": n} for i, n in self.counts.items()]
                if self.counts is not None
                else None
            )
            out["message"] = "" if self.counts is not None else TOO_FEW
            out["saved"], out["save_error"] = self.saved, self.save_error
        return out


class Board:
    """The server's one vote at a time, and the codes of the votes closed before (so a late
    phone is told the vote closed rather than that its code is wrong)."""

    def __init__(self, workbook: str, guide: Guide):
        self.workbook, self.guide = workbook, guide
        self.current: Vote | None = None
        self._closed: dict[str, Vote] = {}
        self._lock = threading.Lock()

    def book(self) -> Workbook:
        try:
            return Workbook.open(self.workbook)  # read again: institution.yaml may have changed
        except InputError:
            raise VoteError(
                "institution.yaml har fejl, så der kan ikke stemmes; kør stresskit validate.", 500
            ) from None

    def open(self, unit: str, question_id: str, who: str = "") -> Vote:
        book = self.book()
        if unit not in book.units:
            raise VoteError("Enheden findes ikke i arbejdsbogen.", 404)
        question = self.guide.questions.get(question_id)
        if question is None or not votable(question):
            raise VoteError("Der kan ikke stemmes om det spørgsmål (kun vurderinger, ja/nej og valg).", 400)
        with self._lock:
            if self.current is not None and not self.current.closed:
                raise VoteError("Der er allerede en åben afstemning; luk den først.", 409)
            code = self._new_code()
            holder = shared.holder(book, unit, question.scope)
            who = " ".join((who or "").split())[:80] or current_user()
            self.current = Vote(unit, holder, question, threshold(book, self.guide, question), code, who)
            return self.current

    def _new_code(self) -> str:
        used = set(self._closed) | ({self.current.code} if self.current else set())
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in used:
                return code

    def close(self) -> Vote:
        """Close the open vote and save its counts in the store (if it cannot be saved, the
        status says so; the room still sees the result)."""
        with self._lock:
            vote = self.current
            if vote is None or vote.closed:
                raise VoteError("Der er ingen åben afstemning.", 409)
            vote.close()
            self._closed[vote.code] = vote
        try:
            with Store(Workbook.open(self.workbook).store_path) as store:
                store.save_vote(vote.holder, vote.question.id, vote.record(), vote.who, vote.opened, vote.closed)
            vote.saved = True
        except Exception as exc:  # a read-only or damaged store: the room still sees the result
            vote.save_error = str(exc) or "lageret kunne ikke bruges"  # a StresskitError's str() is its Danish message
        return vote

    def find(self, code: str) -> Vote:
        """The vote a phone's code opens; a clear refusal for a wrong or an expired code."""
        code = (code or "").strip().lower()
        vote = self.current
        if vote is not None and hmac.compare_digest(vote.code.encode(), code.encode()):
            return vote
        if code in self._closed:
            return self._closed[code]
        raise VoteError("Koden passer ikke til en åben afstemning. Tjek koden på skærmen, og prøv igen.", 404)


def new_phone() -> str:
    return secrets.token_urlsafe(18)


def report_line(result: VoteResult) -> str:
    """«afstemning i AMO-gruppen 12.03.2027: 9 svar» (the counts follow where they may be shown)."""
    return f"afstemning i AMO-gruppen {danish.day(local_time(result.at))}: {result.result.get('answered', 0)} svar"


def latest_lines(store: Store, unit: str) -> dict[str, str]:
    """Each question's latest closed vote for the unit, as the report's line."""
    return {r.question: report_line(r) for r in store.votes(unit)}
