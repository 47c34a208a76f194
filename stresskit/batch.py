"""Every notebook for every unit, in report mode, to self-contained HTML — fast and
without ever letting one unit's data reach another unit's report.

Output (OUT defaults to reports/<workbook folder name>/):
    OUT/index.html                  units × recommendations, each cell ok / failed / unchanged
    OUT/<unit>/index.html           the unit's recommendations in one report, with contents
    OUT/<unit>/<nn>_<name>.html     one report per notebook, beside its executed .ipynb

How it is fast: N worker processes take units from a queue. Each unit gets a kernel of
its own (so nothing one unit computed can leak into another), and runs all of that
unit's notebooks in turn, resetting the namespace between them. The next unit's kernel
is started and has imported stresskit while the current unit runs, and every worker
reuses one HTML exporter. A re-run skips a (unit, notebook) whose inputs are unchanged.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import nbformat
from markupsafe import Markup

from . import __version__, actions
from . import guide as guide_module
from . import report
from .store import Store
from .workbook import Workbook

PACKAGE = Path(__file__).resolve().parent
NOTEBOOKS = PACKAGE.parent / "notebooks"
REPORTS = PACKAGE.parent / "reports"
STATE = ".stresskit-state.json"
KERNEL_TRIES = 3
WARM_UP = "import stresskit.page"
CELL_TIMEOUT = 600


@dataclass
class Run:
    unit: str
    notebook: str
    status: str = "pending"   # ok | failed | unchanged
    reason: str = ""          # one Danish line when failed
    seconds: float = 0.0
    key: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "unchanged")


@dataclass
class Summary:
    out: Path
    runs: list[Run] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Run]:
        return [r for r in self.runs if r.status == "failed"]

    @property
    def skipped(self) -> list[Run]:
        return [r for r in self.runs if r.status == "unchanged"]

    @property
    def executed(self) -> list[Run]:
        return [r for r in self.runs if r.status in ("ok", "failed")]

    @property
    def index(self) -> Path:
        return self.out / "index.html"

    def report(self, run: Run) -> Path:
        return self.out / run.unit / f"{run.notebook}.html"

    def line(self) -> str:
        return (f"{len(self.executed)} kørt, {len(self.failed)} fejlede, {len(self.skipped)} sprunget over "
                f"(uændrede), på {self.seconds:.1f} s.")


def notebooks(numbers: list[int] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    found = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if numbers:
        have = {int(p.name[:2]) for p in found}
        missing = [n for n in numbers if n not in have]
        if missing:
            raise UsageError(f"notesbog nr. {', '.join(map(str, missing))} findes ikke; der er {', '.join(str(n) for n in sorted(have))}.")
        found = [p for p in found if int(p.name[:2]) in numbers]
    return found


class UsageError(Exception):
    """Wrong use of the command (exit code 2), told in Danish."""


def title(stem: str, numbered: bool = True) -> str:
    for rec in guide_module.default().recommendations:
        if rec.notebook == stem:
            return f"{rec.number}. {rec.title}" if numbered else rec.title
    return stem


# --- what a run depends on ---------------------------------------------------------
def _code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".j2", ".css", ".json"):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_keys(book: Workbook, units: list[str], books: list[Path]) -> dict[tuple[str, str], str]:
    """A key per (unit, notebook) that changes whenever anything the run reads changes:
    the notebook, its parameters, the workbook's files, the answers it reads (the unit's
    subtree; everything for the institution), stresskit itself, and the date (reports are dated)."""
    shared = {"files": book.checksums(), "code": _code_hash(), "date": actions.today().isoformat()}
    nb_hash = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in books}
    with Store(book.store_path) as store:
        answers = {u: store.fingerprint(None if u == book.root_unit else book.subtree(u)) for u in units}
    keys = {}
    for unit in units:
        for p in books:
            payload = {**shared, "notebook": nb_hash[p.stem], "parameters": parameters(book, unit), "answers": answers[unit]}
            keys[(unit, p.stem)] = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return keys


def parameters(book: Workbook, unit: str) -> dict:
    return {"workbook": str(book.root.resolve()), "unit": unit, "mode": "report"}


# --- the worker side ---------------------------------------------------------------
class UnitRunner:
    """Runs units' notebooks, one fresh kernel per unit, with the next kernel warming up."""

    def __init__(self, book: Workbook, out: Path, folder: Path):
        self.book, self.out, self.folder = book, out, folder
        self.exporter = report.exporter()
        self.inputs = book.checksums()
        # Kernels talk over IPC sockets in a private folder: no TCP ports to race for.
        self.sockets = Path(tempfile.mkdtemp(prefix="stresskit-kernels-"))

    async def _kernel(self):
        from jupyter_client.manager import AsyncKernelManager

        last = None
        for attempt in range(KERNEL_TRIES):  # start-up races (ports, slow starts) are retried
            km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(self.sockets / uuid.uuid4().hex[:8]))
            try:
                await km.start_kernel(cwd=str(self.folder), extra_arguments=["--HistoryManager.enabled=False"])
                kc = km.client()
                kc.start_channels()
                await kc.wait_for_ready(timeout=60)
                reply = await kc.execute_interactive(WARM_UP, timeout=120)
                if reply["content"]["status"] != "ok":
                    raise RuntimeError("stresskit kunne ikke importeres i kernen")
                return km, kc
            except Exception as exc:
                last = exc
                try:
                    await km.shutdown_kernel(now=True)
                except Exception:
                    pass
                await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"kernen kunne ikke startes ({type(last).__name__}: {last})")

    async def _unit(self, unit, stems, keys, kernel, report_done):
        """Run the unit's notebooks in its kernel; return the kernel in use at the end."""
        from nbclient import NotebookClient
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        km, kc = kernel
        folder = self.out / unit
        folder.mkdir(parents=True, exist_ok=True)
        for n, stem in enumerate(stems):
            t0 = time.perf_counter()
            run = Run(unit, stem, key=keys[stem])
            nb = parameterize_notebook(load_notebook_node(str(self.folder / f"{stem}.ipynb")), parameters(self.book, unit))
            nb.metadata.setdefault("papermill", {})["parameters"] = parameters(self.book, unit)
            client = NotebookClient(nb, km=km, kernel_name="python3", timeout=CELL_TIMEOUT,
                                    resources={"metadata": {"path": str(self.folder)}})
            client.kc = kc
            try:
                if n:  # a clean namespace for each notebook; imported modules stay loaded
                    await kc.execute_interactive("get_ipython().reset(new_session=False, aggressive=False)", timeout=60)
                await client.async_execute()
                run.status = "ok"
            except Exception as exc:  # recorded; the unit's other notebooks and other units go on
                run.status, run.reason = "failed", failure_line(nb, exc)
                if not await km.is_alive():  # the kernel died: the unit's next notebook gets a new one
                    kc.stop_channels()
                    await km.shutdown_kernel(now=True)
                    km, kc = await self._kernel()
            nb.metadata["stresskit"] = {
                "title": f"{title(stem)} · {self.book.unit_name(unit)}",
                "parameters": parameters(self.book, unit),
                "version": __version__,
                "executed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "inputs": self.inputs,
                "key": run.key,
                "status": run.status,
            }
            nbformat.write(nb, folder / f"{stem}.ipynb")
            (folder / f"{stem}.html").write_text(report.to_html(nb, self.exporter), encoding="utf-8")
            run.seconds = time.perf_counter() - t0
            report_done(run)
        return km, kc


def failure_line(nb, exc: Exception) -> str:
    """Which cell failed and why, as one Danish line for the index."""
    for position, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = str(output.get("evalue", "")).splitlines()[0] if output.get("evalue") else ""
                return f"Fejl i celle {position}: {output.get('ename')}: {value}".rstrip(": ")
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
    return f"Kørslen fejlede: {type(exc).__name__}: {text}".rstrip(": ")


def _pool_worker(workbook: str, out: str, folder: str, tasks, results) -> None:
    """Take units from the shared queue until it says stop; keep one kernel warm ahead."""
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    runner = UnitRunner(Workbook.open(workbook), Path(out), Path(folder))

    async def main():
        loop = asyncio.get_running_loop()
        spare = asyncio.create_task(runner._kernel())
        while True:
            job = await loop.run_in_executor(None, tasks.get)
            if job is None:
                break
            unit, stems, keys = job
            try:
                kernel = await spare
            except Exception as exc:
                for stem in stems:
                    results.put(asdict(Run(unit, stem, "failed", f"Kørslen fejlede: {exc}", key=keys[stem])))
                spare = asyncio.create_task(runner._kernel())
                continue
            spare = asyncio.create_task(runner._kernel())
            try:
                kernel = await runner._unit(unit, stems, keys, kernel, lambda run: results.put(asdict(run)))
            finally:
                km, kc = kernel
                kc.stop_channels()
                await km.shutdown_kernel(now=True)
        try:
            km, kc = await spare
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        except Exception:
            pass

    asyncio.run(main())
    results.put(None)


# --- the parent side ---------------------------------------------------------------
def run(workbook: Path | str, out: Path | str | None = None, units: list[str] | None = None,
        numbers: list[int] | None = None, jobs: int = 2, force: bool = False, folder: Path | str = NOTEBOOKS,
        progress=None) -> Summary:
    """Run the batch; `progress(run)` is called as each (unit, notebook) finishes."""
    started = time.perf_counter()
    book = Workbook.open(workbook)
    out = Path(out) if out else REPORTS / book.root.resolve().name
    folder = Path(folder).resolve()
    units = units or book.ordered()
    unknown = [u for u in units if u not in book.units]
    if unknown:
        raise UsageError(f"enheden {', '.join(unknown)} findes ikke i institution.yaml; kendte enheder er {', '.join(book.ordered())}.")
    books = notebooks(numbers, folder)
    if not books:
        raise UsageError(f"der er ingen notesbøger i {folder}.")
    stems = [p.stem for p in books]
    keys = run_keys(book, units, books)
    state = _load_state(out)
    summary = Summary(out)
    todo: list[tuple[str, list[str], dict]] = []
    for unit in units:
        pending = []
        for stem in stems:
            before = state.get(f"{unit}/{stem}", {})
            if (not force and before.get("key") == keys[(unit, stem)] and before.get("status") == "ok"
                    and (out / unit / f"{stem}.html").exists()):
                summary.runs.append(Run(unit, stem, "unchanged", key=keys[(unit, stem)]))
            else:
                pending.append(stem)
        if pending:
            todo.append((unit, pending, {s: keys[(unit, s)] for s in pending}))
    for r in summary.runs:
        progress and progress(r)

    out.mkdir(parents=True, exist_ok=True)
    for r in _execute(book, out, folder, todo, jobs):
        summary.runs.append(r)
        state[f"{r.unit}/{r.notebook}"] = {"key": r.key, "status": r.status, "reason": r.reason}
        progress and progress(r)
    order = {(u, s): i for i, (u, s) in enumerate((u, s) for u in units for s in stems)}
    summary.runs.sort(key=lambda r: order[(r.unit, r.notebook)])

    touched = {u for u, _, _ in todo}
    for unit in units:
        if unit in touched or not (out / unit / "index.html").exists():
            write_unit_report(book, out, unit, stems)
    _save_state(out, state)
    summary.seconds = time.perf_counter() - started
    write_index(book, summary, stems, units, state)
    return summary


def _execute(book: Workbook, out: Path, folder: Path, todo: list, jobs: int):
    if not todo:
        return
    workers = max(1, min(jobs, len(todo)))
    ctx = multiprocessing.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    for job in todo:
        tasks.put(job)
    for _ in range(workers):
        tasks.put(None)
    procs = [ctx.Process(target=_pool_worker, args=(str(book.root), str(out), str(folder), tasks, results), daemon=True)
             for _ in range(workers)]
    for p in procs:
        p.start()
    expected = sum(len(stems) for _, stems, _ in todo)
    seen: set[tuple[str, str]] = set()
    finished = 0
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
        r = Run(**item)
        seen.add((r.unit, r.notebook))
        yield r
    for p in procs:
        p.join(timeout=30)
    for unit, stems, keys in todo:  # a worker that died takes its runs with it: say so
        for stem in stems:
            if (unit, stem) not in seen:
                yield Run(unit, stem, "failed", "Kørslen blev afbrudt: arbejdsprocessen stoppede uventet.", key=keys[stem])


def _load_state(out: Path) -> dict:
    try:
        return json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(out: Path, state: dict) -> None:
    tmp = out / (STATE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out / STATE)


# --- pages -------------------------------------------------------------------------
BODY = re.compile(r"<main>(.*)<footer", re.S)


@functools.cache
def _templates():
    from jinja2 import Environment, FileSystemLoader

    # autoescape: every value a page template prints is escaped unless stresskit marked it as markup
    return Environment(loader=FileSystemLoader(report.TEMPLATES / "site"), autoescape=True)


def _page(template: str, **values) -> str:
    return _templates().get_template(template).render(csp=report.CSP, css=report.CSS.read_text(encoding="utf-8"), **values)


def _href(*parts: str) -> str:
    """A relative link to a file under OUT; quoting every part keeps an id from becoming a scheme or a path."""
    return "/".join(quote(p, safe="") for p in parts)


def write_unit_report(book: Workbook, out: Path, unit: str, stems: list[str]) -> Path:
    """All of a unit's recommendations in one page with a table of contents."""
    sections = []
    for stem in stems:
        path = out / unit / f"{stem}.html"
        if not path.exists():
            continue
        match = BODY.search(path.read_text(encoding="utf-8"))
        sections.append({"anchor": f"anbefaling-{stem[:2]}", "title": title(stem, numbered=False),
                         "body": Markup(match.group(1) if match else "")})  # an exported report: escaped already
    html = _page("unit.html.j2", unit=book.unit_name(unit), institution=book.name, sections=sections,
                 unit_path=" › ".join(book.unit_name(u) for u in reversed(book.ancestors(unit))),
                 today=f"{actions.today():%d.%m.%Y}")
    target = out / unit / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target


def write_index(book: Workbook, summary: Summary, stems: list[str], units: list[str], state: dict) -> Path:
    cells = {(r.unit, r.notebook): r for r in summary.runs}
    today = actions.today()
    with Store(book.store_path) as store:
        everything = actions.for_unit(store)
    rows = []
    for unit in units:
        mine = [a for a in everything if a.unit == unit]
        late = sum(a.overdue(today) for a in mine)
        due = sum(actions.followup_due(a, today) for a in mine)
        flags = [f"{late} {'forsinket' if late == 1 else 'forsinkede'}" if late else "",
                 f"{due} {'opfølgning' if due == 1 else 'opfølgninger'}" if due else ""]
        rows.append({"name": book.unit_name(unit), "depth": book.depth(unit), "href": _href(unit, "index.html"),
                     "attention": ", ".join(f for f in flags if f),
                     "cells": [{"status": cells[(unit, stem)].status, "reason": cells[(unit, stem)].reason,
                                "href": _href(unit, f"{stem}.html")} for stem in stems]})
    html = _page("index.html.j2", institution=book.name, made=f"{datetime.now():%d.%m.%Y %H:%M}",
                 ok=sum(r.ok for r in summary.runs), total=len(summary.runs), line=summary.line(),
                 headings=[title(s) for s in stems], rows=rows)
    summary.index.write_text(html, encoding="utf-8")
    return summary.index
