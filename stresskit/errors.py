"""stresskit's errors in one family, and the Danish messages written once.

Every error stresskit raises on purpose is a `StresskitError`: str() is the Danish message the
user reads, and `file`, `row` and `column` say where, when a place is known. Two kinds decide the
CLI's exit code (see `exit_code`): `UsageError`, wrong use of a command (2), and everything else,
bad input or a refusal (1). `InputError` is bad input told as `Problem`s (file, row, column, the
value found, what was expected), every problem at once, so the CLI and the notebooks can print a
clear message instead of a traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class StresskitError(Exception):
    """An error stresskit tells the user about; str() is the Danish message."""

    exit_code = 1  # what the CLI exits with: bad input or a refusal

    def __init__(self, message: str = "", file: str | None = None, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.file, self.row, self.column = file, row, column


class UsageError(StresskitError):
    """Wrong use of the command (exit code 2), told in Danish."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    file: str
    expected: str
    row: int | None = None  # as a spreadsheet shows it: the header is row 1
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"række {self.row}")
        if self.column is not None:
            where.append(f"kolonne «{self.column}»")
        found = "" if self.value is None else f"fandt «{_short(self.value)}», "
        return f"{', '.join(where)}: {found}{self.expected}"


class InputError(StresskitError):
    """Input that stresskit refuses; str() is a Danish message listing every problem, and
    file, row and column are the first problem's (the place to look first)."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        first = self.problems[0] if self.problems and isinstance(self.problems[0], Problem) else None
        where = (first.file, first.row, first.column) if first else (None, None, None)
        super().__init__("\n".join(str(p) for p in self.problems), *where)


def unknown_unit(unknown: Iterable[str], known: Iterable[str]) -> str:
    """The one «unit does not exist» message: which ids are unknown and which exist."""
    return f"enheden {', '.join(unknown)} findes ikke; kendte enheder er {', '.join(known)}."


def display_name(path: Path | str, root: Path | str | None = None) -> str:
    """A path as the user knows it: relative to the workbook folder where possible."""
    path = Path(path)
    if root is not None:
        try:
            return str(path.resolve().relative_to(Path(root).resolve()))
        except ValueError:
            pass
    return str(path)


def _short(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_OS_REASONS = {
    errno.ENOSPC: "disken er fuld",
    errno.EDQUOT: "din diskkvote er brugt op",
    errno.EFBIG: "filen er blevet for stor til disken",
    errno.EACCES: "der er ikke skriveadgang, mappen eller filen er skrivebeskyttet",
    errno.EPERM: "der er ikke skriveadgang, mappen eller filen er skrivebeskyttet",
    errno.EROFS: "disken er skrivebeskyttet",
    errno.ENOENT: "filen eller mappen findes ikke",
    errno.EIO: "disken svarer ikke (I/O-fejl)",
}


def os_reason(exc: OSError) -> str:
    """An operating-system failure (full disk, read-only folder…) in a few Danish words."""
    return _OS_REASONS.get(exc.errno, exc.strerror or type(exc).__name__)


def os_problem(file: str, exc: OSError, doing: str = "kunne ikke skrives") -> Problem:
    return Problem(file, expected=f"filen {doing}: {os_reason(exc)}.")
