"""Every notebook for every unit, in report mode, to self-contained HTML — fast and
without ever letting one unit's data reach another unit's report.

Output (OUT defaults to reports/<workbook folder name>/):
    OUT/index.html                  every unit in one row: APV, progress, actions; failed runs on top
    OUT/<unit>/overblik.html        the unit's overblik, one printed page (see overblik, site)
    OUT/<unit>/index.html           the overblik, then the unit's recommendations in one report
    OUT/<unit>/<nn>_<name>.html     one report per notebook, beside its executed .ipynb

How it is fast: N worker processes take units from a queue. Each unit gets a kernel of
its own (so nothing one unit computed can leak into another), and runs all of that
unit's notebooks in turn, resetting the namespace between them. The next unit's kernel
is started and has imported stresskit while the current unit runs, and every worker
reuses one HTML exporter. A re-run skips a (unit, notebook) whose inputs are unchanged
and whose report is still the one the last successful run wrote (its sha256).

How it fails safely: the workbook's files are checked before any kernel starts; broken
APV or signals files fail every run with one fixed line that quotes nothing from them.
Every file is written to a temporary file beside it and renamed into place, and every
path is checked to stay inside OUT. Stopping the run (Ctrl+C, SIGTERM) stops the workers
and their kernels; a worker whose parent disappears (kill -9) stops its kernels and exits.
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from . import __version__, actions, apv, overblik, report, site
from . import guide as guide_module
from .errors import UsageError, unknown_unit  # noqa: F401  (batch.UsageError stays importable)
from .problems import InputError, Problem, os_reason
from .store import Store
from .workbook import INSTITUTION, BrokenInput, Workbook, broken_line, check_files, input_kind

PACKAGE = Path(__file__).resolve().parent
NOTEBOOKS = PACKAGE.parent / "notebooks"
REPORTS = PACKAGE.parent / "reports"
STATE = ".stresskit-state.json"
KERNEL_TRIES = 3
WARM_UP = "import stresskit.views.base"
CELL_TIMEOUT = 600
TMP = ".tmp"             # suffix of files being written; a stopped run may leave one behind
PARENT_POLL = 0.5        # seconds between a worker's checks that its parent still lives
PR_SET_PDEATHSIG = 1     # linux/prctl.h


@dataclass
class Run:
    unit: str
    notebook: str
    status: str = "pending"   # ok | failed | unchanged
    reason: str = ""          # one Danish line when failed
    seconds: float = 0.0
    key: str = ""
    sha256: str = ""          # of the report written, when ok

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "unchanged")


@dataclass
class Summary:
    out: Path
    runs: list[Run] = field(default_factory=list)
    seconds: float = 0.0
    pdf_seconds: float | None = None  # per unit, when PDFs were made

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
                f"(uændrede), på {site.seconds(self.seconds)}.")


def notebooks(numbers: list[int] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    found = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if numbers:
        have = {int(p.name[:2]) for p in found}
        missing = [n for n in numbers if n not in have]
        if missing:
            raise UsageError(f"notesbog nr. {', '.join(map(str, missing))} findes ikke; der er {', '.join(str(n) for n in sorted(have))}.")
        found = [p for p in found if int(p.name[:2]) in numbers]
    return found


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
        self.live: set = set()  # kernel managers whose kernel may be running

    async def stop(self, kernel) -> None:
        km, kc = kernel
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        self.live.discard(km)

    def kill_kernels(self) -> None:
        """Last resort when the worker must go now: kill every kernel's process group."""
        for km in list(self.live):
            provisioner = getattr(km, "provisioner", None)
            pgid, pid = getattr(provisioner, "pgid", None), getattr(provisioner, "pid", None)
            with contextlib.suppress(OSError):
                if pgid and hasattr(os, "killpg"):
                    os.killpg(pgid, signal.SIGKILL)
                elif pid:
                    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
            with contextlib.suppress(OSError, TypeError):
                os.unlink(km.connection_file)
        self.live.clear()
        shutil.rmtree(self.sockets, ignore_errors=True)

    async def _kernel(self):
        from jupyter_client.manager import AsyncKernelManager

        last = None
        for attempt in range(KERNEL_TRIES):  # start-up races (ports, slow starts) are retried
            km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(self.sockets / uuid.uuid4().hex[:8]))
            self.live.add(km)
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
                self.live.discard(km)
                await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"kernen kunne ikke startes ({type(last).__name__}: {last})")

    async def _unit(self, unit, stems, keys, kernel, report_done):
        """Run the unit's notebooks in its kernel; return the kernel in use at the end."""
        from nbclient import NotebookClient
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        km, kc = kernel
        folder = target(self.out, unit, "")
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
                    await self.stop((km, kc))
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
            try:
                write_atomic(target(self.out, unit, f"{stem}.ipynb"), nbformat.writes(nb))
                run.sha256 = write_atomic(target(self.out, unit, f"{stem}.html"), report.to_html(nb, self.exporter))
            except OSError as exc:  # a full disk fails this run; the report already there stays whole
                run.status, run.reason, run.sha256 = "failed", f"Rapporten kunne ikke skrives: {os_reason(exc)}.", ""
            run.seconds = time.perf_counter() - t0
            report_done(run)
        return km, kc


def failure_line(nb, exc: Exception) -> str:
    """Which cell failed and why, as one Danish line for the index."""
    for position, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if output.get("ename") == BrokenInput.__name__:  # already the fixed line for readers
                    return str(output.get("evalue", ""))
                value = str(output.get("evalue", "")).splitlines()[0] if output.get("evalue") else ""
                return f"Fejl i celle {position}: {output.get('ename')}: {value}".rstrip(": ")
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
    return f"Kørslen fejlede: {type(exc).__name__}: {text}".rstrip(": ")


def _pool_worker(workbook: str, out: str, folder: str, tasks, results) -> None:
    """Take units from the shared queue until it says stop; keep one kernel warm ahead."""
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    runner = UnitRunner(Workbook.open(workbook), Path(out), Path(folder))

    def stop(*_):  # told to stop, or orphaned: no kernel of ours may live on, nothing more is written
        runner.kill_kernels()
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    _watch_parent(stop)

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
                await runner.stop(kernel)
        try:
            await runner.stop(await spare)
        except Exception:
            pass

    asyncio.run(main())
    shutil.rmtree(runner.sockets, ignore_errors=True)
    results.put(None)


def _watch_parent(stop) -> None:
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


# --- the parent side ---------------------------------------------------------------
def run(workbook: Path | str, out: Path | str | None = None, units: list[str] | None = None,
        numbers: list[int] | None = None, jobs: int = 2, force: bool = False, folder: Path | str = NOTEBOOKS,
        progress=None, pdf: bool = False) -> Summary:
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
    keys = run_keys(book, units, books)
    state = _load_state(out)
    summary = Summary(out)
    todo: list[tuple[str, list[str], dict]] = []
    for unit in units:
        pending = []
        for stem in stems:
            if not broken and not force and _unchanged(state.get(f"{unit}/{stem}", {}), keys[(unit, stem)], out, unit, stem):
                summary.runs.append(Run(unit, stem, "unchanged", key=keys[(unit, stem)]))
            else:
                pending.append(stem)
        if pending:
            todo.append((unit, pending, {s: keys[(unit, s)] for s in pending}))
    for r in summary.runs:
        progress and progress(r)

    out.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out, units)
    done = _refuse(book, out, todo, broken) if broken else _execute(book, out, folder, todo, jobs)
    with contextlib.closing(done):  # stopping early (Ctrl+C, SIGTERM) stops the workers too
        for r in done:
            summary.runs.append(r)
            state[f"{r.unit}/{r.notebook}"] = {"key": r.key, "status": r.status, "reason": r.reason, "sha256": r.sha256}
            if progress and not broken:  # refused runs are told once, by the caller, not one line each
                progress(r)
    order = {(u, s): i for i, (u, s) in enumerate((u, s) for u in units for s in stems)}
    summary.runs.sort(key=lambda r: order[(r.unit, r.notebook)])

    write_unit_reports(book, out, units, stems)
    _save_state(out, state)
    summary.seconds = time.perf_counter() - started
    write_index(book, summary, stems, units, state)
    if pdf:  # after every page is written: the PDFs print them (see pdf)
        from . import pdf as pdf_module
        summary.pdf_seconds = pdf_module.write_unit_pdfs(out, [(u, f"{book.unit_name(u)} · {book.name}") for u in units])
    return summary


def _refusal(book: Workbook) -> str:
    """The fixed line that fails every run when APV or signals files are broken ('' when none).
    A damaged store or a folder that can't be written stops the command (InputError): then
    not even the run keys can be read, and the details name no survey cell."""
    problems = check_files(book)
    fatal = [p for p in problems if input_kind(p.file) not in ("apv", "signals")]
    if fatal:
        raise InputError(fatal)
    return broken_line(problems) if problems else ""


def _unchanged(before: dict, key: str, out: Path, unit: str, stem: str) -> bool:
    """The last run of this (unit, notebook) succeeded with the same inputs and its report is
    byte for byte the one it wrote (not half-written, not edited, not missing)."""
    if before.get("status") != "ok" or before.get("key") != key or not before.get("sha256"):
        return False
    try:
        return sha256(target(out, unit, f"{stem}.html").read_bytes()) == before["sha256"]
    except OSError:
        return False


def _refuse(book: Workbook, out: Path, todo: list, line: str):
    """Every run fails with the fixed line; its page says so, and no stale report stays behind."""
    for unit, stems, keys in todo:
        target(out, unit, "").mkdir(parents=True, exist_ok=True)
        for stem in stems:
            with contextlib.suppress(FileNotFoundError):
                target(out, unit, f"{stem}.ipynb").unlink()
            page = _page("refused.html.j2", heading=title(stem), unit=book.unit_name(unit), line=line)
            write_atomic(target(out, unit, f"{stem}.html"), page)
            yield Run(unit, stem, "failed", line, key=keys[stem])


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
            r = Run(**item)
            seen.add((r.unit, r.notebook))
            yield r
        for p in procs:
            p.join(timeout=30)
    for unit, stems, keys in todo:  # a worker that died takes its runs with it: say so
        for stem in stems:
            if (unit, stem) not in seen:
                yield Run(unit, stem, "failed", "Kørslen blev afbrudt: arbejdsprocessen stoppede uventet.", key=keys[stem])


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


def _remove_leftovers(out: Path, units: list[str]) -> None:
    """Temporary files of a run that was stopped mid-write."""
    for folder in [out] + [target(out, u, "") for u in units]:
        for path in folder.glob(f".*{TMP}") if folder.is_dir() else []:
            with contextlib.suppress(OSError):
                path.unlink()


def target(out: Path, unit: str, name: str) -> Path:
    """OUT/<unit>/<name>, refused unless it stays inside OUT. Unit ids are checked when
    institution.yaml is read; this is the second lock on the same door."""
    base = Path(out).resolve()
    path = (base / unit / name).resolve()
    if base not in path.parents:
        raise InputError(Problem(INSTITUTION, column="units", value=unit,
                                 expected="enhedens id ville skrive uden for rapportmappen; brug kun bogstaver, cifre, _ og -."))
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


def _load_state(out: Path) -> dict:
    try:
        return json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(out: Path, state: dict) -> None:
    write_atomic(out / STATE, json.dumps(state, indent=1, sort_keys=True))


# --- pages -------------------------------------------------------------------------
def _page(template: str, **values) -> str:
    return site.page(template, **values)


_href = site.href


def write_unit_report(book: Workbook, out: Path, unit: str, stems: list[str], store: Store | None = None,
                      history: list | None = None, everything: list | None = None) -> Path:
    """The unit's overblik (OUT/<unit>/overblik.html) and its combined report: the overblik as
    page 1, then every recommendation, each without its own masthead."""
    summary = overblik.summarize(book, unit, store, history=history, everything=everything)
    sections = []
    for stem in stems:
        path = out / unit / f"{stem}.html"
        if path.exists():
            sections.append({"number": int(stem[:2]) if stem[:2].isdigit() else "", "title": title(stem, numbered=False),
                             "anchor": f"anbefaling-{stem[:2]}", "html": path.read_text(encoding="utf-8")})
    folder = target(out, unit, "")
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(target(out, unit, "overblik.html"), site.overblik_page(summary))
    path = target(out, unit, "index.html")
    write_atomic(path, site.unit_report(summary, sections))
    return path


def write_unit_reports(book: Workbook, out: Path, units: list[str], stems: list[str]) -> None:
    """Every unit's overblik and combined report. Always rewritten (no kernel is needed): a unit's
    overblik also shows the institution's actions and compares with the institution's figures."""
    try:
        history = apv.history(book)
    except InputError:
        history = None  # each overblik then says, in the fixed line, that the survey is broken
    with Store(book.store_path) as store:
        everything = actions.for_unit(store)
        for unit in units:
            write_unit_report(book, out, unit, stems, store, history, everything)


def write_index(book: Workbook, summary: Summary, stems: list[str], units: list[str], state: dict) -> Path:
    html = site.index_page(book, units, summary.runs, stems, summary.seconds, f"{datetime.now():%d.%m.%Y %H:%M}")
    write_atomic(summary.index, html)
    return summary.index
