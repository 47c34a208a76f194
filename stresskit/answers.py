"""Answers and actions in and out of the store as YAML, e.g. to ship a workshop's
answers with the example or move them between laptops.

An import is checked in full before anything is written, then added in one
transaction; rows already in the store are skipped, so importing twice changes nothing.
A file with any bad entry is refused whole, naming each entry (``answers[12].value``):
every value must fit its question's kind in the guide, every action field its meaning,
and no row may be dated in the future (the latest row wins, so one dated 9999 would
shadow every later answer for ever).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from . import actions as actions_module
from . import guide as guide_module
from . import yamlfile
from .errors import InputError, Problem
from .guide import Question
from .store import ActionVersion, Answer, Store
from .workbook import Workbook

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
CLOCK_SKEW = timedelta(minutes=10)  # another laptop's clock may run a little ahead
MAX_TEXT = 10_000  # characters in a text answer, a note or an action's text: a long workshop note is ~2,000
MAX_NAME = 200  # characters in a name: who answered, who is responsible
MAX_NUMBER = 1e9  # no figure the guide asks for (percentages, counts of staff) comes near
MAX_PROBLEMS = 50  # listed in full; a file with more is most likely not an answers file at all
ACTION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ANSWER_KEYS = {"unit", "question", "value", "who", "at", "note"}
ACTION_KEYS = {"id", "unit", "who", "at", "data"}


def export(book: Workbook, path: Path | str) -> tuple[int, int]:
    with Store(book.store_path) as store:
        answers = [
            {
                "unit": a.unit,
                "question": a.question,
                "value": a.value,
                "who": a.who,
                "at": a.at,
                **({"note": a.note} if a.note else {}),
            }
            for a in store.all_answers()
        ]
        actions = [
            {"id": v.action_id, "unit": v.unit, "who": v.who, "at": v.at, "data": v.data}
            for v in store.all_action_versions()
        ]
    head = f"# Svar og opgaver fra stresskit-arbejdsbogen for {book.name}.\n"
    Path(path).write_text(
        head + yaml.safe_dump({"answers": answers, "actions": actions}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return len(answers), len(actions)


def check_value(question: Question, value) -> tuple[object, str | None]:
    """The value as stored for the question's kind, or what was expected instead (Danish).
    None clears an answer and fits every kind that holds answers."""
    kind, options = question.kind, [o for o, _ in question.options]
    if kind == "action":
        return value, "spørgsmålet samler opgaver; de hører under «actions», ikke under «answers»."
    if value is None:
        return None, None
    if kind == "choice":
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) in options:
            return str(value), None  # the form stores the option's id as text, also for a rating «3»
        return value, f"forventede en af {', '.join(options)}."
    if kind == "checklist":
        if (
            isinstance(value, list)
            and all(isinstance(v, str) and v in options for v in value)
            and len(set(value)) == len(value)
        ):
            return value, None
        return value, f"forventede en liste uden gentagelser med nogle af {', '.join(options)}."
    if kind == "check":
        return (value, None) if isinstance(value, bool) else (value, "forventede true eller false (ja eller nej).")
    if kind == "number":
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) <= MAX_NUMBER
        ):
            return value, None
        return value, "forventede et tal."
    if kind == "date":
        return (value, None) if actions_module.iso_date(value) else (value, "forventede en dato som 2026-11-15.")
    if isinstance(value, str) and len(value) <= MAX_TEXT:  # text
        return value, None
    return value, f"forventede en tekst på højst {MAX_TEXT} tegn."


class _Reader:
    """Checks one file's entries, collecting every problem before anything is stored."""

    def __init__(self, file: str, book: Workbook, guide):
        self.file, self.guide = file, guide
        self.keys = book.answer_keys()
        self.latest = datetime.now(UTC) + CLOCK_SKEW
        self.problems: list[Problem] = []

    def problem(self, column: str, expected: str, value=None) -> None:
        self.problems.append(Problem(self.file, column=column, value=value, expected=expected))

    def text(self, row: dict, key: str, where: str, limit: int, required: str = "") -> str:
        """A text field: a string of at most `limit` characters; `required` says why it can't be empty."""
        value = row.get(key)
        if value is None or value == "":
            if required:
                self.problem(f"{where}.{key}", required)
            return ""
        if not isinstance(value, str) or len(value) > limit:
            self.problem(f"{where}.{key}", f"forventede en tekst på højst {limit} tegn.", value)
            return ""
        return value

    def common(self, row: dict, where: str, known: set[str]) -> None:
        for key in sorted(set(row) - known, key=str):
            self.problem(f"{where}.{key}", f"feltet kendes ikke; forventede {', '.join(sorted(known))}.")
        unit = row.get("unit")
        if not isinstance(unit, str) or unit not in self.keys:
            self.problem(f"{where}.unit", "forventede id'et på en enhed i institution.yaml.", unit)
        self.text(row, "who", where, MAX_NAME, required="forventede navnet på den, der svarede.")
        at = row.get("at")
        try:
            when = datetime.strptime(at, TIME_FORMAT).replace(tzinfo=UTC) if TIME.match(str(at)) else None
        except ValueError:
            when = None
        if when is None:
            self.problem(f"{where}.at", "forventede et tidspunkt i UTC som 2026-10-08T09:00:00.000000Z.", at)
        elif when > self.latest:
            self.problem(
                f"{where}.at",
                "tidspunktet ligger i fremtiden; et svar kan ikke være givet senere end nu "
                "(tjek computerens ur, hvis filen er lavet på en anden computer).",
                at,
            )

    def answer(self, row, where: str) -> Answer | None:
        if not isinstance(row, dict):
            self.problem(where, "forventede unit, question, value, who og at.")
            return None
        before = len(self.problems)
        self.common(row, where, ANSWER_KEYS)
        note = self.text(row, "note", where, MAX_TEXT)
        question = self.guide.questions.get(row.get("question")) if isinstance(row.get("question"), str) else None
        if question is None:
            self.problem(
                f"{where}.question", "forventede et spørgsmåls-id fra guidelinens indhold.", row.get("question")
            )
            return None
        value, expected = check_value(question, row.get("value"))
        if expected:
            self.problem(f"{where}.value", expected, row.get("value"))
        if len(self.problems) > before:
            return None
        return Answer(0, row["unit"], question.id, value, row["who"], row["at"], note)

    def action(self, row, where: str) -> ActionVersion | None:
        if not isinstance(row, dict) or not isinstance(row.get("data"), dict):
            self.problem(where, "forventede id, unit, who, at og data.")
            return None
        before = len(self.problems)
        self.common(row, where, ACTION_KEYS)
        action_id = row.get("id")
        if not isinstance(action_id, str) or not ACTION_ID.fullmatch(action_id):
            self.problem(f"{where}.id", "forventede et id af bogstaver, tal, _ og - (højst 64 tegn).", action_id)
        data = self.action_data(row["data"], f"{where}.data")
        if len(self.problems) > before:
            return None
        return ActionVersion(0, action_id, row["unit"], data, row["who"], row["at"])

    def action_data(self, raw: dict, where: str) -> dict:
        """The action's fields as the action model stores them, each checked."""
        fields = actions_module.Action("", "").data()
        for key in sorted(set(raw) - set(fields), key=str):
            self.problem(f"{where}.{key}", f"feltet kendes ikke; forventede {', '.join(fields)}.")
        data = {
            "measure": self.text(raw, "measure", where, MAX_TEXT, required="en opgave skal sige, hvad der skal gøres."),
            "responsible": self.text(raw, "responsible", where, MAX_NAME),
            "problem": self.text(raw, "problem", where, MAX_TEXT),
        }
        for key in actions_module.DATE_FIELDS:
            value = raw.get(key)
            if value not in (None, "") and not actions_module.iso_date(value):
                self.problem(f"{where}.{key}", "forventede en dato som 2026-11-15 eller ingenting.", value)
            data[key] = value or None
        g = self.guide
        choices = {
            "level": [x["id"] for x in g.iglo_levels],
            "phase": [x["id"] for x in g.iglo_phases],
            "recommendation": [x["id"] for x in g.recommendations],
            "question": list(g.questions),
            "status": list(actions_module.STATUSES),
            "priority": list(actions_module.PRIORITIES),
        }
        for key, allowed in choices.items():
            value = raw.get(key, fields[key])
            if value not in allowed and not (value in ("", None) and fields[key] == ""):
                shown = ", ".join(allowed) if len(allowed) <= 12 else "et id fra guidelinens indhold"
                self.problem(
                    f"{where}.{key}", f"forventede {shown}{' eller ingenting' if fields[key] == '' else ''}.", value
                )
            data[key] = value or fields[key]
        return {key: data[key] for key in fields}


def read(book: Workbook, path: Path | str) -> tuple[list[Answer], list[ActionVersion]]:
    """Every answer and action version in an export, checked; InputError naming each bad entry."""
    path = Path(path)
    file = path.name
    data = yamlfile.read(path, file, "forventede listerne answers og actions.")
    reader = _Reader(file, book, guide_module.default())
    lists = {}
    for key in ("answers", "actions"):
        lists[key] = data.get(key) if data.get(key) is not None else []
        if not isinstance(lists[key], list):
            reader.problem(key, f"forventede en liste under «{key}».")
            lists[key] = []
    for key in sorted(set(data) - set(lists), key=str):
        reader.problem(str(key), "feltet kendes ikke; en eksport rummer kun listerne answers og actions.")
    answers = [reader.answer(row, f"answers[{n}]") for n, row in enumerate(lists["answers"], start=1)]
    versions = [reader.action(row, f"actions[{n}]") for n, row in enumerate(lists["actions"], start=1)]
    if reader.problems:
        problems = reader.problems
        if len(problems) > MAX_PROBLEMS:
            problems = problems[:MAX_PROBLEMS] + [
                Problem(file, expected=f"… og {len(problems) - MAX_PROBLEMS} fejl mere. Intet er indlæst.")
            ]
        raise InputError(problems)
    return answers, versions


def import_(book: Workbook, path: Path | str) -> tuple[int, int]:
    answers, versions = read(book, path)
    with Store(book.store_path) as store:
        return store.append_many(answers, versions)
