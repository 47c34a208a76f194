"""Shared and own: the one rule for who answers a question for a unit.

Every question in content/guide.yaml has a ``scope``:

- ``unit``: each unit answers for itself (the institution's root answers for itself too);
- ``amo_group``: the arbejdsmiljøgruppe the unit belongs to answers once for all its units (a
  unit in no group, and the institution itself: the institution's AMO, stored on the root);
- ``institution``: answered once, on the root, for everyone.

`holder` says where the answer to a question is stored for a unit; views save and read there,
a unit's report marks an answer held elsewhere «fælles for institutionen» (or for its group),
and a unit's progress (overblik.progress) counts only the answers it holds itself.
"""

from __future__ import annotations

from .guide import AMO_GROUP, INSTITUTION, UNIT, Form, Question
from .workbook import Workbook

GROUP_PREFIX = "amg:"
FOR_INSTITUTION = "fælles for institutionen"


def group_of(book: Workbook, unit: str):
    """The arbejdsmiljøgruppe that covers the unit: the group of its nearest unit (itself or above)
    named in a group; None when no group covers it."""
    for u in book.ancestors(unit):
        for g in book.amo_groups:
            if u in g.units:
                return g
    return None


def holder(book: Workbook, unit: str, scope: str) -> str:
    """The store key that holds a unit's answer to a question of this scope."""
    root = book.root_unit
    if scope == INSTITUTION or (scope == AMO_GROUP and unit == root):
        return root
    if scope == AMO_GROUP:
        group = group_of(book, unit)
        return f"{GROUP_PREFIX}{group.id}" if group else root
    return unit


def holder_of(book: Workbook, unit: str, item: Form | Question) -> str:
    return holder(book, unit, item.scope)


def shared_label(book: Workbook, unit: str, scope: str) -> str:
    """«fælles for institutionen» or «fælles for <the group>» when someone else answers for the unit; '' when it is its own."""
    key = holder(book, unit, scope)
    if key == unit:
        return ""
    if key.startswith(GROUP_PREFIX):
        group = next(g for g in book.amo_groups if f"{GROUP_PREFIX}{g.id}" == key)
        return f"fælles for {group.name[0].lower()}{group.name[1:]}"
    return FOR_INSTITUTION


def is_own(book: Workbook, unit: str, item: Form | Question) -> bool:
    """Whether the unit answers the question itself (what its progress counts)."""
    return holder_of(book, unit, item) == unit


__all__ = ["UNIT", "AMO_GROUP", "INSTITUTION", "group_of", "holder", "holder_of", "shared_label", "is_own"]
