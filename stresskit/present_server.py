"""The `stresskit present` server process: Voilà for a whole workbook.

Started by `present.serve` as its own process. On top of Voilà it adds a landing page
(pick unit and recommendation), a small navigation API for the bar on every page, a
token from the environment (never on a command line, where other users could read it)
and a kernel manager that caps the number of kernels. Pre-heated kernels (one per
notebook) make a page interactive at once; `present.on_request` lets them read the
store only when the request arrives, so a page always shows the answers saved before.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer, Unicode
from voila.app import Voila

from . import guide as guide_module
from .present import NOTEBOOKS_ENV, TOKEN_ENV
from .workbook import Workbook

TEMPLATE = "stresskit-present"
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


class PresentApp(Voila):
    """Voilà with the landing page and the navigation API in front of its own handlers."""

    workbook = Unicode("", config=True, help="the workbook folder")

    def init_handlers(self):
        extra = {"workbook": Path(self.workbook)}
        ours = [(self.server_url.rstrip("/") + "/", StartHandler, extra),
                (self.server_url.rstrip("/") + "/stresskit/nav", NavHandler, extra)]
        return ours + super().init_handlers()  # tornado takes the first match


def main(argv: list[str] | None = None) -> None:
    token = os.environ.pop(TOKEN_ENV, "")  # kernels need not see it
    if not token:
        sys.exit("stresskit present: intet token")
    PresentApp.launch_instance(argv=(argv if argv is not None else sys.argv[1:]) + [f"--Voila.token={token}"])


if __name__ == "__main__":
    main()
