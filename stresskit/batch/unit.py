"""The worker side of a batch: a warm template process, forked once per unit, that runs the unit's
notebooks by papermill on the stresskit engine and writes their reports (see command)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hmac
import json
import os
import re
import signal
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import nbformat

from .. import __version__, actions, apv, guide
from ..errors import os_reason
from ..store import ActionVersion, Store
from ..validate import BrokenInput
from ..views import render
from ..workbook import Workbook
from . import pages, report
from .cache import verified_cache
from .files import target, write_atomic
from .keys import PACKAGE, institution_key, parameters, recorded_parameters, secret, signed
from .report import title
from .state import Run

UNIT_PROCESS = "stresskit-unit"  # a unit's process, as ps and top name it
CELL_TIMEOUT = 600
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PR_SET_NAME = 15


class UnitRunner:
    """A template process: stresskit, IPython, papermill and nbconvert imported and warmed up,
    the institution-wide results loaded. Each unit runs in a fork of it (one process per unit:
    what a unit computes dies with its process), all of the unit's notebooks in turn."""

    def __init__(self, book: Workbook, out: Path, folder: Path, cache: Path | None = None, key=None, sections=None):
        """``key``: the workbook's secret (bytes; read from the workbook when not given). ``sections``
        (a list of notebook stems): every notebook of the batch; when given, a unit's process also writes the
        unit's overblik and combined report after its notebooks (see pages), and ``paged`` says
        whether the last unit's did (else the parent writes them)."""
        self.book, self.out, self.folder, self.sections = book, out, folder, sections
        self.key = key or secret(book)
        self.inputs = book.checksums()
        self.child: int | None = None
        self.paged = False
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

        from .. import chart_svg, charts, signals
        from ..live import vote  # noqa: F401 (a form's report asks it for closed votes)
        from ..views import aftaler, handleplan, paavirkninger, samarbejde, status  # noqa: F401
        from ..views import apv as _view  # noqa: F401
        from . import engine, executor

        signals.read(self.book)
        signals.withheld(self.book, self.book.root_unit)
        render.compile_all()  # here, not once per unit's process
        engine.register()
        engine.no_discarded_copy()
        warm = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
        warm.cells[0].metadata["tags"] = ["parameters"]
        papermill.execute_notebook(
            warm,
            None,
            {"x": 2},
            engine_name=engine.NAME,
            kernel_name="python3",
            language="python",
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
        executor.shell().start_notebook()  # each unit's first notebook starts from a clean namespace
        self.exporter = report.exporter()
        nb = nbformat.v4.new_notebook()
        chart = charts.warm_up()
        chart_svg.ahead(guide.default())  # after the warm-up chart: texts measured, figures made for the forks
        nb.cells = [
            nbformat.v4.new_markdown_cell("# *varm*"),
            nbformat.v4.new_code_cell(
                "", outputs=[nbformat.v4.new_output("display_data", data={"text/html": chart, "text/plain": ""})]
            ),
        ]
        report.to_html(nb, self.exporter)
        nbformat.writes(nb)
        if self.sections:
            try:
                self._pages = pages.inputs(self.book)
            except Exception:  # the parent writes the pages, and meets whatever is wrong itself
                self.sections = None
            for name in pages.environment().list_templates():  # with those they include, compiled here once
                pages.environment().get_template(name)
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
                    if self.sections and self._write_pages(unit):
                        pipe.write(json.dumps({"page": unit}) + "\n")
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.child, self.paged = pid, False
        seen = set()
        try:
            with os.fdopen(read, encoding="utf-8") as pipe:
                for line in pipe:
                    data = json.loads(line)
                    if "page" in data:
                        self.paged = True
                        continue
                    run = Run(**data)
                    seen.add(run.notebook)
                    yield run
        finally:
            os.waitpid(pid, 0)
            self.child = None
        for stem in stems:  # the unit's process died (killed, out of memory): say so
            if stem not in seen:
                yield Run(
                    unit, stem, "failed", "Kørslen blev afbrudt: enhedens proces stoppede uventet.", key=keys[stem]
                )

    def _write_pages(self, unit: str) -> bool:
        """In the unit's process, after its notebooks: the unit's overblik and combined report (here,
        with two cores busy, rather than in the parent after every unit). False when they could not
        be written: then the parent writes them."""
        try:
            with Store(self.book.store_path) as store:
                pages.write_unit_report(self.book, self.out, unit, self.sections, store, *self._pages)
        except Exception:
            return False
        return True

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
                # nbformat.writes without its schema validation (which only logs): the exporter validated it
                audit = scrubbed(nbformat.v4.writes(report.without_images(nb)), self.scrub)
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
            papermill.execute_notebook(
                str(self.folder / f"{stem}.ipynb"),
                None,
                parameters(self.book, unit),
                engine_name=engine.NAME,
                kernel_name="python3",
                language="python",
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=CELL_TIMEOUT,
                keep=kept,
            )
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
    places = [
        (book.root.resolve(), book.root.resolve().name),
        (Path(out).resolve(), "OUT"),
        (Path(folder).resolve(), "notebooks"),
        (PACKAGE.parent, "stresskit"),
        (Path(sys.prefix).resolve(), "python"),
        (Path(sys.base_prefix).resolve(), "python"),
        (Path.home().resolve(), "~"),
    ]
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
