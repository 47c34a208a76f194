"""The `stresskit present` server process: Voilà for a whole workbook.

Started by `present.serve` as its own process. On top of Voilà it adds a landing page
(pick unit and recommendation), a small navigation API for the bar on every page, votes
from the phones in the room (`stresskit.vote`: the facilitator's API and the phones' page), a
token from the environment (never on a command line, where other users could read it)
and a kernel manager that caps the number of kernels. It writes its own parameterised
copies of the notebooks as it starts. Pre-heated kernels (one per notebook) make a page
interactive at once; they heat in turn, the page the printed address opens first, and
never while a page is being drawn (see `PresentApp`); `present.on_request` lets them read
the store only when the request arrives, so a page always shows the answers saved before.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import os
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from .cli import skip_slow_optional_imports

skip_slow_optional_imports()  # before jupyter_server imports jsonschema

import jinja2  # noqa: E402
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.ioloop import IOLoop
from traitlets import Integer, Unicode
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler

from . import guide as guide_module
from . import vote as vote_module
from .notebooks import notebooks
from .present import NOTEBOOKS_ENV, QUERY_TOKEN_ENV, TOKEN_ENV, prepared
from .workbook import Workbook

TEMPLATE = "stresskit-present"
IDLE_SECONDS = 10  # a connection that sends no (complete) request for this long is closed
PING_SECONDS = 30  # websockets are pinged this often; one that does not answer in as long is closed
TEMPLATES = Path(__file__).parent / "templates"  # holds voila/templates/stresskit-present


class CappedKernelManager(AsyncMappingKernelManager):
    """At most `max_kernels` kernels besides the pre-heated pool: starting one more stops the
    least recently active one, unconnected kernels (a closed tab) first."""

    max_kernels = Integer(6, config=True, help="kernels in use at once, not counting the pre-heated pool")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._connected_once: set[str] = set()

    def notify_connect(self, kernel_id):
        self._connected_once.add(kernel_id)
        super().notify_connect(kernel_id)

    def _pooled(self) -> set[str]:
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result()["kernel_id"])
        return ids

    def _victim(self) -> str | None:
        pooled = self._pooled()
        used = [k for k in self.list_kernel_ids() if k not in pooled]
        # a kernel just taken from the pool has no page connected yet: it is never the one to go
        candidates = [k for k in used if k in self._connected_once]
        if len(used) < self.max_kernels or not candidates:
            return None
        return min(candidates, key=lambda k: (self._kernel_connections.get(k, 0) > 0, self.get_kernel(k).last_activity))

    async def start_kernel(self, *args, **kwargs):
        while (victim := self._victim()) is not None:
            self.log.info("Kernel cap %s reached: stopping kernel %s", self.max_kernels, victim)
            await self.shutdown_kernel(victim)
        return await super().start_kernel(*args, **kwargs)


def navigation(book: Workbook) -> dict:
    """What the landing page and the bar offer: the unit tree and the six recommendations."""
    folder = Path(os.environ.get(NOTEBOOKS_ENV, "."))
    files = {p.stem: p.name for p in folder.glob("[0-9][0-9]_*.ipynb")}
    recs = [{"number": r.number, "title": r.title, "file": files[r.notebook]}
            for r in guide_module.default().recommendations if r.notebook in files]
    units = [{"id": u, "name": book.unit_name(u), "depth": book.depth(u)} for u in book.ordered()]
    return {"institution": book.name, "units": units, "recommendations": recs}


class _Workbook:
    def initialize(self, workbook: Path):
        self.workbook = workbook

    def book(self) -> Workbook:
        # Set the _xsrf cookie: Voilà's page sends it when it is left, to stop its kernel; without
        # the cookie that request is refused and every page left its kernel running.
        self.xsrf_token  # noqa: B018
        return Workbook.open(self.workbook)  # read again: institution.yaml may have changed


class StartHandler(_Workbook, JupyterHandler):
    """The landing page; `?unit=ID&notebook=N` goes straight to that page (the printed address)."""

    @web.authenticated
    def get(self):
        nav = navigation(self.book())
        number, unit = self.get_argument("notebook", ""), self.get_argument("unit", "")
        if number:
            match = [r for r in nav["recommendations"] if str(r["number"]) == number]
            if match and (not unit or unit in {u["id"] for u in nav["units"]}):
                query = urlencode({"unit": unit} if unit else {})
                self.redirect(f"{self.base_url}voila/render/{match[0]['file']}" + (f"?{query}" if query else ""))
                return
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "voila" / "templates" / TEMPLATE),
                                 autoescape=True)
        self.set_header("Cache-Control", "no-store")
        self.finish(env.get_template("start.html.j2").render(nav=nav, base_url=self.base_url, static=f"{self.base_url}voila/templates/{TEMPLATE}/static/"))


class NavHandler(_Workbook, APIHandler):
    """The bar's data as JSON; without the token: 403 (an API answers, it does not redirect)."""

    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(navigation(self.book()), ensure_ascii=False))


# --- votes from the room (stresskit.vote) -------------------------------------------------
PHONE_PATH = "s"  # the phones' page: /s (type the code) and /s/CODE; the only route a code opens
PHONE_BODY = 4096  # bytes: an answer is a few option ids
PHONE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; base-uri 'none'; "
             "frame-ancestors 'none'")


def _pages() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "voila" / "templates" / TEMPLATE),
                              autoescape=True)


class _Votes:
    def initialize(self, board: vote_module.Board, phones: str):
        self.board, self.phones = board, phones  # phones: http://ADDRESS:PORT/ as the phones reach it

    def status(self) -> dict:
        vote = self.board.current
        if vote is None:
            return {"state": "none"}
        short = f"{self.phones.split('://', 1)[1]}{PHONE_PATH}"
        return {**vote.status(), "address": f"{self.phones}{PHONE_PATH}/{vote.code}", "short": short}

    def answer_json(self, data: dict, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data, ensure_ascii=False))


class VoteHandler(_Votes, APIHandler):
    """The facilitator's side (the token required): GET the vote's status; POST `open` (JSON:
    unit, question, who) or `close`. The phones' answers are never in what it returns."""

    @web.authenticated
    def get(self, action: str = ""):
        if action == "questions":
            try:
                book = self.board.book()
            except vote_module.VoteError as refused:
                self.answer_json({"questions": [], "error": refused.message}, refused.status)
                return
            unit = self.get_argument("unit", "")
            found = vote_module.questions_for(self.board.guide, self.get_argument("notebook", ""))
            self.answer_json({"questions": [
                {"id": q.id, "label": vote_module.label(q), "kind": q.kind,
                 "k": vote_module.threshold(book, self.board.guide, q)} for q in found], "unit": unit})
        elif action == "":
            self.answer_json(self.status())
        else:
            raise web.HTTPError(404)

    @web.authenticated
    def post(self, action: str = ""):
        try:
            if action == "open":
                try:
                    data = json.loads(self.request.body or b"{}")
                except ValueError:
                    data = {}
                data = data if isinstance(data, dict) else {}
                self.board.open(str(data.get("unit", "")), str(data.get("question", "")), str(data.get("who", "")))
            elif action == "close":
                self.board.close()
            else:
                raise web.HTTPError(404)
        except vote_module.VoteError as refused:
            self.answer_json({**self.status(), "error": refused.message}, refused.status)
            return
        self.answer_json(self.status())


class QrHandler(_Votes, JupyterHandler):
    """The open vote's phone address as a QR code (SVG), drawn here by segno (pure Python: no
    service is asked); the token required, like every page of the facilitator."""

    async def prepare(self):
        return await JupyterHandler.prepare(self, _redirect_to_login=False)

    def write_error(self, status_code: int, **kwargs) -> None:
        _refused(self, status_code, **kwargs)

    @web.authenticated
    def get(self):
        import io

        import segno

        status = self.status()
        if status["state"] != "open":
            raise web.HTTPError(404)
        drawn = io.BytesIO()
        segno.make(status["address"], error="m").save(drawn, kind="svg", scale=8, border=2, xmldecl=False)
        self.set_header("Content-Type", "image/svg+xml")
        self.set_header("Cache-Control", "no-store")
        self.finish(drawn.getvalue())


@web.stream_request_body
class PhoneHandler(_Votes, web.RequestHandler):
    """A participant's page: no account, no name, no script. A random cookie (not an identity)
    holds one answer per phone per vote, changeable until the vote closes. The code opens this
    page only: it is no token and logs nobody in. Anyone on the network reaches it, so a body
    larger than an answer is refused before it is read."""

    def prepare(self):
        self._body = bytearray()
        if self.request.method == "POST":
            self.request.connection.set_max_body_size(PHONE_BODY)

    def data_received(self, chunk: bytes) -> None:
        self._body.extend(chunk)

    def _answers(self) -> list[str]:
        from urllib.parse import parse_qs

        return parse_qs(bytes(self._body).decode("utf-8", "replace"), max_num_fields=50).get("svar", [])

    def check_xsrf_cookie(self):
        """A POST counts only with the phone's cookie, which a browser sends from this page's own
        form only (SameSite=Lax); a form on another site gets the «open the page again» answer."""

    def set_default_headers(self):
        self.set_header("Content-Security-Policy", PHONE_CSP)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Content-Type-Options", "nosniff")

    def _phone(self, create: bool) -> str:
        phone = self.get_cookie(vote_module.PHONE_COOKIE, "")
        if (not phone or len(phone) > 64) and create:
            phone = vote_module.new_phone()
            self.set_cookie(vote_module.PHONE_COOKIE, phone, path=f"/{PHONE_PATH}", httponly=True, samesite="Lax",
                            expires_days=1)
        return phone

    def page(self, status: int = 200, **values) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(_pages().get_template("vote.html.j2").render(path=f"/{PHONE_PATH}", **values))

    def get(self, code: str = ""):
        if not code:
            typed = self.get_argument("kode", "").strip().lower()
            if typed:
                if not typed.isalnum() or len(typed) > 32:
                    return self.page(404, error="Koden passer ikke til en åben afstemning. Tjek koden på skærmen, og prøv igen.")
                return self.redirect(f"/{PHONE_PATH}/{typed}")
            return self.page(ask=True)
        self.show(code, self._phone(create=True))

    def show(self, code: str, phone: str, sent: bool = False, error: str = "", status: int = 200) -> None:
        try:
            vote = self.board.find(code)
        except vote_module.VoteError as refused:
            return self.page(refused.status, error=refused.message, ask=True)
        if vote.closed:
            return self.page(410, error="Afstemningen er lukket. Svar, der kommer nu, bliver ikke talt med.",
                             label=vote_module.label(vote.question))
        self.page(status, vote=vote, label=vote_module.label(vote.question), options=vote.options,
                  mine=vote.answers.get(phone, ()), sent=sent, error=error, code=vote.code)

    def post(self, code: str = ""):
        phone = self._phone(create=False)
        if not phone:
            self._phone(create=True)
            return self.show(code, "", error="Dit svar kom ikke frem. Vælg igen, og tryk på «Send svar».", status=400)
        try:
            vote = self.board.find(code)
            vote.answer(phone, self._answers())
        except vote_module.VoteError as refused:
            if refused.status in (404, 409):
                return self.show(code, phone)  # a wrong code, or closed meanwhile: the page says which
            return self.show(code, phone, error=refused.message, status=refused.status)
        self.show(code, phone, sent=True)


def _refused(self, status_code: int, **_kwargs) -> None:
    """A short plain answer (Jupyter's error page needs settings Voilà does not have)."""
    self.set_header("Content-Type", "text/plain; charset=utf-8")
    self.finish(f"{status_code}: adressen mangler sit token.\n" if status_code == 403 else f"{status_code}\n")


class QueryHandler(RequestInfoSocketHandler, JupyterHandler):
    """Voilà's query socket (a pre-heated kernel waits on it for its page's request, whose
    address holds the token), with the token required: the kernels' own secret (they never see
    the server's token), or a user logged in with the server's token. Voilà's own answers anyone."""

    async def prepare(self):
        secret = os.environ.get(QUERY_TOKEN_ENV, "")
        if secret and hmac.compare_digest(self.get_argument("token", "").encode(), secret.encode()):
            return None  # a kernel of this server
        return await JupyterHandler.prepare(self, _redirect_to_login=False)

    write_error = _refused


def token_required(handler: type) -> type:
    """A handler that Voilà serves to anyone (static files, themes, lab extensions, files)
    refused (403) unless the request is logged in with the token, like every page."""
    bases = (handler,) if issubclass(handler, JupyterHandler) else (JupyterHandler, handler)

    def get(self, *args, **kwargs):  # without @allow_unauthenticated: JupyterHandler.prepare checks the user
        return handler.get(self, *args, **kwargs)

    def head(self, *args, **kwargs):
        return handler.head(self, *args, **kwargs)

    async def prepare(self):
        return await JupyterHandler.prepare(self, _redirect_to_login=False)

    return type(f"TokenRequired{handler.__name__}", bases,
                {"get": get, "head": head, "prepare": prepare, "write_error": _refused})


def _open_to_anyone(handler: type) -> bool:
    if not issubclass(handler, JupyterHandler):
        return True
    return any(getattr(getattr(handler, m, None), "__allow_unauthenticated", False) for m in ("get", "head"))


class PresentApp(Voila):
    """Voilà with the landing page and the navigation API in front of its own handlers, and
    pools that heat one kernel at a time."""

    workbook = Unicode("", config=True, help="the workbook folder")
    heated = Integer(1, config=True, help="pre-heated kernels per notebook")
    first = Unicode("", config=True, help="the notebook the printed address opens: heated first")
    source = Unicode("", config=True, help="the folder of the notebooks this server serves copies of")
    lan = Unicode("", config=True, help="a network address of this machine to listen on too, for the phones of a vote")

    def init_settings(self):
        # Voilà starts every pool at once, and refills a pool the moment a page takes its kernel:
        # on a laptop's few cores each page then waited for all of them. Here the pools start
        # empty and every kernel, refills too, heats in turn, while no page is being rendered.
        self.voila_configuration.default_pool_size = 0
        settings = super().init_settings()
        settings.update(websocket_ping_interval=PING_SECONDS, websocket_ping_timeout=PING_SECONDS)
        manager = self.kernel_manager
        manager.kernel_pools_config = {"default": {"pool_size": self.heated,
                                                   "kernel_env_variables": manager.default_env_variables}}
        self._fill = manager.fill_if_needed
        manager.fill_if_needed = self._want  # Voilà calls it on itself to refill a pool
        self._wanted: list[str] = []
        self._asked = asyncio.Event()
        for name in self.heat_order():
            self._want(notebook_name=name)
        IOLoop.current().add_callback(self._heat_in_turn)
        return settings

    def heat_order(self) -> list[str]:
        """The page the address opens, then its neighbours (the next recommendation first)."""
        names = [p.name for p in notebooks(None, Path(self.root_dir))]
        at = names.index(self.first) if self.first in names else 0
        return sorted(names, key=lambda n: (abs(names.index(n) - at), names.index(n) < at))

    def _want(self, delay=None, notebook_name=None, **_ignored) -> None:
        if notebook_name and notebook_name not in self._wanted:
            self._wanted.append(notebook_name)
            self._asked.set()

    async def _heat_in_turn(self) -> None:
        """Heat the wanted pools: the first kernel alone, then as many at once as there are cores."""
        manager, heating = self.kernel_manager, set()
        at_once = 1
        while True:
            if not self._wanted:
                self._asked.clear()
                await self._asked.wait()
                continue
            name = self._wanted.pop(0)
            if manager.get_pool_size(name) >= self.heated:
                continue
            await self._while_a_page_renders()
            while len(heating) >= at_once:
                await asyncio.wait(heating, return_when=asyncio.FIRST_COMPLETED)
            try:
                self._fill(delay=0, notebook_name=name)
            except Exception:  # the heater must go on; a page asking for this notebook starts its own kernel
                self.log.exception("Kunne ikke varme en kerne op til %s", name)
                continue
            for pooled in list(manager._pools.get(name, [])):
                task = asyncio.ensure_future(self._until_heated(pooled))
                heating.add(task)
                task.add_done_callback(heating.discard)
            if at_once == 1:  # the first kernel heats alone: it is likely the first page's
                await asyncio.gather(*heating)
                at_once = max(1, os.cpu_count() or 1)

    async def _until_heated(self, pooled: asyncio.Future, seconds: float = 20) -> None:
        """Until the kernel waits on its query socket (stresskit.present._wait_for_request), or a
        page took it (and then renders with it)."""
        try:
            kernel_id = (await pooled)["kernel_id"]
        except Exception:  # Voilà logs it; a page asking for this notebook starts its own kernel
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline and kernel_id in self.kernel_manager._pooled():
            if kernel_id in RequestInfoSocketHandler._waiters:
                return
            await asyncio.sleep(0.05)

    async def _while_a_page_renders(self, seconds: float = 15) -> None:
        """Until every kernel outside the pools has run its notebook and its page has connected
        to it (the browser then draws the widgets). With pages open this is checked twice, as a
        kernel is idle for a moment between cells; with none, it returns without waiting, so the
        first pool is filling before the server answers its first request."""
        manager = self.kernel_manager
        loop = asyncio.get_running_loop()
        deadline, quiet = loop.time() + seconds, False
        while loop.time() < deadline:
            pooled = manager._pooled()
            pages = [k for k in manager.list_kernel_ids() if k not in pooled]
            if not any(self._drawing(k) for k in pages):
                if quiet or not pages:
                    return
                quiet = True
            else:
                quiet = False
            await asyncio.sleep(0.1)

    def _drawing(self, kernel_id: str, recent: float = 20) -> bool:
        """A page's kernel runs its notebook, or no browser has connected to it yet. A kernel
        silent for `recent` seconds is not waited for (a tab closed early, a stuck cell)."""
        manager = self.kernel_manager
        kernel = manager.get_kernel(kernel_id)
        if (datetime.now(timezone.utc) - kernel.last_activity).total_seconds() > recent:
            return False
        return (kernel_id not in manager._connected_once
                or getattr(kernel, "execution_state", "idle") in ("starting", "busy"))

    def init_handlers(self):
        """Ours first (tornado takes the first match), then Voilà's, each requiring the token;
        only the login page (where a token is typed in) is open."""
        extra = {"workbook": Path(self.workbook)}
        root = self.server_url.rstrip("/")
        votes = {"board": vote_module.Board(self.workbook, guide_module.default()),
                 "phones": f"http://{self.lan or '127.0.0.1'}:{self.port}/"}
        ours = [(root + "/", StartHandler, extra),
                (root + "/stresskit/nav", NavHandler, extra),
                (root + "/stresskit/vote/qr.svg", QrHandler, votes),
                (root + r"/stresskit/vote/?([a-z]*)", VoteHandler, votes),
                (root + f"/{PHONE_PATH}/?([A-Za-z0-9]{{0,32}})", PhoneHandler, votes)]
        login = {pattern for pattern, *_ in self.identity_provider.get_handlers()}
        handlers = []
        for pattern, handler, *rest in super().init_handlers():
            if handler is RequestInfoSocketHandler:
                handler = QueryHandler
            elif pattern not in login and _open_to_anyone(handler):
                handler = token_required(handler)
            handlers.append((pattern, handler, *rest))
        return ours + handlers

    def initialize(self, argv=None):
        os.environ[QUERY_TOKEN_ENV] = secrets.token_urlsafe(24)  # before any kernel starts: they inherit it
        super().initialize(argv)
        prepared(Workbook.open(self.workbook), "", notebooks(None, Path(self.source)), Path(self.root_dir),
                 on_request=True)

    def listen(self):
        """Voilà's listen, with a connection that sends no request closed after IDLE_SECONDS
        (tornado's default holds it for an hour)."""
        listen = self.app.listen

        def bounded(port, address="", **kwargs):
            server = listen(port, address, idle_connection_timeout=IDLE_SECONDS, body_timeout=IDLE_SECONDS, **kwargs)
            if self.lan and self.lan != address:  # the phones' way in, on the address the facilitator chose
                listen(port, self.lan, idle_connection_timeout=IDLE_SECONDS, body_timeout=IDLE_SECONDS, **kwargs)
            return server

        self.app.listen = bounded
        try:
            super().listen()
        finally:
            self.app.listen = listen


def main(argv: list[str] | None = None) -> None:
    token = os.environ.pop(TOKEN_ENV, "")  # kernels need not see it
    if not token:
        sys.exit("stresskit present: intet token")
    PresentApp.launch_instance(argv=(argv if argv is not None else sys.argv[1:]) + [f"--Voila.token={token}"])


if __name__ == "__main__":
    main()
