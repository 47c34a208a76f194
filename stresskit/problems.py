"""Problems found in a user's input, told in Danish.

Every reader in stresskit reports bad input as `Problem`s (file, row, column, the value
found, what was expected) and raises `InputError` with all of them, so the CLI and the
notebooks can print a clear message instead of a traceback.
"""
from __future__ import annotations

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
