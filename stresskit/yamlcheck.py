"""Checks on values people write in YAML (mapping.yaml, the content file): a wrong value becomes a
`Problem` naming where it stands and what is expected, and the reader goes on, so one run lists
every problem instead of stopping at the first.
"""

from __future__ import annotations

from .errors import Problem


def section(data: dict, key: str, kind: type, file: str, expected: str, problems: list[Problem]):
    """A top-level section, or an empty one of the right type when it has the wrong type."""
    value = data.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        problems.append(Problem(file, column=key, expected=f"{key} skal være {expected}."))
        return kind()
    return value


def listed(spec: dict, key: str, file: str, where: str, expected: str, problems: list[Problem]) -> list:
    """A list setting (empty when left out); anything else is a problem and counts as empty."""
    value = spec.get(key) or []
    if not isinstance(value, list):
        problems.append(Problem(file, column=f"{where}.{key}", expected=expected))
        return []
    return value


def flag(spec: dict, key: str, file: str, where: str, problems: list[Problem]) -> bool:
    """A yes/no setting must be a YAML boolean: «nej» in quotes is text, and text would count as yes."""
    value = spec.get(key, False)
    if not isinstance(value, bool):
        problems.append(
            Problem(
                file, column=f"{where}.{key}", value=value, expected="forventede true eller false (uden anførselstegn)."
            )
        )
        return False
    return value


def one_of(value, known, file: str, column: str, expected: str, problems: list[Problem]) -> bool:
    """Whether ``value`` is one of ``known`` (ids, names); a problem showing the value when not."""
    if value in known:
        return True
    problems.append(Problem(file, column=column, value=value, expected=expected))
    return False
