"""papermill's engine «stresskit»: a notebook run on stresskit's warm in-process executor.

    papermill --engine stresskit notebooks/03_paavirkninger.ipynb out.ipynb -p workbook … -p unit hum -p mode report
    papermill.execute_notebook(…, engine_name="stresskit")

Registered under papermill's ``papermill.engine`` entry point (pyproject.toml). papermill does
what it always does (parameters, metadata, timings, saving, raising PapermillExecutionError);
only the execution differs: instead of starting a kernel and importing stresskit in it (about a
CPU-second per notebook), the cells run in this process's IPython shell (see executor), each
notebook in a clean namespace. The outputs are those a kernel records (display data, results,
streams, errors with their tracebacks). `stresskit run` runs every unit's notebooks this way.

Where it can't run in-process it hands the notebook to papermill's own engine (nbclient and a
kernel) and never fails for that: inside a running kernel or another IPython (get_ipython() is
not stresskit's shell), off the main thread (a cell's time limit needs SIGALRM), or for a
notebook in another language.
"""

from __future__ import annotations

import logging
import platform
import threading
from datetime import datetime

from papermill.engines import (
    Engine,
    NBClientEngine,
    NotebookExecutionManager,
    catch_nb_assignment,
    papermill_engines,
)

from . import executor

NAME = "stresskit"
log = logging.getLogger("papermill")

# What an IPython kernel reports as the notebook's language (nbclient records it after a run).
LANGUAGE_INFO = {
    "name": "python",
    "version": platform.python_version(),
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}


class _Manager(NotebookExecutionManager):
    """papermill's execution manager, except that with no output path it does not serialise
    the whole notebook at every cell only to throw the text away."""

    def save(self, **kwargs):
        if self.output_path:
            return super().save(**kwargs)
        if kwargs.get("nb"):
            self.nb = kwargs["nb"]
        self.last_save_time = self.now()

    @catch_nb_assignment
    def cell_complete(self, cell, cell_index=None, **kwargs):
        """As papermill's, but the cell's start time (which cell_start wrote by isoformat) read back
        by datetime.fromisoformat instead of dateutil's general parser: the same time, a tenth of the CPU."""
        start = cell.metadata.papermill.get("start_time")
        if not start or self.log_output:
            return super().cell_complete(cell, cell_index=cell_index, **kwargs)
        end_time = self.now()
        cell.metadata.papermill["end_time"] = end_time.isoformat()
        cell.metadata.papermill["duration"] = (end_time - datetime.fromisoformat(start)).total_seconds()
        if cell.metadata.papermill["status"] != self.FAILED:
            cell.metadata.papermill["status"] = self.COMPLETED
        self.save()
        if self.pbar:
            self.pbar.update(1)


class StresskitEngine(Engine):
    """Runs the cells in this process's stresskit shell; falls back to NBClientEngine."""

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        keep: list | None = None,
        **kwargs,
    ):
        """As Engine.execute_notebook. `keep`, when given, receives the executed notebook also
        when a cell fails (papermill then raises, and its exception carries no notebook)."""
        manager = _Manager(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        if keep is not None:
            keep.append(manager.nb)
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, execution_timeout=None, **kwargs):
        reason = why_not_here(nb_man.nb)
        if reason:
            log.info("stresskit: %s; notesbogen køres i en kerne (papermills egen motor).", reason)
            return NBClientEngine.execute_managed_notebook(
                nb_man, kernel_name, log_output=log_output, execution_timeout=execution_timeout, **kwargs
            )
        shell = executor.shell()
        shell.start_notebook()
        nb = nb_man.nb
        for index, cell in enumerate(nb.cells):
            try:
                nb_man.cell_start(cell, index)
                shell.run_code_cell(cell, index, execution_timeout)
            except executor.CellError as exc:
                nb_man.cell_exception(cell, cell_index=index, exception=exc)
                break
            finally:
                if log_output:
                    _log_streams(cell)
                nb_man.cell_complete(cell, cell_index=index)
        nb.metadata["language_info"] = dict(LANGUAGE_INFO)
        return nb

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        """A notebook without a kernelspec still runs here (on Python)."""
        return name or nb.metadata.get("kernelspec", {}).get("name") or "python3"


def why_not_here(nb) -> str:
    """Why this notebook can't run in this process ('' when it can)."""
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), executor.Shell):
        return f"den kører allerede i {type(InteractiveShell.instance()).__name__}"
    if threading.current_thread() is not threading.main_thread():
        return "den kaldes uden for hovedtråden"
    language = nb.metadata.get("kernelspec", {}).get("language") or nb.metadata.get("language_info", {}).get("name")
    if language not in (None, "python"):
        return f"notesbogen er skrevet i {language}"
    return ""


def _log_streams(cell) -> None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            log.info(output.get("text", ""))


def no_discarded_copy() -> None:
    """In a batch's worker: papermill's execute_notebook ends by writing the notebook to its output
    path, serialised to JSON first even when there is none (None: the text is thrown away; a twentieth
    of a unit's CPU). The batch writes each notebook itself, so with no path nothing is serialised."""
    import papermill.execute

    write = papermill.execute.write_ipynb
    if getattr(write, "stresskit", False):
        return

    def write_ipynb(nb, path):
        if path is not None:
            write(nb, path)

    write_ipynb.stresskit = True
    papermill.execute.write_ipynb = write_ipynb


def register() -> None:
    """Make engine_name="stresskit" work even where the entry point is not installed (a source
    checkout on PYTHONPATH); papermill's registry is its public way to add an engine."""
    papermill_engines.register(NAME, StresskitEngine)
