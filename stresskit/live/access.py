"""Access to the `stresskit present` server: every page and file needs the token (from the
printed address); the kernels' query socket takes their own secret."""

from __future__ import annotations

import hmac
import os

from jupyter_server.base.handlers import JupyterHandler
from voila.request_info_handler import RequestInfoSocketHandler

from .present import QUERY_TOKEN_ENV


def refused(self, status_code: int, **_kwargs) -> None:
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

    write_error = refused


def token_required(handler: type, cache_seconds: int = 0) -> type:
    """A handler that Voilà serves to anyone (static files, themes, lab extensions, files)
    refused (403) unless the request is logged in with the token, like every page. With
    `cache_seconds` (Voilà's and the widgets' own scripts, which change only with an install) the
    browser keeps a file that long without asking again: a reload or the next page then loads
    some 60 scripts from its cache instead of asking for each."""
    bases = (handler,) if issubclass(handler, JupyterHandler) else (JupyterHandler, handler)
    extra = {}
    if cache_seconds:

        def get_cache_time(self, *_args) -> int:
            return cache_seconds

        def set_headers(self) -> None:  # after the handler's own (the lab extensions' says no-cache)
            handler.set_headers(self)
            self.set_header("Cache-Control", f"private, max-age={cache_seconds}")

        extra = {"get_cache_time": get_cache_time, "set_headers": set_headers}

    def get(self, *args, **kwargs):  # without @allow_unauthenticated: JupyterHandler.prepare checks the user
        return handler.get(self, *args, **kwargs)

    def head(self, *args, **kwargs):
        return handler.head(self, *args, **kwargs)

    async def prepare(self):
        return await JupyterHandler.prepare(self, _redirect_to_login=False)

    return type(
        f"TokenRequired{handler.__name__}",
        bases,
        {"get": get, "head": head, "prepare": prepare, "write_error": refused, **extra},
    )


def open_to_anyone(handler: type) -> bool:
    if not issubclass(handler, JupyterHandler):
        return True
    return any(getattr(getattr(handler, m, None), "__allow_unauthenticated", False) for m in ("get", "head"))
