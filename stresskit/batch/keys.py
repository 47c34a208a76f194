"""What a run depends on: a signed key per (unit, notebook) and one for the institution-wide work,
each of which changes whenever anything the run reads changes, and the secret they are signed with."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from .. import __version__, actions
from ..store import Store
from ..workbook import Workbook

PACKAGE = Path(__file__).resolve().parent.parent  # stresskit/: its code is part of every key
SECRET = ".stresskit-secret"  # in the workbook folder, never in OUT: the key run keys and the cache are signed with


# Everything under OUT may be read by anyone the reports are handed to, and written by anyone
# who can write there. So what OUT holds about the inputs is signed with a secret kept in the
# workbook folder (HMAC-SHA256): a reader learns nothing about the raw files from it (no hash
# of a survey file can be checked against a guess), and a cache entry written by anyone
# without the secret does not verify and is recomputed. The cache is JSON only: nothing in
# OUT is a format that runs code when loaded (no pickle).
_EPHEMERAL = secrets.token_bytes(32)  # when the workbook folder can't hold a secret: this process's own


def secret(book: Workbook) -> bytes:
    """The workbook's signing key, made on first use (a new file, readable by its owner only)."""
    path = book.root / SECRET
    for _attempt in range(2):
        try:
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
            if len(key) >= 32:
                return key
            return _EPHEMERAL  # not one of ours: leave it, sign with this process's own
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            return _EPHEMERAL
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # another process made it a moment ago: read theirs
        except OSError:
            return _EPHEMERAL  # a read-only workbook folder: nothing cached outlives this batch
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        except OSError:  # a full disk: no half secret stays behind
            os.close(fd)
            with contextlib.suppress(OSError):
                path.unlink()
            return _EPHEMERAL
        os.close(fd)
    return _EPHEMERAL


def signed(key: bytes, payload) -> str:
    """HMAC-SHA256 of the payload as canonical JSON."""
    return hmac.new(key, json.dumps(payload, sort_keys=True).encode(), hashlib.sha256).hexdigest()


def code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".j2", ".css", ".json"):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_keys(
    book: Workbook, units: list[str], books: list[Path], key: bytes | None = None
) -> dict[tuple[str, str], str]:
    """A key per (unit, notebook) that changes whenever anything the run reads changes:
    the notebook, its parameters, the workbook's files, the answers it reads (the unit's
    subtree, the units above it — their actions and institution-wide answers show in it —
    and the AMO groups covering any of them; everything for the institution), stresskit
    itself, and the date (reports are dated). Signed (see secret): it goes into OUT."""
    key = key or secret(book)
    shared = {
        "files": book.checksums(),
        "code": code_hash(),
        "version": __version__,
        "date": actions.today().isoformat(),
    }
    nb_hash = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in books}
    with Store(book.store_path) as store:
        answers = {u: store.fingerprint(None if u == book.root_unit else _answer_keys(book, u)) for u in units}
    keys = {}
    for unit in units:
        for p in books:
            payload = {
                **shared,
                "notebook": nb_hash[p.stem],
                "parameters": parameters(book, unit),
                "answers": answers[unit],
            }
            keys[(unit, p.stem)] = signed(key, payload)
    return keys


def _answer_keys(book: Workbook, unit: str) -> list[str]:
    near = set(book.subtree(unit)) | set(book.ancestors(unit))
    return sorted(near | {f"amg:{g.id}" for g in book.amo_groups if near & set(g.units)})


def parameters(book: Workbook, unit: str) -> dict:
    return {"workbook": str(book.root.resolve()), "unit": unit, "mode": "report"}


def recorded_parameters(book: Workbook, unit: str) -> dict:
    """The parameters as the executed notebook keeps them: the workbook by its folder's name,
    never its absolute path (a user's home folder)."""
    return {**parameters(book, unit), "workbook": book.root.resolve().name}


def institution_key(book: Workbook, key: bytes | None = None) -> str:
    """Changes whenever anything the institution-wide work reads changes: the workbook's files
    (APV rounds and their dates in mapping.yaml, institution.yaml, signals.csv), the answers and
    actions, stresskit, and today's date (overdue tasks and «nu» depend on it). Signed."""
    with Store(book.store_path) as store:
        answers = store.fingerprint()
    payload = {
        "files": book.checksums(),
        "code": code_hash(),
        "version": __version__,
        "answers": answers,
        "date": actions.today().isoformat(),
    }
    return signed(key or secret(book), payload)
