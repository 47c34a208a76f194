"""Every notebook for every unit, in report mode, to self-contained HTML — fast and
without ever letting one unit's data reach another unit's report.

Output (OUT defaults to reports/<workbook folder name>/):
    OUT/index.html                  every unit in one row: APV, progress, actions; failed runs on top
    OUT/<unit>/overblik.html        the unit's overblik, one printed page (see overblik, pages)
    OUT/<unit>/index.html           the overblik, then the unit's recommendations in one report
    OUT/<unit>/<nn>_<name>.html     one report per notebook, beside its executed .ipynb

How it is fast: the institution-wide work (every APV round's anonymised results, the
action list) is done once per batch and cached under OUT/.stresskit-cache/ (see cache), keyed by
the inputs and the code (see keys). N worker processes (see pool) each become a warm template (see unit) (stresskit, IPython,
papermill and nbconvert imported, the institution-wide results loaded, the exporter's
templates compiled) and take units from a queue. Each unit runs in a fork of the template
(one process per unit, so nothing one unit computed can leak into another): its notebooks
in turn, each by papermill.execute_notebook on the stresskit engine (see engine: the
fork's own IPython shell, no kernel to start), each in a clean namespace, and exported by
nbconvert with StresskitExporter (see report) — the tools an analyst would use by hand; then the
same process writes the unit's overblik and combined report (see pages). A re-run skips a (unit, notebook) whose inputs are unchanged and whose report
is still the one the last successful run wrote (its sha256).

What is written: the reports embed their charts as SVGs whose text stays text; the executed
notebooks are the audit trail (parameters, inputs, every output) without image payloads.

How it fails safely: the workbook's files are checked before any unit runs; broken
APV or signals files fail every run with one fixed line that quotes nothing from them.
Every file is written to a temporary file beside it and renamed into place, and every
path is checked to stay inside OUT (see files). Stopping the run (Ctrl+C, SIGTERM) stops the workers
and their units' processes; a worker whose parent disappears (kill -9) stops its unit's
process and exits, and a unit's process dies with its worker.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from ..actions import today
from ..errors import InputError, UsageError, unknown_unit
from ..notebooks import NOTEBOOKS, notebooks
from ..validate import broken_line, check_files, input_kind
from ..workbook import Workbook
from . import pages
from .cache import institution_cache
from .files import remove_gone_units, remove_leftovers, target, write_atomic
from .keys import PACKAGE, run_keys, secret
from .pool import execute
from .report import title
from .state import Run, Summary, load_state, save_state, unchanged

REPORTS = PACKAGE.parent / "reports"


def run(
    workbook: Path | str,
    out: Path | str | None = None,
    units: list[str] | None = None,
    numbers: list[int] | None = None,
    jobs: int = 2,
    force: bool = False,
    folder: Path | str = NOTEBOOKS,
    progress=None,
    pdf: bool = False,
) -> Summary:
    """Run the batch; `progress(run)` is called as each (unit, notebook) finishes.

    Raises InputError when institution.yaml, the store or the workbook folder can't be used
    (nothing can run); broken APV or signals files fail every run instead, without a kernel."""
    started = time.perf_counter()
    book = Workbook.open(workbook)
    broken = _refusal(book)
    out = Path(out) if out else REPORTS / book.root.resolve().name
    folder = Path(folder).resolve()
    units = units or book.ordered()
    unknown = [u for u in units if u not in book.units]
    if unknown:
        raise UsageError(unknown_unit(unknown, book.ordered()))
    books = notebooks(numbers, folder)
    if not books:
        raise UsageError(f"der er ingen notesbøger i {folder}.")
    stems = [p.stem for p in books]
    key = secret(book)
    keys = run_keys(book, units, books, key)
    state = load_state(out)
    summary = Summary(out)
    todo: list[tuple[str, list[str], dict]] = []
    for unit in units:
        pending = []
        for stem in stems:
            if (
                not broken
                and not force
                and unchanged(state.get(f"{unit}/{stem}", {}), keys[(unit, stem)], out, unit, stem)
            ):
                summary.runs.append(Run(unit, stem, "unchanged", key=keys[(unit, stem)]))
            else:
                pending.append(stem)
        if pending:
            todo.append((unit, pending, {s: keys[(unit, s)] for s in pending}))
    for r in summary.runs:
        progress and progress(r)

    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out, units)
    remove_gone_units(book, out, state)
    cache = institution_cache(book, out, key) if todo and not broken else None
    paged: set[str] = set()  # units whose process wrote their overblik and combined report
    warm = threading.Thread(target=_warm_index, args=(book, units), daemon=True)
    if todo and not broken:
        warm.start()
    done = (
        _refuse(book, out, todo, broken) if broken else execute(book, out, folder, todo, jobs, cache, key, stems, paged)
    )
    with contextlib.closing(done):  # stopping early (Ctrl+C, SIGTERM) stops the workers too
        for r in done:
            summary.runs.append(r)
            state[f"{r.unit}/{r.notebook}"] = {"key": r.key, "status": r.status, "reason": r.reason, "sha256": r.sha256}
            if progress and not broken:  # refused runs are told once, by the caller, not one line each
                progress(r)
    order = {(u, s): i for i, (u, s) in enumerate((u, s) for u in units for s in stems)}
    summary.runs.sort(key=lambda r: order[(r.unit, r.notebook)])

    if warm.is_alive():
        warm.join()
    pages.write_unit_reports(book, out, [u for u in units if u not in paged], stems)
    save_state(out, state)
    summary.seconds = time.perf_counter() - started
    pages.write_index(book, summary, stems, units, state)
    if pdf:  # after every page is written: the PDFs print them (see pdf)
        from . import pdf as pdf_module

        summary.pdf_seconds = pdf_module.write_unit_pdfs(
            out, [(u, book.name if u == book.root_unit else f"{book.unit_name(u)} · {book.name}") for u in units]
        )
    return summary


def _warm_index(book: Workbook, units: list[str]) -> None:
    """While the workers run (the parent only waits): the index's figures, so the index at the end,
    when one core is idle, finds its figures read and its Fisher tests done (see apv.trend.p_exact)."""
    with contextlib.suppress(Exception):  # the index itself then says what is wrong
        pages.index_rows(book, units, [], today())


def _refusal(book: Workbook) -> str:
    """The fixed line that fails every run when APV or signals files are broken ('' when none).
    A damaged store or a folder that can't be written stops the command (InputError): then
    not even the run keys can be read, and the details name no survey cell."""
    problems = check_files(book)
    fatal = [p for p in problems if input_kind(p.file) not in ("apv", "signals")]
    if fatal:
        raise InputError(fatal)
    return broken_line(problems) if problems else ""


def _refuse(book: Workbook, out: Path, todo: list, line: str):
    """Every run fails with the fixed line; its page says so, and no stale report stays behind."""
    for unit, stems, keys in todo:
        target(out, unit, "").mkdir(parents=True, exist_ok=True)
        for stem in stems:
            with contextlib.suppress(FileNotFoundError):
                target(out, unit, f"{stem}.ipynb").unlink()
            page = pages.page("refused.html.j2", heading=title(stem), unit=book.unit_name(unit), line=line)
            write_atomic(target(out, unit, f"{stem}.html"), page)
            yield Run(unit, stem, "failed", line, key=keys[stem])
