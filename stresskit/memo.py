"""Work kept for the rest of the process while its inputs are unchanged: a batch opens the
same workbook, survey, signals and action list in every notebook of every unit.

Each slot holds one value and the key (a fingerprint of the inputs) it was computed for;
a different key computes afresh and replaces it, so memory stays one value per slot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_slots: dict[str, tuple[object, object]] = {}


def once(slot: str, key: object, compute: Callable[[], T]) -> T:
    """compute()'s value for this key, computed at most once while the key stays the same."""
    held = _slots.get(slot)
    if held is None or held[0] != key:
        held = (key, compute())
        _slots[slot] = held
    return held[1]  # type: ignore[return-value]


def put(slot: str, key: object, value: object) -> None:
    """Hand over a value computed elsewhere (the batch's institution-wide work) for this key."""
    _slots[slot] = (key, value)


def file_digest(path: Path) -> str:
    """A file's sha256, read a block at a time. A file larger than stresskit reads (see
    limits.guard, which refuses it) is told by its size and time instead of hashed whole."""
    from .limits import MAX_BYTES

    stat = path.stat()
    if stat.st_size > MAX_BYTES:
        return f"size {stat.st_size} mtime {stat.st_mtime_ns}"
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
