"""The workbook's durable store: every answer and every action item, with history, and the
counts of the votes held in the room (`stresskit.live.vote`; never a participant's own answer).

SQLite in the workbook folder, in WAL mode with full sync, so several notebooks can
write at once and a process killed mid-save leaves every earlier answer intact. A save
is a new row (who, when, value); nothing is updated or deleted; the latest row wins.

Every SQLite failure (a damaged file, a read-only folder, a full disk, a lock held too
long) reaches callers as `StoreError`, an `InputError` with a Danish message, so no
command or notebook shows a traceback for it; a failed write is rolled back whole.
The tables' SQL and their rows as records are in store_tables.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .errors import InputError, Problem
from .store_tables import COLUMNS, SCHEMA, ActionVersion, Answer, VoteResult, action_from, answer_from

DAMAGED = (
    "lageret er beskadiget; stresskit har ikke ændret det. Gendan filen fra en sikkerhedskopi, "
    "eller flyt den væk for at begynde med et tomt lager."
)

_user: str | None = None


class StoreError(InputError):
    """The store can't be used (damaged, read-only, full disk, locked); told in Danish."""


def _problem(path: Path, exc: sqlite3.Error) -> Problem:
    code = getattr(exc, "sqlite_errorname", "") or ""
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        text = DAMAGED
    elif code.startswith("SQLITE_FULL"):
        text = "disken er fuld, så intet nyt kan gemmes; det, der allerede er gemt, er uændret. Frigør plads, og prøv igen."
    elif code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        text = (
            "lageret kan ikke åbnes til skrivning; arbejdsbogens mappe eller filen er skrivebeskyttet. "
            "stresskit skal kunne skrive i mappen (også filerne stresskit.sqlite-wal og -shm)."
        )
    elif code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        text = "lageret er låst af et andet program for længe; luk andre notesbøger, der gemmer, og prøv igen."
    elif code.startswith("SQLITE_IOERR"):
        text = "lageret kunne ikke læses eller skrives (disken svarer ikke, er fuld eller er fjernet); intet er ændret."
    else:
        text = f"lageret kunne ikke bruges ({type(exc).__name__}: {exc}); intet er ændret."
    return Problem(path.name, expected=text)


@contextmanager
def _translated(path: Path):
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(_problem(path, exc)) from None


def check(path: Path | str) -> list[Problem]:
    """The store's integrity, read without changing a byte; a missing store is fine (nothing saved yet)."""
    path = Path(path)
    if not path.exists():
        return []
    if not path.is_file():
        return [Problem(path.name, expected="forventede lagerfilen, men fandt en mappe med det navn.")]
    try:
        try:
            verdict, tables = _inspect(f"{path.resolve().as_uri()}?mode=ro")
        except sqlite3.OperationalError:
            # a WAL store in a folder we may not write to: read the file as it lies (a cleanly
            # closed store has nothing in its -wal file); the folder itself is reported apart
            verdict, tables = _inspect(f"{path.resolve().as_uri()}?immutable=1")
    except sqlite3.Error as exc:
        return [_problem(path, exc)]
    if verdict != [("ok",)]:
        return [Problem(path.name, expected=DAMAGED)]
    wrong = [t for t, have in tables.items() if not COLUMNS[t] <= have]
    if wrong:
        return [
            Problem(
                path.name,
                expected=f"filen er ikke et stresskit-lager (tabellen {', '.join(wrong)} har andre "
                "kolonner); flyt den væk, eller vælg den rigtige arbejdsbog.",
            )
        ]
    return []


def _inspect(uri: str) -> tuple[list, dict[str, set[str]]]:
    db = sqlite3.connect(uri, uri=True)
    try:
        verdict = db.execute("PRAGMA integrity_check").fetchall()
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") if n in COLUMNS]
        return verdict, {n: {c[1] for c in db.execute(f"PRAGMA table_info({n})")} for n in names}
    finally:
        db.close()


def require_sound(path: Path | str) -> None:
    """Refuse to go on with a damaged store (before anything could write to it)."""
    problems = check(path)
    if problems:
        raise StoreError(problems)


def set_user(name: str) -> None:
    """Name the person saving in this session (shown as «who» beside every answer)."""
    global _user
    _user = name.strip() or None


USER_ENV = "STRESSKIT_USER"
UNKNOWN_USER = "ukendt"


def current_user() -> str:
    """Who is saving: the name given in this session, else $STRESSKIT_USER, else «ukendt».
    Never the operating system's login name: on a shared laptop that names the wrong person."""
    return _user or (os.environ.get(USER_ENV) or "").strip() or UNKNOWN_USER


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_time(at: str) -> datetime:
    return datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).astimezone()


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.RLock()  # forms save from timer threads too
        self._db = None
        try:
            with _translated(self.path):
                self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                self._db.execute("PRAGMA busy_timeout = 30000")
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = FULL")
            with self._write():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
        except BaseException:
            if self._db is not None:
                self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self):
        return _Transaction(self._db, self._lock, self.path)

    def _rows(self, sql: str, args: tuple = ()) -> list:
        with self._lock, _translated(self.path):
            return self._db.execute(sql, args).fetchall()

    # --- answers ---------------------------------------------------------------
    def save(
        self, unit: str, question: str, value, who: str | None = None, at: str | None = None, note: str = ""
    ) -> Answer:
        row = (unit, question, json.dumps(value, ensure_ascii=False), who or current_user(), at or now(), note)
        with self._write():
            cur = self._db.execute(
                "INSERT INTO answers (unit, question, value, who, at, note) VALUES (?,?,?,?,?,?)", row
            )
        return Answer(cur.lastrowid, unit, question, value, row[3], row[4], note)

    def latest(self, unit: str, prefix: str = "") -> dict[str, Answer]:
        """The current answer to each question of the unit (optionally under an id prefix)."""
        rows = self._rows(
            """SELECT a.* FROM answers a
               WHERE a.unit = ? AND a.question >= ? AND a.question < ? AND a.seq = (
                   SELECT b.seq FROM answers b WHERE b.unit = a.unit AND b.question = a.question
                   ORDER BY b.at DESC, b.seq DESC LIMIT 1)""",
            (unit, prefix, prefix + "\uffff"),
        )
        return {r[2]: answer_from(r) for r in rows}

    def history(self, unit: str, question: str | None = None) -> list[Answer]:
        sql = "SELECT * FROM answers WHERE unit = ?" + (" AND question = ?" if question else "") + " ORDER BY at, seq"
        return [answer_from(r) for r in self._rows(sql, (unit, question) if question else (unit,))]

    def restore(self, seq: int, who: str | None = None) -> Answer:
        """Make an earlier value current again, as a new row that says where it came from."""
        rows = self._rows("SELECT * FROM answers WHERE seq = ?", (seq,))
        if not rows:
            raise KeyError(seq)
        old = answer_from(rows[0])
        return self.save(old.unit, old.question, old.value, who=who, note=f"gendannet fra svar nr. {seq}")

    def all_answers(self) -> list[Answer]:
        return [answer_from(r) for r in self._rows("SELECT * FROM answers ORDER BY at, seq")]

    # --- actions ---------------------------------------------------------------
    def save_action(
        self, unit: str, data: dict, action_id: str | None = None, who: str | None = None, at: str | None = None
    ) -> ActionVersion:
        """Append a version of an action; a new action gets a fresh id."""
        action_id = action_id or uuid.uuid4().hex[:12]
        row = (action_id, unit, json.dumps(data, ensure_ascii=False, default=str), who or current_user(), at or now())
        with self._write():
            cur = self._db.execute("INSERT INTO actions (action_id, unit, data, who, at) VALUES (?,?,?,?,?)", row)
        return ActionVersion(cur.lastrowid, action_id, unit, data, row[3], row[4])

    def actions(self, unit: str | None = None) -> list[ActionVersion]:
        """The current version of every action (of one unit), oldest action first."""
        sql = """SELECT a.* FROM actions a WHERE a.seq = (
                     SELECT b.seq FROM actions b WHERE b.action_id = a.action_id ORDER BY b.at DESC, b.seq DESC LIMIT 1)"""
        args: tuple = ()
        if unit is not None:
            sql += " AND a.unit = ?"
            args = (unit,)
        rows = [action_from(r) for r in self._rows(sql, args)]
        first = {r[0]: r[1] for r in self._rows("SELECT action_id, MIN(seq) FROM actions GROUP BY action_id")}
        return sorted(rows, key=lambda a: first[a.action_id])

    def action_history(self, action_id: str) -> list[ActionVersion]:
        return [
            action_from(r)
            for r in self._rows("SELECT * FROM actions WHERE action_id = ? ORDER BY at, seq", (action_id,))
        ]

    def all_action_versions(self) -> list[ActionVersion]:
        return [action_from(r) for r in self._rows("SELECT * FROM actions ORDER BY at, seq")]

    def append_many(self, answers: list[Answer], versions: list[ActionVersion]) -> tuple[int, int]:
        """Add rows from an export in one transaction, skipping rows already present."""
        added = [0, 0]
        with self._write():
            for a in answers:
                value = json.dumps(a.value, ensure_ascii=False)
                if not self._db.execute(
                    "SELECT 1 FROM answers WHERE unit=? AND question=? AND value=? AND who=? AND at=?",
                    (a.unit, a.question, value, a.who, a.at),
                ).fetchone():
                    self._db.execute(
                        "INSERT INTO answers (unit, question, value, who, at, note) VALUES (?,?,?,?,?,?)",
                        (a.unit, a.question, value, a.who, a.at, a.note),
                    )
                    added[0] += 1
            for v in versions:
                if not self._db.execute(
                    "SELECT 1 FROM actions WHERE action_id=? AND at=?", (v.action_id, v.at)
                ).fetchone():
                    self._db.execute(
                        "INSERT INTO actions (action_id, unit, data, who, at) VALUES (?,?,?,?,?)",
                        (v.action_id, v.unit, json.dumps(v.data, ensure_ascii=False), v.who, v.at),
                    )
                    added[1] += 1
        return added[0], added[1]

    def fingerprint(self, units: list[str] | None = None) -> str:
        """Changes whenever an answer or action of these units (None: any unit) is saved."""
        where, args = "", ()
        if units is not None:
            where = f" WHERE unit IN ({','.join('?' * len(units))})"
            args = tuple(units)
        a = self._rows("SELECT COUNT(*), MAX(seq) FROM answers" + where, args)[0]
        b = self._rows("SELECT COUNT(*), MAX(seq) FROM actions" + where, args)[0]
        return f"{a[0]}:{a[1]}:{b[0]}:{b[1]}"

    # --- closed votes (stresskit.live.vote): counts only, never a phone's answer ----------------------
    def save_vote(
        self, unit: str, question: str, result: dict, who: str, opened: str, at: str | None = None
    ) -> VoteResult:
        row = (unit, question, json.dumps(result, ensure_ascii=False), who or current_user(), opened, at or now())
        with self._write():
            cur = self._db.execute(
                "INSERT INTO votes (unit, question, result, who, opened, at) VALUES (?,?,?,?,?,?)", row
            )
        return VoteResult(cur.lastrowid, unit, question, result, row[3], opened, row[5])

    def votes(self, unit: str | None = None) -> list[VoteResult]:
        """Every closed vote (of one unit), oldest first."""
        sql = "SELECT * FROM votes" + (" WHERE unit = ?" if unit is not None else "") + " ORDER BY at, seq"
        return [
            VoteResult(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6])
            for r in self._rows(sql, (unit,) if unit is not None else ())
        ]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock up front, so concurrent writers wait.
    Any SQLite failure inside rolls the whole transaction back and leaves as a StoreError."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, path: Path):
        self.db, self.lock, self.path = db, lock, path

    def __enter__(self):
        self.lock.acquire()
        try:
            with _translated(self.path):
                self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, kind, exc, _tb):
        try:
            if kind is None:
                try:
                    with _translated(self.path):
                        self.db.execute("COMMIT")
                    return False
                except StoreError:
                    self._rollback()
                    raise
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(_problem(self.path, exc)) from None
            return False
        finally:
            self.lock.release()

    def _rollback(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the failure that brought us here is the one to report
