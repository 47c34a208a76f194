"""Live use of the notebooks on a projector: `stresskit present` (one Voilà server for a whole
workbook). JupyterLab for workshops is `lab`.

Both start from copies of the notebooks with the workbook injected as a parameter, in live
mode (`parameterised`), so the shipped notebooks stay untouched. `present` listens on 127.0.0.1 only, with a
token in the printed address; its log goes to a file in a private temporary folder (in the
workbook's `.stresskit-tmp/`, or the system's when the workbook is read-only), so a full
pipe can never stall the server. The server process itself is `server`.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from ..errors import UsageError, unknown_unit
from ..notebooks import NOTEBOOKS, notebooks
from ..store import USER_ENV
from ..workbook import Workbook

PRESENT_ENV = "STRESSKIT_PRESENT"  # set for the kernel: the page is on a projector
NOTEBOOKS_ENV = "STRESSKIT_PRESENT_NOTEBOOKS"  # the folder of the server's notebook copies
TOKEN_ENV = "STRESSKIT_PRESENT_TOKEN"  # the token, handed to the server process (never on its command line)
QUERY_TOKEN_ENV = "STRESSKIT_PRESENT_QUERY_TOKEN"  # the kernels' secret for Voilà's query socket (set by the server)
TEMP_FOLDER = ".stresskit-tmp"
TEMPLATES = Path(__file__).parent.parent / "templates"
POOL_SIZE = 1  # pre-heated kernels per notebook
MAX_KERNELS = 6  # kernels in use at once, besides the pool
WARM_SECONDS = 60  # the launcher waits at most this long for the first page's kernels to heat
CULL_IDLE_SECONDS = 900  # a kernel no page is connected to is stopped after this long idle
REQUEST_CELL = (
    "# stresskit present: prepare in the pre-heated kernel, then wait for the page's request\n"
    "import stresskit.live.present as _present\n"
    "unit = _present.on_request(workbook, unit)"
)


def parameterised(path: Path, workbook: str, unit: str, on_request: bool = False):
    """A shipped notebook with its parameters set (mode live) and its recommendation as title;
    with `on_request` it takes its unit (and who answers) from the page's address when opened."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from .. import guide as guide_module

    titles = {r.notebook: f"{r.number}. {r.title}" for r in guide_module.default().recommendations}
    nb = parameterize_notebook(load_notebook_node(str(path)), {"workbook": workbook, "unit": unit, "mode": "live"})
    if on_request:
        at = next(i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", []))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(REQUEST_CELL))
    nb.metadata["title"] = titles.get(path.stem, path.stem)
    nb.metadata.pop("papermill", None)
    return nb


def prepared(book: Workbook, unit: str, stems: list[Path], folder: Path, on_request: bool = False) -> list[Path]:
    """Parameterised copies (mode live) of the notebooks in `folder` (see `parameterised`)."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in stems:
        target = folder / path.name
        nbformat.write(parameterised(path, str(book.root.resolve()), unit, on_request), target)
        out.append(target)
    return out


def on_request(workbook: str, unit: str) -> str:
    """In the kernel of a page: load what every page needs, wait until the browser asks for the
    page (at once when the kernel was not pre-heated), and return the unit it asks for. The
    store is read only after this, so a pre-heated page shows every answer saved before."""
    import ipywidgets  # noqa: F401  (the slow imports, done while the kernel waits in the pool)
    import matplotlib.pyplot  # noqa: F401

    from .. import apv, store  # noqa: F401
    from ..workbook import Workbook as Book

    _import_pages()
    _compile_templates()
    try:
        apv.results(Book.open(workbook))  # cached per kernel while the files are unchanged
    except Exception:
        pass  # the page itself says what is wrong
    _draw_one_chart()
    _wait_for_request()
    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    who = " ".join((query.get("who") or [""])[0].split())[:80]
    if who:
        store.set_user(who)
    return (query.get("unit") or [unit])[0]


PAGES = ("base", "apv", "aftaler", "paavirkninger", "status", "samarbejde", "handleplan")  # stresskit.views


def _import_pages() -> None:
    """Every page module of `stresskit.views`."""
    import importlib

    for name in PAGES:
        try:
            importlib.import_module(f"stresskit.views.{name}")
        except ImportError:
            pass  # a page that is gone: its notebook says so when it runs


def _compile_templates() -> None:
    """The views' Jinja templates, compiled with their macros: the forms of a first page compiled
    five of them after the request (0.17 s CPU)."""
    try:
        from ..views import render

        render.compile_all()
    except Exception:
        pass  # only a warm-up: the page compiles what it uses


def _draw_one_chart() -> None:
    """One small chart drawn and thrown away: matplotlib's first figure (its fonts, the SVG
    writer) took 1 s after the request on the first page with a chart, when it was drawn there."""
    try:
        from .. import charts

        charts.warm_up()
    except Exception:
        pass  # only a warm-up: the page draws its own


def _wait_for_request() -> None:
    """Voilà's `utils.wait_for_request`, without importing Voilà into the kernel (1.2 s on the way
    to every page): a pre-heated kernel opens Voilà's query socket (which tells the server it is
    heated) and takes the page request's environment, QUERY_STRING among it, from it."""
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    import asyncio
    import json
    import threading

    import websockets

    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = (
        f"ws://{os.environ.get('VOILA_APP_IP', '127.0.0.1')}:{os.environ.get('VOILA_APP_PORT', '8866')}"
        f"{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}?{urlencode({'token': os.environ.get(QUERY_TOKEN_ENV, '')})}"
    )
    found: dict = {}

    async def receive() -> None:
        async with websockets.connect(url, open_timeout=5) as socket:
            found.update(json.loads(await socket.recv()))

    def in_own_loop() -> None:  # the kernel's event loop runs this cell: wait in a thread of our own
        try:
            asyncio.run(receive())
        except (OSError, TimeoutError, websockets.WebSocketException, ValueError):
            pass  # no request info: the page opens with the unit the notebook was prepared with

    waiter = threading.Thread(target=in_own_loop)
    waiter.start()
    waiter.join()
    os.environ.update({k: str(v) for k, v in found.items()})


def lan_address(address: str) -> str:
    """The network address the phones of a vote reach the server on: one of this machine's own
    (an IPv4 address such as 192.168.1.20); anything else is refused in Danish."""
    import ipaddress

    try:
        ip = ipaddress.IPv4Address(address.strip())
    except ValueError:
        raise UsageError(
            f"--lan: «{address.strip()[:40]}» er ikke en IPv4-adresse; skriv fx 192.168.1.20 "
            "(maskinens adresse på netværket, som telefonerne er på)."
        ) from None
    if ip.is_unspecified or ip.is_multicast:
        raise UsageError("--lan: skriv maskinens egen adresse på netværket, ikke 0.0.0.0.")
    with socket.socket() as s:
        try:
            s.bind((str(ip), 0))
        except OSError:
            raise UsageError(
                f"--lan: {ip} er ikke en af denne maskines adresser; se maskinens netværksindstillinger."
            ) from None
    return str(ip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def temp_folder(book: Workbook) -> Path:
    """A private folder for one server: in the workbook when it is writable, else the system's."""
    base = book.root / TEMP_FOLDER
    try:
        base.mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="present-", dir=base))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="stresskit-present-"))


@dataclass
class Server:
    proc: subprocess.Popen
    url: str  # the address to open, with the token
    base: str  # http://127.0.0.1:PORT/
    token: str
    folder: Path
    log: Path


def serve(
    workbook: Path | str,
    unit: str | None = None,
    number: int | None = None,
    port: int | None = None,
    folder: Path | None = None,
    who: str | None = None,
    env: dict | None = None,
    pool_size: int = POOL_SIZE,
    max_kernels: int = MAX_KERNELS,
    lan: str | None = None,
) -> Server:
    """Start one Voilà server for the whole workbook on 127.0.0.1; the address opens the landing
    page, or with `unit`/`number` that recommendation for that unit. With `lan` (an address of
    this machine) it listens there too, so phones in the room can reach a vote's page."""
    folder = folder or NOTEBOOKS
    book = Workbook.open(workbook)
    if unit and unit not in book.units:
        raise UsageError(unknown_unit([unit], book.ordered()))
    notebooks([number] if number else None, folder)  # says which numbers exist
    lan = lan_address(lan) if lan else ""
    work = temp_folder(book)
    pages = work / "notebooks"  # the server writes its copies here as it starts (papermill is imported there anyway)
    pages.mkdir()
    port = port or free_port()
    token = secrets.token_urlsafe(24)
    kernel_env = {
        **os.environ,
        **(env or {}),
        PRESENT_ENV: "1",
        NOTEBOOKS_ENV: str(pages),
        "JUPYTER_PATH": os.pathsep.join(filter(None, [str(TEMPLATES), os.environ.get("JUPYTER_PATH")])),
    }
    kernel_env.pop(USER_ENV, None)  # only a name given here or in the page is saved as who answered
    if who and who.strip():
        kernel_env[USER_ENV] = who.strip()
    cmd = [
        sys.executable,
        "-m",
        "stresskit.live.server",
        str(pages),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        f"--PresentApp.workbook={book.root.resolve()}",
        f"--PresentApp.source={Path(folder).resolve()}",
        *([f"--PresentApp.lan={lan}"] if lan and lan != "127.0.0.1" else []),
        "--template=stresskit-present",
        "--theme=light",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--preheat_kernel=True",
        f"--PresentApp.heated={pool_size}",
        *([f"--PresentApp.first={notebooks([number], folder)[0].name}"] if number else []),
        "--VoilaConfiguration.multi_kernel_manager_class=stresskit.live.kernels.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        "--Voila.open_browser=False",
    ]
    log = work / "voila.log"
    with open(log, "ab") as out:  # the child writes to the file itself: nothing to drain, nothing to block
        proc = subprocess.Popen(
            cmd,
            env={**kernel_env, TOKEN_ENV: token},
            cwd=work,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/"
    query = {"token": token}
    if number:
        query.update({"notebook": str(number), **({"unit": unit} if unit else {})})
    return Server(proc, f"{base}?{urlencode(query)}", base, token, work, log)


def wait_until_up(server: Server, seconds: float = 90, warm: float = WARM_SECONDS) -> None:
    """Until the server answers, then until the page its address opens has heated kernels (at
    most `warm` seconds more: a slow machine still gets its page, only not at once)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"serveren stoppede (kode {server.proc.returncode}); se {server.log}")
        try:  # our own server answers with the token (another one on the port would send us to a login)
            with urllib.request.urlopen(f"{server.base}stresskit/nav?token={server.token}", timeout=2) as answer:
                if answer.geturl().startswith(f"{server.base}stresskit/nav"):
                    break
        except Exception:
            pass
        time.sleep(0.2)
    else:
        raise RuntimeError(f"serveren svarede ikke på {server.base} inden for {seconds:.0f} s; se {server.log}")
    deadline = time.time() + warm
    while time.time() < deadline and server.proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{server.base}stresskit/ready?token={server.token}", timeout=2) as answer:
                if json.loads(answer.read()).get("ready"):
                    return
        except Exception:
            pass
        time.sleep(0.2)


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
    try:  # kernels left behind by a hard stop
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
