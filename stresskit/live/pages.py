"""Pages of the `stresskit present` server: the landing page (pick unit and recommendation), the
navigation API for the bar on every page, and the readiness answer the launcher waits for."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web

from .. import guide as guide_module
from ..workbook import Workbook
from .present import NOTEBOOKS_ENV

TEMPLATE = "stresskit-present"
TEMPLATES = Path(__file__).parent.parent / "templates"  # holds voila/templates/stresskit-present


def templates() -> jinja2.Environment:
    """The present template's own pages (start, the phones' vote page)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / "voila" / "templates" / TEMPLATE), autoescape=True
    )


def navigation(book: Workbook) -> dict:
    """What the landing page and the bar offer: the unit tree and the six recommendations."""
    folder = Path(os.environ.get(NOTEBOOKS_ENV, "."))
    files = {p.stem: p.name for p in folder.glob("[0-9][0-9]_*.ipynb")}
    recs = [
        {"number": r.number, "title": r.title, "file": files[r.notebook]}
        for r in guide_module.default().recommendations
        if r.notebook in files
    ]
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
        env = templates()
        self.set_header("Cache-Control", "no-store")
        self.finish(
            env.get_template("start.html.j2").render(
                nav=nav, base_url=self.base_url, static=f"{self.base_url}voila/templates/{TEMPLATE}/static/"
            )
        )


class NavHandler(_Workbook, APIHandler):
    """The bar's data as JSON; without the token: 403 (an API answers, it does not redirect)."""

    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(navigation(self.book()), ensure_ascii=False))


class ReadyHandler(APIHandler):
    """`{"ready": true}` once the page the address opens has its kernels heated (`kernels.HeatedPools.warm`):
    `present` opens the browser only then. The token required, like the bar's data."""

    def initialize(self, warm):
        self.warm = warm

    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"ready": bool(self.warm())}))
