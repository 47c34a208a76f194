"""The `stresskit present` server process: Voilà for a whole workbook.

Started by `present.serve` as its own process. On top of Voilà it adds a landing page
(pick unit and recommendation) and a small navigation API for the bar on every page (`pages`),
votes from the phones in the room (`vote_routes`, on `stresskit.live.vote`), a token from the
environment (never on a command line, where other users could read it) required everywhere
(`access`), and a kernel manager that caps the number of kernels and pools that heat one kernel
at a time (`kernels`). It writes its own parameterised copies of the notebooks as it starts.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import jinja2
import voila.notebook_renderer
from traitlets import Integer, Unicode
from voila.app import Voila
from voila.exporter import VoilaExporter
from voila.request_info_handler import RequestInfoSocketHandler
from voila.utils import get_page_config

from .. import guide as guide_module
from ..notebooks import notebooks
from ..workbook import Workbook
from . import vote as vote_module
from .access import QueryHandler, open_to_anyone, token_required
from .kernels import CappedKernelManager, HeatedPools  # noqa: F401 (the manager is named on the command line)
from .pages import NavHandler, ReadyHandler, StartHandler
from .preload import scripts
from .present import QUERY_TOKEN_ENV, TOKEN_ENV, prepared
from .vote_routes import PHONE_PATH, PhoneHandler, QrHandler, VoteHandler

IDLE_SECONDS = 10  # a connection that sends no (complete) request for this long is closed
STATIC_CACHE_SECONDS = 3600  # Voilà's and the lab extensions' scripts: kept by the browser without asking again
PING_SECONDS = 30  # websockets are pinged this often; one that does not answer in as long is closed
NO_MATH = "voila/templates/stresskit-present/static/nomath.js"  # the typesetter's script: no MathJax


class _CompiledOnce(jinja2.BytecodeCache):
    """Voilà's page templates, compiled once per server and kept in memory: by template file, and
    apart for an environment that renders asynchronously (Voilà's) or not, whose compiled code
    differs. Jinja checks each template's source against the compiled copy, so an edited template
    is compiled again."""

    def __init__(self):
        self._code: dict[tuple[bool, str], bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get((bucket.environment.is_async, bucket.key))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[(bucket.environment.is_async, bucket.key)] = bucket.bytecode_to_string()


class PageExporter(VoilaExporter):
    """Voilà's exporter with the server's compiled templates: Voilà makes a new exporter, with a
    new Jinja environment, for every page, which compiled the page's 15 templates again after the
    request (29 % of the server's samples on a first page, by py-spy)."""

    compiled = _CompiledOnce()
    language_code = Unicode("da", help="the pages' language (<html lang>): hyphenation, screen readers").tag(
        config=True
    )

    @property
    def environment(self):
        env = super().environment
        env.bytecode_cache = self.compiled
        return env


class PresentApp(HeatedPools, Voila):
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
        self.voila_configuration.page_config_hook = without_mathjax
        settings = super().init_settings()
        settings.update(websocket_ping_interval=PING_SECONDS, websocket_ping_timeout=PING_SECONDS)
        self.heat_pools()
        return settings

    def init_handlers(self):
        """Ours first (tornado takes the first match), then Voilà's, each requiring the token;
        only the login page (where a token is typed in) is open."""
        extra = {"workbook": Path(self.workbook)}
        root = self.server_url.rstrip("/")
        votes = {
            "board": vote_module.Board(self.workbook, guide_module.default()),
            "phones": f"http://{self.lan or '127.0.0.1'}:{self.port}/",
        }
        ours = [
            (root + "/", StartHandler, extra),
            (root + "/stresskit/nav", NavHandler, extra),
            (root + "/stresskit/ready", ReadyHandler, {"warm": self.warm}),
            (root + "/stresskit/vote/qr.svg", QrHandler, votes),
            (root + r"/stresskit/vote/?([a-z]*)", VoteHandler, votes),
            (root + f"/{PHONE_PATH}/?([A-Za-z0-9]{{0,32}})", PhoneHandler, votes),
        ]
        login = {pattern for pattern, *_ in self.identity_provider.get_handlers()}
        handlers = []
        for pattern, handler, *rest in super().init_handlers():
            if handler is RequestInfoSocketHandler:
                handler = QueryHandler
            elif pattern not in login and open_to_anyone(handler):
                cached = any(f"/voila/{part}/" in pattern for part in ("static", "labextensions"))
                handler = token_required(handler, STATIC_CACHE_SECONDS if cached else 0)
            handlers.append((pattern, handler, *rest))
        return ours + handlers

    def initialize(self, argv=None):
        os.environ[QUERY_TOKEN_ENV] = secrets.token_urlsafe(24)  # before any kernel starts: they inherit it
        voila.notebook_renderer.VoilaExporter = PageExporter  # the name each page's renderer makes its exporter by
        super().initialize(argv)
        try:  # the scripts a page loads, for the template to preload (`preload`); only a speed-up
            page_config = without_mathjax(
                get_page_config(self.base_url, {}, self.log, self.voila_configuration), self.base_url
            )
            preload = scripts(page_config, self.static_paths, self.labextensions_path)
        except Exception:
            self.log.exception("Kunne ikke finde Voilàs scripts til preload; siderne henter dem selv")
            preload = []
        self.voila_configuration.config.VoilaConfiguration.resources = {"preload": preload}
        prepared(
            Workbook.open(self.workbook), "", notebooks(None, Path(self.source)), Path(self.root_dir), on_request=True
        )

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


def without_mathjax(page_config: dict, base_url: str, **_ignored) -> dict:
    """The page config with Voilà's choice of typesetter turned to JupyterLab's MathJax 2 plugin,
    pointed at `NO_MATH`, a stub: Voilà otherwise loads its bundled MathJax 3 for the first widget
    label (about 1 MB of script parsed and run before a first page is interactive)."""
    page_config["fullMathjaxUrl"] = f"{base_url}{NO_MATH}"
    page_config["mathjaxConfig"] = "none"
    return page_config


def main(argv: list[str] | None = None) -> None:
    token = os.environ.pop(TOKEN_ENV, "")  # kernels need not see it
    if not token:
        sys.exit("stresskit present: intet token")
    PresentApp.launch_instance(argv=(argv if argv is not None else sys.argv[1:]) + [f"--Voila.token={token}"])


if __name__ == "__main__":
    main()
