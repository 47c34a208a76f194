"""stresskit's errors in one place: typed errors and the Danish messages written once.

`Problem` and `InputError` (bad input, told with file, row and column) live in `problems`
and are re-exported here; `UsageError` is wrong use of a command (exit code 2).
"""

from __future__ import annotations

from collections.abc import Iterable

from .problems import InputError, Problem  # noqa: F401  (one import place for callers)


class UsageError(Exception):
    """Wrong use of the command (exit code 2), told in Danish."""


def unknown_unit(unknown: Iterable[str], known: Iterable[str]) -> str:
    """The one «unit does not exist» message: which ids are unknown and which exist."""
    return f"enheden {', '.join(unknown)} findes ikke; kendte enheder er {', '.join(known)}."
