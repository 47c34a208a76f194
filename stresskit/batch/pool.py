"""The worker pool: N spawned workers, each a warm template (see unit) taking units from a queue,
and the parent's side of it: starting them deaf to Ctrl+C, collecting their runs, and never
letting one outlive the parent (nor a worker its parent, even after kill -9)."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from ..workbook import Workbook
from .state import Run
from .unit import PR_SET_PDEATHSIG, UnitRunner

PARENT_POLL = 0.5  # seconds between a worker's checks that its parent still lives


def pool_worker(
    workbook: str,
    out: str,
    folder: str,
    cache: str | None,
    tasks,
    results,
    key: bytes | None = None,
    sections: list[str] | None = None,
) -> None:
    """Become a warm template, then take units from the shared queue until it says stop; a unit
    whose process wrote its pages is put on the results queue as {"page": unit}."""
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    book, cached = Workbook.open(workbook), Path(cache) if cache else None
    runner = UnitRunner(book, Path(out), Path(folder), cached, key, sections)

    def stop(*_):  # told to stop, or orphaned: the unit's process goes too, nothing more is written
        runner.kill_child()
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    watch_parent(stop)
    while (job := tasks.get()) is not None:
        unit, stems, keys = job
        last = None  # held back, so the parent hears of the unit's pages before its last run
        for run in runner.run_unit(unit, stems, keys):
            if last is not None:
                results.put(asdict(last))
            last = run
        if runner.paged:
            results.put({"page": unit})
        if last is not None:
            results.put(asdict(last))
    results.put(None)


def watch_parent(stop) -> None:
    """Call stop() as soon as the process that started this worker is gone (even by kill -9):
    on Linux the kernel sends SIGTERM (PR_SET_PDEATHSIG); everywhere a thread polls getppid()."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    def poll():
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        stop()

    threading.Thread(target=poll, name="stresskit-parent-watch", daemon=True).start()


def execute(
    book: Workbook,
    out: Path,
    folder: Path,
    todo: list,
    jobs: int,
    cache: Path | None = None,
    key: bytes | None = None,
    sections: list[str] | None = None,
    paged: set | None = None,
):
    """Yield every (unit, notebook)'s Run as it finishes. With ``sections`` (every notebook of the
    batch), each unit's process also writes the unit's pages, and ``paged`` receives the units it did."""
    if not todo:
        return
    workers = max(1, min(jobs, len(todo)))
    ctx = multiprocessing.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    for job in todo:
        tasks.put(job)
    for _ in range(workers):
        tasks.put(None)
    procs = [
        ctx.Process(
            target=pool_worker,
            args=(
                str(book.root.resolve()),
                str(out),
                str(folder),
                str(cache) if cache else None,
                tasks,
                results,
                key,
                sections,
            ),
            daemon=True,
        )
        for _ in range(workers)
    ]
    expected = sum(len(stems) for _, stems, _ in todo)
    seen: set[tuple[str, str]] = set()
    finished = 0
    with _terminated_on_exit(procs):
        for p in procs:
            _start_ignoring_ctrl_c(p)
        while finished < workers and len(seen) < expected:
            try:
                item = results.get(timeout=5)
            except Exception:
                if not any(p.is_alive() for p in procs):
                    break
                continue
            if item is None:
                finished += 1
                continue
            if "page" in item:
                if paged is not None:
                    paged.add(item["page"])
                continue
            r = Run(**item)
            seen.add((r.unit, r.notebook))
            yield r
        for p in procs:
            p.join(timeout=30)
    for unit, stems, keys in todo:  # a worker that died takes its runs with it: say so
        for stem in stems:
            if (unit, stem) not in seen:
                yield Run(
                    unit, stem, "failed", "Kørslen blev afbrudt: arbejdsprocessen stoppede uventet.", key=keys[stem]
                )


@contextlib.contextmanager
def _terminated_on_exit(procs):
    """However the parent leaves (done, Ctrl+C, SIGTERM, an error), no worker outlives it:
    SIGTERM makes a worker kill its kernels and exit. SIGTERM to the parent is a stop like Ctrl+C."""
    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _interrupt) if main else None
    try:
        yield
    finally:
        for p in procs:
            if p.pid is not None and p.is_alive():
                p.terminate()
        for p in procs:
            if p.pid is not None:
                p.join(timeout=10)
                if p.is_alive():
                    p.kill()
        if main:
            signal.signal(signal.SIGTERM, before)


def _interrupt(*_):
    raise KeyboardInterrupt


def _start_ignoring_ctrl_c(proc) -> None:
    """Ctrl+C goes to the whole process group; a worker inherits «ignore» from its first
    instruction on (no half-started worker dies with a traceback), and the parent decides."""
    if threading.current_thread() is not threading.main_thread():
        proc.start()
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        proc.start()
    finally:
        signal.signal(signal.SIGINT, before)
