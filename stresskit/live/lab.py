"""JupyterLab for workshops: `stresskit lab WORKBOOK`.

The workbook gets its own copies of the notebooks in WORKBOOK/notesbøger/, written once and
reopened every time after, so what a consultant adds or changes stays with the workbook (also
when the folder is moved: the copies name their workbook as «..»). `refresh` brings them up to
date with this stresskit: a copy nobody edited is replaced, an edited one is first moved to
notesbøger/sikkerhedskopi/<time>/. What stresskit wrote is remembered in
notesbøger/.stresskit-lab.json (a digest of each copy's cells and of the notebook it came from),
which is how an edit is told from the original and a newer stresskit from the same one.

Lab saves a notebook without its live forms (`without_live_forms`, the server's pre-save hook):
a form lives in the kernel that drew it, so a saved one reopens as «model not found» (or, with
its widget state saved, as a form that saves nothing). In its place stands a line saying to run
the notebook, which draws the form again with the stored answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..notebooks import NOTEBOOKS, notebooks
from ..workbook import Workbook

FOLDER = "notesbøger"  # in the workbook folder: the workbook's own notebooks
BACKUPS = "sikkerhedskopi"  # in FOLDER: edited copies a refresh replaced, one folder per refresh
MANIFEST = ".stresskit-lab.json"
WORKBOOK_FROM_COPY = ".."  # the kernel runs in the notebook's folder, one below the workbook's
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LAB_TAG = "stresskit-lab"  # the note cell stresskit adds at the top of each copy
NOTE = (
    "**Workshop i JupyterLab.** Kør alle celler (menuen *Run › Run All Cells*), så vises formularerne med "
    "de svar, der er gemt. Skriv dit navn i feltet «Dit navn», og tryk Enter. Hvert svar gemmes i arbejdsbogen, "
    "når det gives; formularerne selv gemmes ikke i notesbogen, så kør den igen, når du åbner den."
)
RERUN = "Formularen vises, når notesbogen køres (Run › Run All Cells). Svarene er gemt i arbejdsbogen."


@dataclass
class Copies:
    """What `prepare` did with each notebook of the workbook's folder."""

    folder: Path
    written: list[str] = field(default_factory=list)  # new, or replaced by a newer version nobody had edited
    kept: list[str] = field(default_factory=list)  # already there: opened as they are
    backed_up: list[str] = field(default_factory=list)  # edited copies moved to `backup` before a refresh
    newer: list[str] = field(default_factory=list)  # kept, though this stresskit ships a newer version
    backup: Path | None = None


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def cells_digest(nb) -> str:
    """The cells as a person edits them (type and source); outputs, counts and metadata change on every run."""
    return _digest(json.dumps([[c.cell_type, c.source] for c in nb.cells], ensure_ascii=False))


def copy_of(path: Path):
    """The workbook's copy of a shipped notebook: parameters set (live), the note cell on top."""
    import nbformat

    from .present import parameterised

    nb = parameterised(path, WORKBOOK_FROM_COPY, "")
    note = nbformat.v4.new_markdown_cell(NOTE)
    note.metadata["tags"] = [LAB_TAG]
    nb.cells.insert(0, note)
    return nb


def _cells_on_disk(path: Path) -> str | None:
    import nbformat

    try:
        return cells_digest(nbformat.read(path, as_version=4))
    except Exception:  # a notebook Jupyter could not read either: treated as edited, so it is backed up
        return None


def _write(nb, target: Path) -> None:
    import nbformat

    temporary = target.with_name(f".{target.name}.tmp")
    nbformat.write(nb, temporary)
    os.replace(temporary, target)


def prepare(workbook: Path | str, refresh: bool = False, source: Path = NOTEBOOKS) -> Copies:
    """The workbook's own notebooks: copied from `source` where missing, else kept as they are;
    with `refresh`, replaced by this stresskit's where it ships a newer version (edited ones backed up)."""
    book = Workbook.open(workbook)
    folder = book.root / FOLDER
    folder.mkdir(exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    done = Copies(folder)
    for path in notebooks(None, source):
        target, shipped = folder / path.name, _digest(path.read_bytes())
        known = manifest.get(path.name, {})
        if target.exists() and (not refresh or known.get("source") == shipped):
            done.kept.append(path.name)
            if known.get("source") != shipped:
                done.newer.append(path.name)
            continue
        if target.exists():  # a refresh, and this stresskit ships a different version
            if _cells_on_disk(target) != known.get("cells"):  # edited (or unreadable): keep it
                done.backup = done.backup or folder / BACKUPS / datetime.now().strftime("%Y-%m-%d-%H%M%S")
                done.backup.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, done.backup / path.name)
                done.backed_up.append(path.name)
        nb = copy_of(path)
        _write(nb, target)
        manifest[path.name] = {"source": shipped, "cells": cells_digest(nb)}
        done.written.append(path.name)
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return done


def command(folder: Path, port: int | None = None, browser: bool = True) -> list[str]:
    """The JupyterLab command for a workbook's notebook folder: 127.0.0.1 with a token, forms
    left out when a notebook is saved, the first recommendation open."""
    first = notebooks(None, folder)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder.resolve()}",
        "--ServerApp.ip=127.0.0.1",
        f"--ContentsManager.pre_save_hook={__name__}.without_live_forms",
        f"--ServerApp.open_browser={browser}",
    ]
    if first:
        cmd.append(f"--LabApp.default_url=/lab/tree/{first[0].name}")
    if port:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def without_live_forms(model: dict, **_) -> None:
    """Jupyter's pre-save hook: each form's output becomes the line that says to run the notebook,
    and widget state is not kept (the forms it would restore could not save)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/plain": RERUN, "text/html": f"<p><i>{RERUN}</i></p>"}
