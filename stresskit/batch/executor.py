"""Executes a parameterised notebook in this process, as a Jupyter kernel would, with
outputs recorded into the notebook (display data, results, streams, errors).

Why not a kernel: starting a kernel and importing stresskit costs about a CPU-second,
and the batch needs one process per unit anyway. The batch forks a warm template
process per unit (see unit) and runs the unit's notebooks here, through papermill
(see engine: papermill's engine «stresskit» drives this shell cell by cell); the fork
dies with the unit, so nothing one unit computed can reach another.

It behaves as nbclient does for a report run: cells in order, the first error stops
the notebook and raises CellError; the error output carries ename, evalue and the
traceback (an exception's ``_render_traceback_`` wins, as in IPython).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import signal

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type
from traitlets.config import Config

from ..errors import StresskitError


def _output(output_type: str, **fields) -> nbformat.NotebookNode:
    """An output as nbformat.v4.new_output makes it, without validating each one against the
    schema as it is made (a report shows hundreds; papermill and nbconvert validate the whole
    notebook when they read and write it)."""
    if output_type in ("display_data", "execute_result"):
        fields.setdefault("metadata", {})
        fields.setdefault("data", {})
    return nbformat.from_dict({"output_type": output_type, **fields})


class CellError(StresskitError):
    """A cell raised; the notebook keeps the error output."""

    def __init__(self, index: int, ename: str, evalue: str):
        super().__init__(f"{ename}: {evalue}")
        self.index, self.ename, self.evalue = index, ename, evalue


class CellTimeout(StresskitError):
    """A cell ran longer than the batch allows."""


class _Publisher(DisplayPublisher):
    """display(...) becomes a display_data output of the running cell."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **_):
        self.shell.record(_output("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait=False):
        self.shell.outputs.clear()


class _Hook(DisplayHook):
    """A cell's last expression becomes an execute_result output, as in a kernel."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.shell.record(_output("execute_result", data=format_dict, metadata=md_dict or {}))

    def finish_displayhook(self):
        pass

    def flush(self):
        """As IPython's (between notebooks: the output cache and its _1, _2, … names cleared), without
        its full garbage collection each time (Python's own collection still runs as objects pile up)."""
        for n in range(1, self.prompt_count + 1):
            self.shell.user_ns_hidden.pop(f"_{n}", None)
            self.shell.user_ns.pop(f"_{n}", None)
        if self.shell.user_ns.get("_oh") is not None:
            self.shell.user_ns["_oh"].clear()
        self._, self.__, self.___ = "", "", ""
        if "_" not in builtins.__dict__:
            self.shell.user_ns.update({"_": self._, "__": self.__, "___": self.___})


class _Stream(io.TextIOBase):
    """print() and warnings become stream outputs, consecutive writes merged (as nbclient does)."""

    def __init__(self, shell: Shell, name: str):
        self.shell, self.name = shell, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        outputs = self.shell.outputs
        if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1].get("name") == self.name:
            outputs[-1]["text"] += text
        else:
            self.shell.record(_output("stream", name=self.name, text=text))
        return len(text)


class Shell(InteractiveShell):
    """An IPython shell whose outputs go into the running cell instead of a terminal."""

    displayhook_class = Type(_Hook)
    display_pub_class = Type(_Publisher)

    def __init__(self, **kwargs):
        config = Config()
        config.HistoryManager.enabled = False  # no history database in IPYTHONDIR per unit
        super().__init__(config=config, colors="nocolor", **kwargs)
        self.outputs: list = []
        self.used = False  # has run a cell since its namespace was last cleaned
        self._main_spec()

    def _main_spec(self) -> None:
        # IPython puts its user module in sys.modules["__main__"]; without a __spec__ a process that
        # later starts multiprocessing workers (a test, papermill's CLI, the batch's parent) fails there.
        self.user_ns.setdefault("__spec__", None)

    def should_run_async(self, raw_cell, *, transformed_cell=None, preprocessing_exc_tuple=None) -> bool:
        """As IPython's, without compiling every cell a second time to learn what its text already
        says: a cell needs the coroutine runner only if it says «await» or «async»."""
        if transformed_cell is not None and "await" not in transformed_cell and "async" not in transformed_cell:
            return False
        return super().should_run_async(
            raw_cell, transformed_cell=transformed_cell, preprocessing_exc_tuple=preprocessing_exc_tuple
        )

    def record(self, output) -> None:
        self.outputs.append(output)

    def _showtraceback(self, etype, evalue, stb):
        self.record(_output("error", ename=etype.__name__, evalue=str(evalue), traceback=list(stb)))

    def run(self, nb: nbformat.NotebookNode, timeout: float | None) -> None:
        """Run every code cell of nb in order; raise CellError at the first cell that fails."""
        for index, cell in enumerate(nb.cells):
            self.run_code_cell(cell, index, timeout)

    def run_code_cell(self, cell, index: int, timeout: float | None) -> None:
        """Run one cell as a kernel would (a markdown or raw cell is left alone): its outputs
        replace the old ones; raise CellError when it fails, its error output kept."""
        if cell.cell_type != "code":
            return
        self.used = True
        cell.outputs = self.outputs = []
        with (
            _deadline(timeout),
            contextlib.redirect_stdout(_Stream(self, "stdout")),
            contextlib.redirect_stderr(_Stream(self, "stderr")),
        ):
            result = self.run_cell(cell.source, store_history=True)
        cell.execution_count = result.execution_count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = result.execution_count
        failed = result.error_before_exec or result.error_in_exec
        if failed is not None:
            error = next((o for o in cell.outputs if o.output_type == "error"), None)
            if error is None:  # an error IPython did not show: record it as a kernel would
                error = _output("error", ename=type(failed).__name__, evalue=str(failed), traceback=[])
                cell.outputs.append(error)
            raise CellError(index, error.ename, error.evalue)

    def start_notebook(self) -> None:
        """Before a notebook: a clean namespace when this shell has run another one."""
        if self.used:
            self.fresh_namespace()
        self.used = False

    def fresh_namespace(self) -> None:
        """Between notebooks of one unit: a clean namespace; imported modules stay loaded."""
        self.reset(new_session=False, aggressive=False)
        self._main_spec()


@contextlib.contextmanager
def _deadline(seconds: float | None):
    """A cell that runs too long is stopped with CellTimeout (SIGALRM; main thread only).
    No limit when seconds is None (papermill's default)."""
    if not seconds:
        yield
        return

    def expire(*_):
        raise CellTimeout(f"cellen kørte længere end {seconds:.0f} s")

    before = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def shell() -> Shell:
    """The process's one shell (IPython's display() finds it through InteractiveShell.instance)."""
    return Shell.instance()
