"""Routes of votes from the room (`stresskit.live.vote`) in the `stresskit present` server:
the facilitator's API (status, open, close, questions), the QR code, and the phones' page."""

from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web

from . import vote as vote_module
from .access import refused
from .pages import templates

PHONE_PATH = "s"  # the phones' page: /s (type the code) and /s/CODE; the only route a code opens
PHONE_BODY = 4096  # bytes: an answer is a few option ids
PHONE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


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
            self.answer_json(
                {
                    "questions": [
                        {
                            "id": q.id,
                            "label": vote_module.label(q),
                            "kind": q.kind,
                            "k": vote_module.threshold(book, self.board.guide, q),
                        }
                        for q in found
                    ],
                    "unit": unit,
                }
            )
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
        refused(self, status_code, **kwargs)

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
            self.set_cookie(
                vote_module.PHONE_COOKIE, phone, path=f"/{PHONE_PATH}", httponly=True, samesite="Lax", expires_days=1
            )
        return phone

    def page(self, status: int = 200, **values) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(templates().get_template("vote.html.j2").render(path=f"/{PHONE_PATH}", **values))

    def get(self, code: str = ""):
        if not code:
            typed = self.get_argument("kode", "").strip().lower()
            if typed:
                if not typed.isalnum() or len(typed) > 32:
                    return self.page(
                        404, error="Koden passer ikke til en åben afstemning. Tjek koden på skærmen, og prøv igen."
                    )
                return self.redirect(f"/{PHONE_PATH}/{typed}")
            return self.page(ask=True)
        self.show(code, self._phone(create=True))

    def show(self, code: str, phone: str, sent: bool = False, error: str = "", status: int = 200) -> None:
        try:
            vote = self.board.find(code)
        except vote_module.VoteError as refused:
            return self.page(refused.status, error=refused.message, ask=True)
        if vote.closed:
            return self.page(
                410,
                error="Afstemningen er lukket. Svar, der kommer nu, bliver ikke talt med.",
                label=vote_module.label(vote.question),
            )
        self.page(
            status,
            vote=vote,
            label=vote_module.label(vote.question),
            options=vote.options,
            mine=vote.answers.get(phone, ()),
            sent=sent,
            error=error,
            code=vote.code,
        )

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
