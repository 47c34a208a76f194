"""The files a batch writes under OUT: every path checked to stay inside it, every file written
beside its target and renamed into place, and what a stopped run or a removed unit leaves behind."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from pathlib import Path

from ..errors import InputError, Problem
from ..workbook import INSTITUTION, UNIT_ID, Workbook

TMP = ".tmp"  # suffix of files being written; a stopped run may leave one behind
REPORT_FILES = ("*.html", "*.ipynb", "*.pdf", f".*{TMP}")  # what stresskit writes in a unit's folder


def target(out: Path, unit: str, name: str) -> Path:
    """OUT/<unit>/<name>, refused unless it stays inside OUT. Unit ids are checked when
    institution.yaml is read; this is the second lock on the same door."""
    base = Path(out).resolve()
    path = (base / unit / name).resolve()
    if base not in path.parents:
        raise InputError(
            Problem(
                INSTITUTION,
                column="units",
                value=unit,
                expected="enhedens id ville skrive uden for rapportmappen; brug kun bogstaver, cifre, _ og -.",
            )
        )
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, text: str) -> str:
    """Write beside the target and rename into place: a reader, or the next run, finds the
    old file or the new one, never half of one. Returns the sha256 of what was written."""
    data = text.encode("utf-8")
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}{TMP}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any file
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return sha256(data)


def remove_leftovers(out: Path, units: list[str]) -> None:
    """Temporary files of a run that was stopped mid-write."""
    for folder in [out] + [target(out, u, "") for u in units]:
        for path in folder.glob(f".*{TMP}") if folder.is_dir() else []:
            with contextlib.suppress(OSError):
                path.unlink()


def remove_gone_units(book: Workbook, out: Path, state: dict) -> None:
    """Report folders of units no longer in institution.yaml: a reader must not take an old
    report for a current one, nor find a unit that is gone. Only folders this batch made are
    touched (their unit is in the state file), and only the files stresskit writes; a folder
    holding anything else keeps it."""
    gone = sorted({name.split("/", 1)[0] for name in state} - set(book.units))
    for unit in gone:
        if not UNIT_ID.fullmatch(unit):
            continue
        folder = Path(out) / unit
        if folder.is_dir() and not folder.is_symlink() and folder.resolve().parent == Path(out).resolve():
            for pattern in REPORT_FILES:
                for path in folder.glob(pattern):
                    with contextlib.suppress(OSError):
                        path.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        for name in [n for n in state if n.split("/", 1)[0] == unit]:
            del state[name]
