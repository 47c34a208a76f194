"""Once per batch: the institution-wide work every unit shares (every APV round's anonymised
results, the action list), kept in OUT/.stresskit-cache/<key>.json and used only when it verifies."""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict
from pathlib import Path

from .. import apv
from ..errors import InputError
from ..store import Store
from ..workbook import Workbook
from .files import write_atomic
from .keys import institution_key, secret, signed

CACHE = ".stresskit-cache"  # OUT/<this>/<key>.json: the institution-wide work of the last batch


def institution_cache(book: Workbook, out: Path, key: bytes | None = None) -> Path | None:
    """The work that is the same for every unit, done once per batch: every APV round's
    anonymised results (aggregates and statuses, never a respondent row) and the action list.
    Kept in OUT/.stresskit-cache/<key>.json, so a batch over unchanged inputs loads it; each
    unit's process starts from a template that holds it (see UnitRunner). An entry found there
    is used only when its signature verifies (see secret); else it is computed and written anew."""
    key = key or secret(book)
    name = institution_key(book, key)
    folder = Path(out) / CACHE
    path = folder / f"{name}.json"
    if verified_cache(path, name, key) is not None:
        return path
    with Store(book.store_path) as store:
        answers, versions = store.fingerprint(), store.actions()
    try:
        rounds = apv.results_data(apv.history(book))
    except InputError:  # missed by the check before the run: each unit meets it and fails with the fixed line
        rounds = None
    data = {"key": name, "answers": signed(key, answers), "apv": rounds, "actions": [asdict(v) for v in versions]}
    data["mac"] = signed(key, data)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            old.unlink()
        write_atomic(path, json.dumps(data))
    except OSError:  # a full disk or a read-only OUT: every unit's process computes it for itself
        return None
    return path


def verified_cache(path: Path, name: str, key: bytes) -> dict | None:
    """The cache entry's data when it is plain JSON, made for these inputs (its key) and signed
    with the workbook's secret; None for anything else (missing, damaged, forged, stale)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("mac"), str):
        return None
    mac = data.pop("mac")
    if not hmac.compare_digest(mac, signed(key, data)) or data.get("key") != name:
        return None
    return data
