"""The store's three tables: their SQL (answers, actions, votes), the columns a store must have,
and a row of each as Python reads it back (see store for how rows are written and read)."""

from __future__ import annotations

import json
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    unit     TEXT NOT NULL,
    question TEXT NOT NULL,
    value    TEXT NOT NULL,          -- JSON, null means the answer was cleared
    who      TEXT NOT NULL,
    at       TEXT NOT NULL,          -- UTC, ISO 8601 with microseconds: sorts as text
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS answers_key ON answers (unit, question, at, seq);
CREATE TABLE IF NOT EXISTS actions (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id TEXT NOT NULL,
    unit      TEXT NOT NULL,
    data      TEXT NOT NULL,         -- JSON object: the action's fields at this version
    who       TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_key ON actions (action_id, at, seq);
CREATE INDEX IF NOT EXISTS actions_unit ON actions (unit);
CREATE TABLE IF NOT EXISTS votes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    unit     TEXT NOT NULL,          -- who the answer is for (the unit, or the holder of a shared question)
    question TEXT NOT NULL,
    result   TEXT NOT NULL,          -- JSON: {"answered": n, "counts": {option: n} or null below k, "k": k}
    who      TEXT NOT NULL,          -- who ran the vote
    opened   TEXT NOT NULL,
    at       TEXT NOT NULL           -- when it closed
);
CREATE INDEX IF NOT EXISTS votes_key ON votes (unit, question, at, seq);
"""

COLUMNS = {
    "answers": {"seq", "unit", "question", "value", "who", "at", "note"},
    "actions": {"seq", "action_id", "unit", "data", "who", "at"},
    "votes": {"seq", "unit", "question", "result", "who", "opened", "at"},
}


@dataclass(frozen=True)
class Answer:
    seq: int
    unit: str
    question: str
    value: object
    who: str
    at: str
    note: str = ""


@dataclass(frozen=True)
class ActionVersion:
    seq: int
    action_id: str
    unit: str
    data: dict
    who: str
    at: str


@dataclass(frozen=True)
class VoteResult:
    seq: int
    unit: str
    question: str
    result: dict  # {"answered": n, "counts": {option id: n} or None, "k": k}
    who: str
    opened: str
    at: str


def answer_from(row) -> Answer:
    return Answer(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6])


def action_from(row) -> ActionVersion:
    return ActionVersion(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5])
