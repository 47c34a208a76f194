"""Validation of a workbook folder: every problem in institution.yaml, the APV rounds,
signals.csv, the store and the folder (check, for «stresskit validate», notebooks and
batch), what is valid but worth knowing (warnings), and the one line a report says when
an input is broken (broken_line, BrokenInput). The workbook module is the model only;
this module builds on it and on the modules that read the other files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import signals, store
from .apv import diagnostics, rounds
from .errors import Problem, StresskitError, os_reason
from .institution import read_institution
from .workbook import APV, INSTITUTION, SIGNALS, STORE, Workbook

VALIDATE = "kør stresskit validate"


def check(path: Path | str) -> list[Problem]:
    """Every problem in a workbook folder: institution.yaml, the APV rounds, signals.csv,
    the store's integrity and whether the folder can be written."""
    book, problems = read_institution(Path(path))
    if book is None:
        return problems
    return problems + check_files(book)


def check_files(book: Workbook) -> list[Problem]:
    """Problems in the files beside institution.yaml. Changes nothing: the store is read
    read-only, and the folder's probe is a temporary file that is gone at once."""
    return _writable(book.root) + store.check(book.store_path) + rounds.check(book) + signals.check(book)


def _writable(root: Path) -> list[Problem]:
    """Answers are saved in the folder (the store and its -wal/-shm files): it must take a new file."""
    try:
        with tempfile.TemporaryFile(dir=root, prefix=".stresskit-probe-"):
            return []
    except OSError as exc:
        return [
            Problem(
                str(root),
                expected=f"mappen kan ikke skrives i: {os_reason(exc)}. stresskit gemmer svarene "
                "i arbejdsbogens mappe. Giv skriveadgang, eller kopiér mappen et sted hen, "
                "hvor du kan skrive.",
            )
        ]


class BrokenInput(StresskitError):
    """A report run refused because an input file is broken. Its text is one fixed Danish line
    that quotes nothing from the files (no cell, no row), so it may reach a report and the index;
    the details are for «stresskit validate» on the user's own terminal."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [str(self)]


def broken_line(problems: list[Problem]) -> str:
    """«APV-filen har fejl – kør stresskit validate»: which inputs are broken, nothing more."""
    apv_files = {p.file for p in problems if input_kind(p.file) == "apv"}
    kinds = {input_kind(p.file) for p in problems}
    files = []
    if "institution" in kinds:
        files.append("institutionsfilen")
    if apv_files:
        files.append("APV-filen" if len(apv_files) == 1 else "APV-filerne")
    if "signals" in kinds:
        files.append("signalfilen")
    if "other" in kinds:
        files.append("en fil i arbejdsbogen")
    parts = [f"{' og '.join(files)} har fejl"] if files else []
    if "store" in kinds:
        parts.append("lageret med svarene kan ikke bruges")
    if "folder" in kinds:
        parts.append("arbejdsbogens mappe kan ikke skrives i")
    text = ", og ".join(parts) or "en fil i arbejdsbogen har fejl"
    return f"{text[0].upper()}{text[1:]} – {VALIDATE}"


def input_kind(file: str) -> str:
    """Which input a Problem's file is: institution, apv, signals, store, folder or other."""
    if file == INSTITUTION:
        return "institution"
    if file.startswith(APV + "/") or file == APV:
        return "apv"
    if file == SIGNALS:
        return "signals"
    if file.startswith(STORE):
        return "store"
    return "folder" if Path(file).is_absolute() or Path(file).is_dir() else "other"


def warnings(path: Path | str) -> list[str]:
    """What is valid but worth knowing before reports are made (call after check() found nothing)."""
    book = Workbook.open(path)
    survey = rounds.load(book)
    if not survey:
        return []
    return (
        diagnostics.completion_notes(survey)
        + diagnostics.coded_to_parents(book, survey)
        + diagnostics.direction_warnings(survey)
    )
