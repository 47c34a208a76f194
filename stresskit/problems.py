"""Problems found in a user's input, told in Danish.

Every reader in stresskit reports bad input as `Problem`s (file, row, column, the value
found, what was expected) and raises `InputError` with all of them, so the CLI and the
notebooks can print a clear message instead of a traceback.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


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


class InputError(Exception):
    """Input that stresskit refuses; str() is a Danish message listing every problem."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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
