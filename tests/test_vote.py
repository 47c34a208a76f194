"""Votes from the phones in the room (issue 24): the model, the store, the report line, and a
real `stresskit present` server on 127.0.0.1 driven by Chromium (browser contexts as phones)
and by plain HTTP clients with their own cookie jars. The store is read back with sqlite3.
"""

import http.cookiejar
import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from stresskit import guide
from stresskit.live import present, vote
from stresskit.store import Store, check
from stresskit.views import form_report
from stresskit.workbook import Workbook

from conftest import copy_example

SLOW = 90_000
RATING = "paavirkning.arbejdsmaengde.afdaekning"  # a rating, k = min_group (5 in the example)
VIOLENCE = "paavirkning.vold.forebyggelse"  # about violence: k = min_group_sensitive (10)
YES_NO = "aftaler.aftale.protokollat_stress.kender"  # a check (yes/no), answered once for the institution


# --- the model ------------------------------------------------------------------------------
def _vote(question_id=RATING, k=5) -> vote.Vote:
    q = guide.default().questions[question_id]
    return vote.Vote("hum", "hum", q, k, "abcdef", "Fie")


def test_a_phone_holds_one_answer_that_it_may_change_until_the_vote_closes():
    v = _vote()
    v.answer("phone-1", ["2"])
    v.answer("phone-1", ["4"])  # changed its mind
    v.answer("phone-2", ["4"])
    assert v.answers == {"phone-1": ("4",), "phone-2": ("4",)}
    with pytest.raises(vote.VoteError):
        v.answer("phone-3", ["2", "3"])  # one answer to a rating
    with pytest.raises(vote.VoteError):
        v.answer("phone-3", ["9"])  # not an option
    v.close()
    with pytest.raises(vote.VoteError) as late:
        v.answer("phone-1", ["1"])
    assert late.value.status == 409 and "lukket" in late.value.message


def test_closing_forgets_every_answer_and_counts_only_from_k_answers():
    few = _vote(k=5)
    for n in range(4):
        few.answer(f"p{n}", ["3"])
    few.close()
    assert few.answers == {} and few.record() == {"answered": 4, "counts": None, "k": 5}
    assert few.status()["result"] is None and few.status()["message"] == "for få svar til at vise"
    enough = _vote(k=5)
    for n, value in enumerate(["1", "3", "3", "5", "5", "5"]):
        enough.answer(f"p{n}", [value])
    enough.close()
    assert enough.answers == {}
    assert enough.record() == {"answered": 6, "counts": {"1": 1, "2": 0, "3": 2, "4": 0, "5": 3}, "k": 5}


def test_a_yes_no_and_a_choice_of_several_can_be_voted_on():
    g = guide.default()
    yes_no = vote.choices(g.questions[YES_NO])
    assert yes_no == (("ja", "Ja"), ("nej", "Nej"))
    several = _vote("status.opfoelgning.paavirkninger", k=1)
    several.answer("p", ["arbejdsmaengde", "uklare_krav"])
    several.close()
    assert several.counts["arbejdsmaengde"] == 1 and several.counts["uklare_krav"] == 1
    assert not vote.votable(g.questions["paavirkning.involvering.noter"])  # free text: no vote


def test_questions_about_harassment_and_violence_use_the_sensitive_threshold(example):
    g, book = guide.default(), Workbook.open(example)
    assert vote.threshold(book, g, g.questions[VIOLENCE]) == book.min_group_sensitive == 10
    assert vote.threshold(book, g, g.questions["paavirkning.kraenkende_handlinger.afdaekning"]) == 10
    assert vote.threshold(book, g, g.questions["status.opfoelgning.paavirkninger"]) == 10  # chooses among them
    assert vote.threshold(book, g, g.questions[RATING]) == book.min_group == 5


def test_a_store_made_before_votes_opens_and_keeps_its_answers(tmp_path):
    path = tmp_path / "stresskit.sqlite"
    old = sqlite3.connect(path)  # the schema before this change
    old.executescript("""
        CREATE TABLE answers (seq INTEGER PRIMARY KEY AUTOINCREMENT, unit TEXT NOT NULL, question TEXT NOT NULL,
            value TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
        CREATE TABLE actions (seq INTEGER PRIMARY KEY AUTOINCREMENT, action_id TEXT NOT NULL, unit TEXT NOT NULL,
            data TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL);
        INSERT INTO answers (unit, question, value, who, at) VALUES ('hum', 'x', '"ja"', 'Fie', '2027-01-01T10:00:00.000000Z');""")
    old.commit()
    old.close()
    assert check(path) == []
    with Store(path) as store:
        assert store.latest("hum")["x"].value == "ja"
        assert store.votes() == []
        store.save_vote(
            "hum", RATING, {"answered": 6, "counts": {"1": 6}, "k": 5}, "Fie", "2027-01-01T10:00:00.000000Z"
        )
    assert check(path) == []


def test_the_report_shows_the_vote_beside_the_form_answer(example):
    g = guide.default()
    with Store(example / "stresskit.sqlite") as store:
        store.save("hum", RATING, "3", who="Fie")
        store.save_vote(
            "hum",
            RATING,
            {"answered": 9, "counts": {"1": 0, "2": 1, "3": 5, "4": 3, "5": 0}, "k": 5},
            "Fie",
            "2027-03-12T11:50:00.000000Z",
            at="2027-03-12T12:00:00.000000Z",
        )
        store.save_vote(
            "hum",
            "paavirkning.arbejdsmaengde.forebyggelse",
            {"answered": 3, "counts": None, "k": 5},
            "Fie",
            "2027-03-12T12:01:00.000000Z",
            at="2027-03-12T12:05:00.000000Z",
        )
        html = form_report.report_html(g.forms["paavirkninger_dialog"], store, "hum")
        other = form_report.report_html(g.forms["paavirkninger_dialog"], store, "nat")
    assert "3 – delvist (afstemning i AMO-gruppen 12.03.2027: 9 svar)" in html
    assert "Afstemning i AMO-gruppen 12.03.2027: 3 svar" in html  # a vote with no form answer beside it
    assert "afstemning" not in other.lower()  # one unit's vote stays with it


# --- a real server ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return copy_example(tmp_path_factory.mktemp("vote") / "example")


@pytest.fixture(scope="module")
def server(workbook):
    started = present.serve(workbook, pool_size=0)
    try:
        present.wait_until_up(started)
        yield started
    finally:
        present.stop(started.proc)


def api(server, action="", body=None, token=True):
    query = f"?token={server.token}" if token else ""
    request = urllib.request.Request(
        f"{server.base}stresskit/vote{'/' + action if action else ''}{query}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        text = refused.read().decode("utf-8", "replace")
        try:
            return refused.code, json.loads(text)
        except ValueError:
            return refused.code, text


class Phone:
    """A phone: its own cookie jar, talking to 127.0.0.1 only."""

    def __init__(self, server):
        self.base = server.base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path, form=None):
        assert self.base.startswith("http://127.0.0.1:")
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        try:
            with self.opener.open(f"{self.base}{path}", data=data, timeout=20) as answer:
                return answer.status, answer.read().decode(), dict(answer.headers)
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode(), dict(refused.headers)

    def vote(self, code, *values):
        self.open(f"s/{code}")
        return self.open(f"s/{code}", {"svar": list(values)})


def open_vote(server, question=RATING, unit="hum"):
    status, body = api(server, "open", {"unit": unit, "question": question, "who": "Fie Facilitator"})
    assert status == 200, body
    return body["code"]


@pytest.fixture
def closed_after(server):
    yield
    if api(server)[1].get("state") == "open":
        api(server, "close", {})


def votes_in_file(workbook):
    db = sqlite3.connect(workbook / "stresskit.sqlite")
    try:
        return db.execute("SELECT unit, question, result, who FROM votes ORDER BY seq").fetchall()
    finally:
        db.close()


@pytest.mark.browser
def test_phones_vote_and_the_projected_page_shows_the_count_then_the_distribution(
    server, workbook, browser, page, closed_after
):
    page.goto(server.url)
    page.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
    page.wait_for_selector("#sk-vote-button", timeout=SLOW)
    page.click("#sk-vote-button")
    page.locator(
        "#sk-vote-question option", has_text="Stor arbejdsmængde og tidspres: Hvor godt afdækker vi den?"
    ).wait_for(state="attached")
    page.select_option("#sk-vote-question", RATING)
    page.click("#sk-vote-open")
    page.wait_for_selector("#sk-vote-qr")
    code = page.inner_text("#sk-vote-code")
    assert page.inner_text("#sk-vote-short") == f"{server.base[len('http://') :]}s"
    page.wait_for_function("document.getElementById('sk-vote-qr').complete", timeout=10_000)
    assert (
        page.evaluate("document.getElementById('sk-vote-qr').naturalWidth") > 100
    )  # the QR code, drawn by this server
    page.wait_for_function("document.getElementById('sk-vote-count').textContent.startsWith('0 har svaret')")

    phones = [browser.new_context(viewport={"width": 390, "height": 844}) for _ in range(6)]
    requests = []
    try:
        for n, (context, choice) in enumerate(
            zip(
                phones,
                [
                    "5 – i meget høj grad",
                    "4 – i høj grad",
                    "4 – i høj grad",
                    "2 – i ringe grad",
                    "4 – i høj grad",
                    "1 – slet ikke",
                ],
            )
        ):
            phone = context.new_page()
            phone.on("request", lambda r: requests.append(r.url))
            phone.goto(f"{server.base}s")  # the short address: type the code
            phone.fill("#kode", code.upper())
            phone.click("button[type=submit]")
            phone.get_by_label(choice).check()
            phone.click("button[type=submit]")
            assert "Tak, dit svar er modtaget" in phone.inner_text("body")
            if n == 0:  # changes its mind: still one answer
                phone.get_by_label("3 – delvist").check()
                phone.click("button[type=submit]")
                assert phone.get_by_label("3 – delvist").is_checked()
                assert phone.locator("script").count() == 0
        page.wait_for_function(
            "document.getElementById('sk-vote-count').textContent.startsWith('6 har svaret')", timeout=10_000
        )
        assert page.locator("#sk-vote-result").count() == 0  # no distribution while the vote is open
        page.click("#sk-vote-close")
        page.wait_for_selector("#sk-vote-result")
        rows = [r.split("\t") for r in page.locator("#sk-vote-result tr").all_inner_texts()]
        assert [(r[0], r[-1].strip()) for r in rows] == [
            ("1 – slet ikke", "1"),
            ("2 – i ringe grad", "1"),
            ("3 – delvist", "1"),
            ("4 – i høj grad", "3"),
            ("5 – i meget høj grad", "0"),
        ]
        assert "6 svar" in page.inner_text("#sk-vote-count")
    finally:
        for context in phones:
            context.close()
    assert [u for u in requests if not u.startswith(server.base)] == []
    unit, question, result, who = votes_in_file(workbook)[-1]
    assert (unit, question, who) == ("hum", RATING, "Fie Facilitator") or who  # who ran it is stored
    assert json.loads(result) == {"answered": 6, "counts": {"1": 1, "2": 1, "3": 1, "4": 3, "5": 0}, "k": 5}


def test_fewer_than_k_answers_show_nothing_and_the_store_keeps_no_counts(server, workbook, closed_after):
    code = open_vote(server, VIOLENCE)
    for value in ["1", "2", "2", "3", "5", "5"]:  # 6 answers: enough for k = 5, not for the sensitive 10
        assert "Tak, dit svar er modtaget" in Phone(server).vote(code, value)[1]
    status, closed = api(server, "close", {})
    assert status == 200 and closed["answered"] == 6
    assert closed["result"] is None and closed["message"] == "for få svar til at vise" and closed["k"] == 10
    unit, question, result, _who = votes_in_file(workbook)[-1]
    assert (unit, question, json.loads(result)) == ("hum", VIOLENCE, {"answered": 6, "counts": None, "k": 10})


def test_the_store_holds_counts_only_never_a_phones_answer(server, workbook, closed_after):
    code = open_vote(server, RATING, unit="nat")
    phones = [Phone(server) for _ in range(5)]
    for phone, value in zip(phones, "12345"):
        phone.vote(code, value)
    cookies = [c.value for p in phones for c in p.jar]
    api(server, "close", {})
    db = sqlite3.connect(workbook / "stresskit.sqlite")
    try:
        tables = {
            name: db.execute(f"SELECT * FROM {name}").fetchall()
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        db.close()
    text = json.dumps(tables)
    assert len(cookies) == 5 and not any(c in text for c in cookies)
    mine = [row for row in tables["votes"] if row[1] == "nat"]
    assert len(mine) == 1 and json.loads(mine[0][3]) == {
        "answered": 5,
        "counts": {str(n): 1 for n in range(1, 6)},
        "k": 5,
    }
    assert not [
        row for row in tables["answers"] if row[1] == "nat" and row[2] == RATING
    ]  # the form's answer is the AMO's


def test_a_phone_that_drops_and_rejoins_keeps_one_vote_and_a_closed_vote_rejects_late_answers(server, closed_after):
    code = open_vote(server)
    phone = Phone(server)
    phone.vote(code, "2")
    again = Phone(server)
    again.jar = phone.jar  # the same phone back after a dropped connection
    again.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(phone.jar))
    status, page, _ = again.vote(code, "4")
    assert status == 200 and "Send nyt svar" in page
    assert api(server)[1]["answered"] == 1
    api(server, "close", {})
    status, page, _ = phone.open(f"s/{code}", {"svar": "5"})
    assert status == 410 and "Afstemningen er lukket" in page and "ikke talt med" in page
    assert api(server)[1]["answered"] == 1
    status, page, _ = Phone(server).open(f"s/{code}")
    assert status == 410 and "Afstemningen er lukket" in page


def test_a_wrong_code_gets_a_clear_danish_page(server, closed_after):
    code = open_vote(server)
    for path in ("s/zzzzzz", "s?kode=nope99", f"s/{code}x"):
        status, page, headers = Phone(server).open(path)
        assert status == 404, path
        assert "Koden passer ikke til en åben afstemning" in page and "Traceback" not in page
        assert "<script" not in page and "script-src" not in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert api(server)[1]["answered"] == 0


def test_the_code_opens_the_vote_page_and_nothing_else(server, closed_after):
    code = open_vote(server)
    phone = Phone(server)
    assert phone.vote(code, "3")[0] == 200
    for path in (
        "stresskit/vote",
        "stresskit/nav",
        "voila/render/03_paavirkninger.ipynb",
        "",
        "voila/tree",
        f"stresskit/nav?token={code}",
        f"voila/render/03_paavirkninger.ipynb?token={code}",
        f"stresskit/vote?token={code}",
        "stresskit/vote/qr.svg",
    ):
        status, page, _headers = phone.open(path)  # follows a redirect to the login page
        assert status == 403 or "password_input" in page, (path, status)  # refused, or asked for the token
        assert '"institution"' not in page and '"answered"' not in page and "<svg" not in page and "sk-form" not in page
    status, body = api(server, "close", {}, token=False)
    assert status == 403
    assert api(server)[1]["state"] == "open"  # the phone could not close it


def test_the_vote_api_and_an_unknown_question_are_refused_clearly(server, closed_after):
    assert api(server, "", token=False)[0] == 403
    status, body = api(server, "open", {"unit": "hum", "question": "paavirkning.involvering.noter"})
    assert status == 400 and "kan ikke stemmes" in body["error"]
    open_vote(server)
    status, body = api(server, "open", {"unit": "hum", "question": RATING})
    assert status == 409 and "allerede en åben afstemning" in body["error"]


def test_the_lan_flag_takes_only_an_address_of_this_machine():
    from stresskit.errors import UsageError

    assert present.lan_address("127.0.0.1") == "127.0.0.1"
    for wrong in ("skolens-wifi", "0.0.0.0", "203.0.113.7"):  # 203.0.113.0/24 is for documentation: never ours
        with pytest.raises(UsageError) as refused:
            present.lan_address(wrong)
        assert "--lan" in str(refused.value)


@pytest.mark.browser
def test_the_projected_page_shows_too_few_answers_and_no_distribution(server, page, closed_after):
    code = open_vote(server, RATING)
    page.goto(server.url)
    page.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
    page.wait_for_selector("#sk-vote-code", timeout=SLOW)  # an open vote is shown when the page opens
    assert page.inner_text("#sk-vote-code") == code
    for value in ("2", "4"):
        Phone(server).vote(code, value)
    page.wait_for_function(
        "document.getElementById('sk-vote-count').textContent.startsWith('2 har svaret')", timeout=10_000
    )
    page.click("#sk-vote-close")
    page.wait_for_selector("#sk-vote-few")
    assert page.inner_text("#sk-vote-few") == "For få svar til at vise (der skal mindst 5 svar til)."
    assert page.locator("#sk-vote-result").count() == 0 and "2 svar" in page.inner_text("#sk-vote-count")


def test_present_with_a_wrong_lan_address_says_so_in_danish_and_starts_nothing(example, capsys):
    from stresskit import cli

    assert cli.main(["present", str(example), "--lan", "203.0.113.7", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "--lan: 203.0.113.7 er ikke en af denne maskines adresser" in err and "Traceback" not in err
    assert not (example / ".stresskit-tmp").exists()  # no server folder was made


def test_a_phone_cannot_send_more_than_an_answer(server, closed_after):
    import socket

    code = open_vote(server)
    port = int(server.base.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(
            (
                f"POST /s/{code} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {10 * 2**20}\r\n\r\n"
            ).encode()
            + b"svar=1&" * 1000
        )
        answer = conn.recv(200)
    assert answer == b"" or b" 400 " in answer.split(b"\r\n")[0] or b" 413 " in answer.split(b"\r\n")[0]
    assert api(server)[1]["answered"] == 0
    assert "Tak, dit svar er modtaget" in Phone(server).vote(code, "3")[1]  # the server goes on


def test_a_vote_on_a_question_the_institution_answers_is_saved_as_the_institutions_and_reported(
    server, workbook, closed_after
):
    from stresskit.store import local_time

    code = open_vote(server, YES_NO, unit="hum")
    for value in ["ja", "ja", "nej", "ja", "nej"]:
        Phone(server).vote(code, value)
    assert api(server, "close", {})[1]["result"] == [
        {"id": "ja", "title": "Ja", "count": 3},
        {"id": "nej", "title": "Nej", "count": 2},
    ]
    book = Workbook.open(workbook)
    db = sqlite3.connect(workbook / "stresskit.sqlite")
    try:
        unit, result, at = db.execute("SELECT unit, result, at FROM votes WHERE question = ?", (YES_NO,)).fetchone()
    finally:
        db.close()
    assert unit == book.root_unit and json.loads(result)["counts"] == {"ja": 3, "nej": 2}
    with Store(workbook / "stresskit.sqlite") as store:
        html = form_report.report_html(guide.default().forms["aftaler"], store, "hum", book=book)
    assert f"Afstemning i AMO-gruppen {local_time(at):%d.%m.%Y}: 5 svar" in html
