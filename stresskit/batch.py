"""Every notebook for every unit, in report mode, to self-contained HTML — fast and
without ever letting one unit's data reach another unit's report.

Output (OUT defaults to reports/<workbook folder name>/):
    OUT/index.html                  every unit in one row: APV, progress, actions; failed runs on top
    OUT/<unit>/overblik.html        the unit's overblik, one printed page (see overblik, site)
    OUT/<unit>/index.html           the overblik, then the unit's recommendations in one report
    OUT/<unit>/<nn>_<name>.html     one report per notebook, beside its executed .ipynb

How it is fast: the institution-wide work (every APV round's anonymised results, the
action list) is done once per batch and cached under OUT/.stresskit-cache/, keyed by the
inputs and the code. N worker processes each become a warm template (stresskit, IPython,
papermill and nbconvert imported, the institution-wide results loaded, the exporter's
templates compiled) and take units from a queue. Each unit runs in a fork of the template
(one process per unit, so nothing one unit computed can leak into another): its notebooks
in turn, each by papermill.execute_notebook on the stresskit engine (see engine: the
fork's own IPython shell, no kernel to start), each in a clean namespace, and exported by
nbconvert with StresskitExporter (see report) — the tools an analyst would use by hand. A re-run skips a (unit, notebook) whose inputs are unchanged and whose report
is still the one the last successful run wrote (its sha256).

What is written: the reports embed their charts as compact palette PNGs; the executed
notebooks are the audit trail (parameters, inputs, every output) without image payloads.

How it fails safely: the workbook's files are checked before any unit runs; broken
APV or signals files fail every run with one fixed line that quotes nothing from them.
Every file is written to a temporary file beside it and renamed into place, and every
path is checked to stay inside OUT. Stopping the run (Ctrl+C, SIGTERM) stops the workers
and their units' processes; a worker whose parent disappears (kill -9) stops its unit's
process and exits, and a unit's process dies with its worker.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import hmac
import json
import logging
import multiprocessing
import os
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from . import danish
from . import __version__, actions, apv, overblik, report, site
from . import guide as guide_module
from .errors import UsageError, unknown_unit  # noqa: F401  (batch.UsageError stays importable)
from .notebooks import NOTEBOOKS, notebooks  # noqa: F401  (batch.notebooks stays importable)
from .problems import InputError, Problem, os_reason
from .store import ActionVersion, Store
from .views import render
from .workbook import INSTITUTION, UNIT_ID, BrokenInput, Workbook, broken_line, check_files, input_kind

PACKAGE = Path(__file__).resolve().parent
REPORTS = PACKAGE.parent / "reports"
STATE = ".stresskit-state.json"
CACHE = ".stresskit-cache"   # OUT/<this>/<key>.json: the institution-wide work of the last batch
SECRET = ".stresskit-secret"  # in the workbook folder, never in OUT: the key run keys and the cache are signed with
UNIT_PROCESS = "stresskit-unit"  # a unit's process, as ps and top name it
CELL_TIMEOUT = 600
TMP = ".tmp"             # suffix of files being written; a stopped run may leave one behind
PARENT_POLL = 0.5        # seconds between a worker's checks that its parent still lives
PR_SET_PDEATHSIG = 1     # linux/prctl.h
PR_SET_NAME = 15


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


def title(stem: str, numbered: bool = True) -> str:
    for rec in guide_module.default().recommendations:
        if rec.notebook == stem:
            return f"{rec.number}. {rec.title}" if numbered else rec.title
    return stem


# --- what a run depends on ---------------------------------------------------------
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


def _code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".j2", ".css", ".json"):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_keys(book: Workbook, units: list[str], books: list[Path], key: bytes | None = None) -> dict[tuple[str, str], str]:
    """A key per (unit, notebook) that changes whenever anything the run reads changes:
    the notebook, its parameters, the workbook's files, the answers it reads (the unit's
    subtree, the units above it — their actions and institution-wide answers show in it —
    and the AMO groups covering any of them; everything for the institution), stresskit
    itself, and the date (reports are dated). Signed (see secret): it goes into OUT."""
    key = key or secret(book)
    shared = {"files": book.checksums(), "code": _code_hash(), "version": __version__, "date": actions.today().isoformat()}
    nb_hash = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in books}
    with Store(book.store_path) as store:
        answers = {u: store.fingerprint(None if u == book.root_unit else _answer_keys(book, u)) for u in units}
    keys = {}
    for unit in units:
        for p in books:
            payload = {**shared, "notebook": nb_hash[p.stem], "parameters": parameters(book, unit), "answers": answers[unit]}
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


# --- once per batch: what every unit shares ------------------------------------------
def institution_key(book: Workbook, key: bytes | None = None) -> str:
    """Changes whenever anything the institution-wide work reads changes: the workbook's files
    (APV rounds and their dates in mapping.yaml, institution.yaml, signals.csv), the answers and
    actions, stresskit, and today's date (overdue tasks and «nu» depend on it). Signed."""
    with Store(book.store_path) as store:
        answers = store.fingerprint()
    payload = {"files": book.checksums(), "code": _code_hash(), "version": __version__, "answers": answers,
               "date": actions.today().isoformat()}
    return signed(key or secret(book), payload)


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


# --- the worker side: a warm template, forked per unit --------------------------------
class UnitRunner:
    """A template process: stresskit, IPython, papermill and nbconvert imported and warmed up,
    the institution-wide results loaded. Each unit runs in a fork of it (one process per unit:
    what a unit computes dies with its process), all of the unit's notebooks in turn."""

    def __init__(self, book: Workbook, out: Path, folder: Path, cache: Path | None = None, key: bytes | None = None):
        self.book, self.out, self.folder = book, out, folder
        self.key = key or secret(book)
        self.inputs = book.checksums()
        self.child: int | None = None
        self.scrub = _private_paths(book, out, folder)
        if cache is not None:
            self._load(cache)
        self._warm_up()

    def _load(self, cache: Path) -> None:
        """Take the parent's institution-wide work if it verifies for the inputs as they are
        now (a file changed since, or an entry not signed with the workbook's secret, is
        computed afresh in this process instead)."""
        data = verified_cache(cache, institution_key(self.book, self.key), self.key)
        if data is None:
            return
        if data["apv"] is not None:
            apv.preload(self.book, apv.results_from_data(data["apv"]))
        with Store(self.book.store_path) as store:
            if hmac.compare_digest(signed(self.key, store.fingerprint()), data["answers"]):
                actions.preload(store, [ActionVersion(**v) for v in data["actions"]])

    def _warm_up(self) -> None:
        """Everything a unit would otherwise pay for in its own process: imports, the tables
        every unit reads (tree, signals), the shell, matplotlib's fonts, the exporter's templates."""
        import papermill  # noqa: F401 (imported for the forks)

        from .views import aftaler, handleplan, paavirkninger, samarbejde, status  # noqa: F401
        from .views import apv as _view  # noqa: F401

        from . import charts, engine, executor, signals
        signals.read(self.book)
        signals.withheld(self.book, self.book.root_unit)
        engine.register()
        warm = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
        warm.cells[0].metadata["tags"] = ["parameters"]
        papermill.execute_notebook(warm, None, {"x": 2}, engine_name=engine.NAME, kernel_name="python3", language="python",
                                   progress_bar=False, request_save_on_cell_execute=False)
        executor.shell().start_notebook()  # each unit's first notebook starts from a clean namespace
        self.exporter = report.exporter()
        nb = nbformat.v4.new_notebook()
        chart = charts.comparison_bars(["a"], [("b", [0.5], [""])], "c", "d")
        nb.cells = [nbformat.v4.new_markdown_cell("# *varm*"), nbformat.v4.new_code_cell("", outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": chart, "text/plain": ""})])]
        report.to_html(nb, self.exporter)
        nbformat.writes(nb)
        gc.collect()
        gc.freeze()  # the template's objects stay put: forks share its pages instead of copying them

    def kill_child(self) -> None:
        if self.child:
            with contextlib.suppress(OSError):
                os.kill(self.child, signal.SIGKILL)

    def run_unit(self, unit: str, stems: list[str], keys: dict):
        """Run the unit in a fork of this process; yield each notebook's Run as it finishes."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the unit's process: never returns
            os.close(read)
            code = 1
            try:
                _become_unit_process()
                os.chdir(self.folder)
                with os.fdopen(write, "w", encoding="utf-8") as pipe:
                    for run in self._unit(unit, stems, keys):
                        pipe.write(json.dumps(asdict(run)) + "\n")
                        pipe.flush()
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.child = pid
        seen = set()
        try:
            with os.fdopen(read, encoding="utf-8") as pipe:
                for line in pipe:
                    run = Run(**json.loads(line))
                    seen.add(run.notebook)
                    yield run
        finally:
            os.waitpid(pid, 0)
            self.child = None
        for stem in stems:  # the unit's process died (killed, out of memory): say so
            if stem not in seen:
                yield Run(unit, stem, "failed", "Kørslen blev afbrudt: enhedens proces stoppede uventet.", key=keys[stem])

    def _unit(self, unit: str, stems: list[str], keys: dict):
        """In the unit's process: its notebooks in turn, each run by papermill on the stresskit
        engine (this process's shell, a clean namespace per notebook; see engine)."""
        target(self.out, unit, "").mkdir(parents=True, exist_ok=True)
        for stem in stems:
            t0 = time.perf_counter()
            run = Run(unit, stem, key=keys[stem])
            nb = self._execute(unit, stem, run)
            nb.metadata.setdefault("papermill", {})["parameters"] = recorded_parameters(self.book, unit)
            nb.metadata["stresskit"] = {
                "title": f"{title(stem)} · {self.book.unit_name(unit)}",
                "parameters": recorded_parameters(self.book, unit),
                "sector": self.book.sector,
                "version": __version__,
                "executed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "key": run.key,
                "status": run.status,
            }
            try:
                html = scrubbed(report.to_html(nb, self.exporter), self.scrub)
                audit = scrubbed(nbformat.writes(report.without_images(nb)), self.scrub)
                write_atomic(target(self.out, unit, f"{stem}.ipynb"), audit)
                run.sha256 = write_atomic(target(self.out, unit, f"{stem}.html"), html)
            except OSError as exc:  # a full disk fails this run; the report already there stays whole
                run.status, run.reason, run.sha256 = "failed", f"Rapporten kunne ikke skrives: {os_reason(exc)}.", ""
            run.seconds = time.perf_counter() - t0
            yield run

    def _execute(self, unit: str, stem: str, run: Run) -> nbformat.NotebookNode:
        """papermill.execute_notebook with the stresskit engine; the executed notebook, also
        when a cell failed (then run says which, in one line)."""
        import papermill
        from papermill.execute import remove_error_markers

        from . import engine

        kept: list = []
        try:
            papermill.execute_notebook(str(self.folder / f"{stem}.ipynb"), None, parameters(self.book, unit),
                                       engine_name=engine.NAME, kernel_name="python3", language="python", progress_bar=False,
                                       request_save_on_cell_execute=False, execution_timeout=CELL_TIMEOUT, keep=kept)
            run.status = "ok"
        except Exception as exc:  # recorded; the unit's other notebooks and other units go on
            nb = remove_error_markers(kept[0]) if kept else nbformat.v4.new_notebook()
            run.status, run.reason = "failed", scrubbed(failure_line(nb, exc), self.scrub)
        return remove_error_markers(kept[0]) if kept else nbformat.v4.new_notebook()


def _private_paths(book: Workbook, out: Path, folder: Path) -> list[tuple[str, str]]:
    """Absolute paths that name a user's folders (the workbook, OUT, the notebooks, the home
    folder, where Python and stresskit are installed), longest first, each with what stands in
    for it in what OUT keeps: the executed notebooks (their parameters, a traceback) and the
    failure lines of the index and the state file."""
    places = [(book.root.resolve(), book.root.resolve().name), (Path(out).resolve(), "OUT"),
              (Path(folder).resolve(), "notebooks"), (PACKAGE.parent, "stresskit"),
              (Path(sys.prefix).resolve(), "python"), (Path(sys.base_prefix).resolve(), "python"),
              (Path.home().resolve(), "~")]
    pairs = {str(p): name for p, name in places if str(p) not in ("/", "")}
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def scrubbed(text: str, places: list[tuple[str, str]]) -> str:
    """The text (plain, JSON or HTML) with every private absolute path replaced by its stand-in,
    as written or as JSON or HTML escape it, and any other home folder by «~»."""
    for path, name in places:
        for found in {path, json.dumps(path)[1:-1], *render.escaped_forms(path)}:
            text = text.replace(found, name)
    return _HOME.sub("~", text)


_HOME = re.compile(r"(?<![\w.:/-])/(?:home|Users)/[^/\s\"'<>]+")  # a home folder, not a web address's path


def _become_unit_process() -> None:
    """A fork of the template: dies with it (even by kill -9), stops on SIGTERM, leaves Ctrl+C
    to the parent, and is called stresskit-unit in ps/top."""
    template = os.getppid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            libc.prctl(PR_SET_NAME, ctypes.c_char_p(UNIT_PROCESS.encode()), 0, 0, 0)
    if os.getppid() != template:  # the template died before the line above
        os._exit(1)


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


def _pool_worker(workbook: str, out: str, folder: str, cache: str | None, tasks, results, key: bytes | None = None) -> None:
    """Become a warm template, then take units from the shared queue until it says stop."""
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    runner = UnitRunner(Workbook.open(workbook), Path(out), Path(folder), Path(cache) if cache else None, key)

    def stop(*_):  # told to stop, or orphaned: the unit's process goes too, nothing more is written
        runner.kill_child()
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    _watch_parent(stop)
    while (job := tasks.get()) is not None:
        unit, stems, keys = job
        for run in runner.run_unit(unit, stems, keys):
            results.put(asdict(run))
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
    key = secret(book)
    keys = run_keys(book, units, books, key)
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
    _remove_gone_units(book, out, state)
    cache = institution_cache(book, out, key) if todo and not broken else None
    done = _refuse(book, out, todo, broken) if broken else _execute(book, out, folder, todo, jobs, cache, key)
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
        summary.pdf_seconds = pdf_module.write_unit_pdfs(out, [(u, book.name if u == book.root_unit else f"{book.unit_name(u)} · {book.name}") for u in units])
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


def _execute(book: Workbook, out: Path, folder: Path, todo: list, jobs: int, cache: Path | None = None,
             key: bytes | None = None):
    if not todo:
        return
    workers = max(1, min(jobs, len(todo)))
    ctx = multiprocessing.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    for job in todo:
        tasks.put(job)
    for _ in range(workers):
        tasks.put(None)
    procs = [ctx.Process(target=_pool_worker, args=(str(book.root.resolve()), str(out), str(folder),
                                                     str(cache) if cache else None, tasks, results, key), daemon=True)
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


REPORT_FILES = ("*.html", "*.ipynb", "*.pdf", f".*{TMP}")  # what stresskit writes in a unit's folder


def _remove_gone_units(book: Workbook, out: Path, state: dict) -> None:
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
    html = site.index_page(book, units, summary.runs, stems, summary.seconds, danish.day_time(datetime.now()))
    write_atomic(summary.index, html)
    return summary.index
