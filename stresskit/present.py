"""Live use of the notebooks: `stresskit present` (Voilà, for a projector) and `stresskit lab`.

Both start from copies of the notebooks with the workbook (and unit) injected as
parameters, in live mode, so the shipped notebooks stay untouched.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

from .batch import NOTEBOOKS, UsageError, notebooks
from .workbook import Workbook

PRESENT_ENV = "STRESSKIT_PRESENT"  # set for the kernel: the page uses the projector style


def prepared(book: Workbook, unit: str, stems: list[Path], folder: Path) -> list[Path]:
    """Parameterised copies (mode live) of the notebooks in `folder`."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in stems:
        nb = parameterize_notebook(load_notebook_node(str(path)),
                                   {"workbook": str(book.root.resolve()), "unit": unit, "mode": "live"})
        target = folder / path.name
        nbformat.write(nb, target)
        out.append(target)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serveren stoppede (kode {proc.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"serveren svarede ikke på {url} inden for {seconds:.0f} s")


def serve(workbook: Path | str, unit: str, number: int, port: int | None = None, folder: Path = NOTEBOOKS,
          open_browser: bool = False, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start Voilà on one notebook for one unit, on 127.0.0.1 only; return the process and its address."""
    book = Workbook.open(workbook)
    if unit not in book.units:
        raise UsageError(f"enheden {unit} findes ikke; kendte enheder er {', '.join(book.ordered())}.")
    [path] = notebooks([number], folder)
    work = Path(tempfile.mkdtemp(prefix="stresskit-present-"))
    [copy] = prepared(book, unit, [path], work)
    port = port or free_port()
    cmd = [sys.executable, "-m", "voila", str(copy), f"--port={port}", "--Voila.ip=127.0.0.1",
           "--strip_sources=True", "--show_tracebacks=False", "--theme=light",
           "--Voila.open_browser=" + ("True" if open_browser else "False")]
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {}), PRESENT_ENV: "1"}, cwd=work,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}/"


def lab_command(workbook: Path | str, folder: Path = NOTEBOOKS, port: int | None = None) -> tuple[list[str], Path]:
    """The JupyterLab command for this workbook: copies of all notebooks with it as the default."""
    book = Workbook.open(workbook)
    work = Path(tempfile.mkdtemp(prefix=f"stresskit-lab-{book.root.resolve().name}-"))
    prepared(book, "", notebooks(None, folder), work)
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={work}", "--ServerApp.ip=127.0.0.1"]
    if port:
        cmd.append(f"--port={port}")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd, work


def stop(proc: subprocess.Popen) -> None:
    """Stop a server and the kernels it started (they share its session)."""
    import signal

    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
