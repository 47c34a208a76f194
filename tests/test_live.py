"""Live facilitation in a real browser: `stresskit present`, one Voilà server for the workbook
(`stresskit lab`, JupyterLab, is in test_lab.py).

The present server is started once for the module and every test uses it (a server and each
page it opens cost kernels), on its own copy of the example with a payload as a unit name and as
an answer; it is stopped by its PID (its whole session), also when a test fails. A failing test saves a screenshot (the `page` fixture).
"""

import json
import urllib.error
import urllib.request

import pytest

from stresskit import answers, guide
from stresskit.live import present
from stresskit.store import Store
from stresskit.workbook import Workbook

from conftest import copy_example

SLOW = 90_000  # ms: a page whose pre-heated kernel is taken may need a fresh one
PAYLOAD = "<img src=x onerror=\"document.body.dataset.pwned='1'\"><script>alert(1)</script>"
FIE = "Facilitator Fie"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    book = copy_example(tmp_path_factory.mktemp("present") / "example")
    yaml = book / "institution.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("  name: Kantine", f"  name: {json.dumps(PAYLOAD + 'Kantine')}"),
        encoding="utf-8",
    )
    answers.import_(Workbook.open(book), book / "answers.yaml")
    with Store(book / "stresskit.sqlite") as store:
        store.save("hum", "paavirkning.vold.forstaaelse", PAYLOAD, who=PAYLOAD)
    return book


@pytest.fixture(scope="module")
def server(workbook):
    """`stresskit present BOOK --unit hum --notebook 3` (as `make present`): its address opens that page, and
    its kernel pools heat from there (the module's first test checks the order, before any other page is
    opened); the landing page is `home(server)`. One server for every test: each one costs kernels."""
    started = present.serve(workbook, "hum", 3)
    try:
        present.wait_until_up(started)
        started.idle = _idle_connections(started)  # checked by the module's last test
        yield started
    finally:
        present.stop(started.proc)


def _idle_connections(server) -> list[dict]:
    """Two connections to the server, one that sends nothing and one half a request, opened as it
    starts; a thread per connection notes when the server closes it. Opened here, so that their idle
    wait passes while the other tests run instead of after them."""
    import socket
    import threading
    import time

    from stresskit.live.server import IDLE_SECONDS

    port = int(server.base.rstrip("/").rsplit(":", 1)[1])
    held = []
    for sent in (b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
        conn = socket.create_connection(("127.0.0.1", port), timeout=IDLE_SECONDS + 15)
        conn.sendall(sent)
        seen = {"opened": time.monotonic(), "closed": None, "received": None}

        def wait(conn=conn, seen=seen):
            with conn:
                try:
                    seen["received"] = conn.recv(100)  # b"": closed by the server
                except OSError:  # held past the socket's timeout
                    pass
                seen["closed"] = time.monotonic()

        seen["thread"] = threading.Thread(target=wait, daemon=True)
        seen["thread"].start()
        held.append(seen)
    return held


def home(server) -> str:
    """The landing page, with the token (the address `stresskit present BOOK` prints)."""
    return f"{server.base}?token={server.token}"


def no_code_and_no_error(page):
    assert page.locator(".jp-CodeMirrorEditor, .cm-editor, .highlight, .jp-InputPrompt").count() == 0
    body = page.inner_text("body")
    assert "Traceback" not in body and "import stresskit" not in body and "_present" not in body
    assert page.locator(".sk-message").count() == 0  # no Danish error box either


def open_page(page, wait_for):
    page.wait_for_selector(wait_for, timeout=SLOW)
    page.wait_for_selector("#sk-bar #sk-unit")
    no_code_and_no_error(page)


def status_of(page, text):
    """Wait until a save's status line says it was saved by `text`."""
    page.locator(".sk-status", has_text=text).first.wait_for(timeout=20_000)


def test_the_page_the_address_opens_is_heated_first_and_the_neighbours_next(server, page):
    """On a laptop's few cores the kernels heat in turn: the page the printed address opens gets
    two pre-heated kernels (not a fresh one started on request), then the recommendations around it.
    The module's first test: no other page has taken a kernel yet."""
    page.goto(server.url)
    open_page(page, ".sk-form .widget-dropdown select")
    assert "unit=hum" in page.url and "03_paavirkninger" in page.url
    log = ""
    for _ in range(300):  # all six pools, and the refill of the one the page took
        log = server.log.read_text(encoding="utf-8", errors="replace")
        if log.count("Kernel pool of") >= 8:
            break
        page.wait_for_timeout(200)
    assert "Using pre-heated kernel" in log and "for 03_paavirkninger.ipynb" in log
    filled = [
        line.split("Kernel pool of ")[1].split(".ipynb")[0][:2] for line in log.splitlines() if "Kernel pool of" in line
    ]
    # the page's two kernels (its reload finds the second), then the neighbours; the refill of 03 among them
    assert filled[:2] == ["03", "03"] and [f for f in filled[2:] if f != "03"][:5] == [
        "04",
        "02",
        "05",
        "01",
        "06",
    ], filled


def test_a_workshop_from_the_landing_page_through_two_recommendations_and_two_units(server, workbook, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(home(server))
    page.get_by_label("Humaniora").check()
    page.locator("a.sk-rec", has_text="Tal om påvirkningerne").click()
    open_page(page, ".sk-form .widget-dropdown select")
    assert "unit=hum" in page.url and "token" not in page.url

    page.locator(".sk-form .widget-dropdown select").nth(2).select_option(label="5 – i meget høj grad")
    status_of(page, "Skriv dit navn øverst på siden")  # nothing is saved before someone says who answers
    assert page.locator(".sk-who.sk-who-needed").count() == 1
    page.get_by_placeholder("Skriv dit navn").fill(FIE)
    page.get_by_placeholder("Skriv dit navn").press("Enter")  # ... and then the waiting answer is saved
    status_of(page, FIE)
    page.locator(".sk-form textarea").nth(1).fill("Ved skemaændringer midt i semestret")
    page.wait_for_function("document.querySelectorAll('.sk-status .sk-saved').length >= 2", timeout=20_000)
    status_of(page, FIE)

    page.select_option("#sk-rec", "06_handleplan.ipynb")
    open_page(page, "table.sk-iglo")
    assert page.get_by_placeholder("Skriv dit navn").input_value() == FIE  # asked once, not on every page
    page.get_by_placeholder("Tiltaget, der skal gennemføres").fill("Makkerordning for nye lærere")
    page.locator(".widget-dropdown", has_text="Niveau").locator("select").select_option(label="Gruppe")
    page.locator(".widget-dropdown", has_text="Fase").locator("select").select_option(label="Forebyggelse")
    page.locator(".widget-text", has_text="Frist").locator("input").fill("01.03.2027")
    page.get_by_role("button", name="Gem opgave").click()
    page.locator("table.sk-iglo").get_by_text("Makkerordning for nye lærere").wait_for(timeout=20_000)

    page.select_option("#sk-unit", "nat")
    open_page(page, "table.sk-iglo")
    assert "Naturvidenskab" in page.inner_text(".sk-masthead")
    assert "Makkerordning for nye lærere" not in page.inner_text("table.sk-iglo")
    page.select_option("#sk-unit", "hum")
    open_page(page, "table.sk-iglo")
    assert "Makkerordning for nye lærere" in page.inner_text("table.sk-iglo")
    assert "01.03.2027" in page.inner_text("body")  # the deadline, shown the Danish way

    page.click("#sk-prev")  # 5
    open_page(page, ".sk-form")
    page.select_option("#sk-rec", "03_paavirkninger.ipynb")
    open_page(page, ".sk-form .widget-dropdown select")
    page.reload()
    open_page(page, ".sk-form .widget-dropdown select")
    assert page.get_by_placeholder("Skriv dit navn").input_value() == FIE
    chosen = page.locator(".sk-form .widget-dropdown select").nth(2).evaluate("s => s.options[s.selectedIndex].text")
    assert chosen.replace("\xa0", " ") == "5 – i meget høj grad"
    assert page.locator(".sk-form textarea").nth(1).input_value() == "Ved skemaændringer midt i semestret"

    with Store(workbook / "stresskit.sqlite") as store:
        latest = store.latest("hum")
        made = [v for v in store.actions("hum") if v.data["measure"] == "Makkerordning for nye lærere"]
    assert latest["paavirkning.uklare_krav.afdaekning"].who == FIE
    assert latest["paavirkning.uklare_krav.forstaaelse"].who == FIE
    assert made and made[0].who == FIE and made[0].data["deadline"] == "2027-03-01"
    assert made[0].data["level"] == "gruppe" and made[0].data["phase"] == "forebyggelse"
    outside = [u for u in requests if not u.startswith((server.base, "data:", "blob:"))]
    assert outside == []


@pytest.fixture(scope="module")
def hum_03(server, browser):
    """03 for hum, opened once in a page of its own that several tests read (each page opened
    costs a kernel): the section menu, Voilà's scripts, markup that stays text. Gives the page and
    the dialogs it has shown; the markup test, which then switches unit, uses it last."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(home(server))
    page.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
    open_page(page, ".sk-form .widget-dropdown select")
    yield page, dialogs
    page.close()


def test_the_section_menu_jumps_and_sections_fold(hum_03):
    page, _dialogs = hum_03
    menu = page.locator("#sk-sections a")
    assert menu.count() >= 4 and "Overblik over enhederne" in page.inner_text("#sk-sections")
    menu.filter(has_text="Når påvirkningerne kommer samtidig").click()
    heading = page.locator("#rendered_cells h2", has_text="Når påvirkningerne kommer samtidig")
    page.wait_for_timeout(300)
    top = heading.bounding_box()["y"]
    bar = page.locator("#sk-bar").bounding_box()
    assert bar["y"] + bar["height"] - 5 <= top < 720 / 2  # right under the bar, which stays in view
    first = page.locator("#rendered_cells h2", has_text="De fem påvirkninger")
    table = page.locator("table", has_text="Stor arbejdsmængde og tidspres").first
    first.locator(".sk-fold").click()
    assert not table.is_visible()
    first.locator(".sk-fold").click()
    assert table.is_visible()


def test_every_choice_of_a_checklist_is_shown_in_full(hum_03):
    """A checklist's choices are read from the projector: none cut short with «…» (ipywidgets
    cuts a checkbox's text at 300 px), each on the page in the guide's words."""
    page, _dialogs = hum_03
    choices = page.evaluate("""() => [...document.querySelectorAll('.sk-form .widget-checkbox')].map(box => ({
        text: box.textContent.replace('\u200b', '').trim(),
        cut: [box, ...box.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1),
    }))""")
    wanted = [t for q in guide.default().forms["involvering"].questions for _, t in q.options]
    assert len(wanted) >= 4 and set(wanted) <= {c["text"] for c in choices}
    assert [c["text"] for c in choices if c["cut"]] == []


def test_voilas_scripts_load_once_while_the_kernel_runs_the_cells(hum_03):
    """The browser fetches and runs Voilà's scripts from the first cell on, while the kernel runs
    the rest (not after the last cell), and once only: twice would start the app, and draw every
    widget, twice. (The page's timings stay as loaded: the section menu only scrolls and folds.)"""
    page, _dialogs = hum_03
    timing = page.evaluate("""() => ({
        tags: document.querySelectorAll('script[src$="/voila.js"]').length,
        fetched: performance.getEntriesByType('resource').filter(e => e.name.endsWith('/voila.js')).map(e => e.startTime),
        end: performance.getEntriesByType('navigation')[0].responseEnd,
    })""")
    assert timing["tags"] == 1 and len(timing["fetched"]) == 1
    assert timing["fetched"][0] < timing["end"]  # asked for before the page's last byte came
    assert page.locator(".sk-form", has_text="Dialog om de fem påvirkninger").count() == 1
    assert page.evaluate("() => typeof window.jupyterapp") == "object"


def test_each_page_takes_the_templates_compiled_for_the_one_before(monkeypatch):
    """Voilà makes a new exporter, with a new Jinja environment, for every page; the server's
    exporter (`server.PageExporter`, put in Voilà's place as the server starts) compiles the page
    template and those it extends once, not again after each page's request."""
    import inspect

    import jinja2
    import jinja2.meta
    import voila.notebook_renderer
    from voila.paths import collect_template_paths

    from stresskit.live import server as server_module

    # each page's renderer makes its exporter by the module's name, which the server replaces
    assert "VoilaExporter(" in inspect.getsource(voila.notebook_renderer.NotebookRenderer.initialize)
    monkeypatch.setattr(server_module.PageExporter, "compiled", server_module._CompiledOnce())  # a server just started
    monkeypatch.setenv("JUPYTER_PATH", str(present.TEMPLATES))
    paths = collect_template_paths(["voila", "nbconvert"], "stresskit-present")
    compiled = []
    real = jinja2.Environment._compile
    monkeypatch.setattr(
        jinja2.Environment, "_compile", lambda env, source, path: compiled.append(path) or real(env, source, path)
    )
    for page in ("first", "second"):
        env = server_module.PageExporter(template_paths=paths, template_name="stresskit-present").environment
        env.filters.setdefault("highlight_code", str)  # registered by nbconvert as it renders a notebook
        todo, seen = ["index.html.j2"], []
        while todo:  # the page template and every template it extends, imports or includes
            name = todo.pop()
            if name not in seen:
                seen.append(name)
                env.get_template(name)
                source = env.loader.get_source(env, name)[0]
                todo += [t for t in jinja2.meta.find_referenced_templates(env.parse(source)) if t]
        if page == "first":
            assert len(compiled) == len(seen) >= 3, compiled
            compiled.clear()
    assert compiled == []


def test_the_scripts_are_preloaded_and_each_fetched_once(hum_03):
    """voila.js asks for its chunks, and the app it starts on the load event for the extensions'
    remoteEntry, their chunks and the typesetter's script, in waves; the page preloads them all from its head
    (stresskit.live.preload reads them from the installed bundles). Should a new Voilà or ipywidgets
    load others, the page would wait for them in waves again (fetched unlisted, or after the load
    event), and a listed script it no longer uses would be fetched in vain."""
    page, _dialogs = hum_03
    seen = page.evaluate("""() => ({
        preloaded: [...document.querySelectorAll('link[rel=preload][as=script]')].map(l => l.href),
        tags: [...document.querySelectorAll('script[src]')].map(s => s.src),
        fetched: performance.getEntriesByType('resource').filter(e => /\\.js(\\?|$)/.test(e.name))
            .map(e => ({url: e.name, start: e.startTime})),
        load: performance.getEntriesByType('navigation')[0].loadEventStart,
        extensions: JSON.parse(document.getElementById('jupyter-config-data').textContent).federated_extensions.length,
    })""")
    urls = [f["url"] for f in seen["fetched"]]
    assert len([u for u in seen["preloaded"] if "/remoteEntry." in u]) == seen["extensions"] >= 2
    assert len(seen["preloaded"]) > 50 and sorted(set(urls)) == sorted(urls)  # each script once
    assert [u for u in seen["preloaded"] if u not in urls] == []  # each preloaded one used
    assert [u for u in urls if u not in seen["preloaded"] + seen["tags"]] == []  # none unlisted
    assert [f["url"] for f in seen["fetched"] if f["start"] >= seen["load"]] == []  # none after the load event
    # the typesetter loads stresskit's stub, not MathJax 3 (a megabyte of script on every first page)
    assert page.evaluate("() => typeof MathJax.Hub.Queue === 'function' && !MathJax.startup")


def test_projector_style_controls_and_labels_at_least_18px_and_text_left_aligned(server, page):
    page.goto(home(server))
    page.goto(f"{server.base}voila/render/04_status.ipynb?unit=hum")
    open_page(page, ".sk-form .widget-checkbox, .sk-form .widget-toggle-buttons")
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#sk-bar a, #sk-bar select, #sk-bar label, #sk-sections a, #rendered_cells label, #rendered_cells select, #rendered_cells input,'
        + '#rendered_cells button, #rendered_cells textarea, #rendered_cells .widget-label, #rendered_cells td, #rendered_cells th'))
        .filter(e => e.offsetParent !== null && e.innerText !== undefined)
        .map(e => [e.tagName + ' ' + (e.innerText || e.value || '').slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])""")
    assert len(sizes) > 50
    assert [s for s in sizes if s[1] < 18] == []
    aligned = page.evaluate("""() => Array.from(document.querySelectorAll('#rendered_cells td, #rendered_cells th, #rendered_cells li'))
        .filter(e => e.offsetParent !== null).map(e => getComputedStyle(e).textAlign)""")
    assert aligned and set(aligned) <= {"left", "start"}


def test_the_widest_page_fits_the_projector(server, workbook, page):
    """Recommendation 6 for the whole institution, the widest page (the IGLO plan: 6 columns, the
    APV plan: 9, the checklist: 7; the plan's editor) at 1280 px: no table runs past its box (one
    too wide scrolls in it, never cut off), no cell's text runs over the next cell, and no field's
    label is cut short («Drøftes igen» in ipywidgets' 80 px)."""
    root = Workbook.open(workbook).root_unit
    page.goto(home(server))
    page.goto(f"{server.base}voila/render/06_handleplan.ipynb?unit={root}")
    open_page(page, "table.sk-iglo")
    page.locator(".widget-label", has_text="Drøftes igen").wait_for(timeout=SLOW)
    found = page.evaluate("""() => {
        const shown = e => e.offsetParent !== null;
        const cut = [];
        document.querySelectorAll('#rendered_cells table.sk-table').forEach(t => {
            const box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();
            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(t.parentElement).overflowX)
                || ['auto', 'scroll'].includes(getComputedStyle(t.closest('.jp-OutputArea-output') || t).overflowX);
            if (r.right > box.right + 1 && !scrolls) cut.push('table ' + t.className);
            t.querySelectorAll('th, td').forEach(c => { if (c.scrollWidth > c.clientWidth + 1) cut.push('cell ' + c.textContent.slice(0, 30)); });
        });
        document.querySelectorAll('#rendered_cells .widget-label').forEach(l => {
            if (!shown(l) || !l.textContent.trim()) return;
            const s = document.createElement('span');  // the label's text at its own size, uncut
            s.style.font = getComputedStyle(l).font; s.style.whiteSpace = 'pre'; s.textContent = l.textContent;
            document.body.appendChild(s);
            if (s.getBoundingClientRect().width > l.clientWidth + 1) cut.push('label ' + l.textContent);
            s.remove();
        });
        const tables = [...document.querySelectorAll('#rendered_cells table.sk-table')].map(t => t.className);
        return {cut, tables};
    }""")
    assert {"sk-table sk-iglo", "sk-table sk-plan", "sk-table sk-checklist"} <= set(found["tables"])
    assert found["cut"] == []


def test_a_request_without_the_token_is_refused(server, browser):
    context = browser.new_context()  # no login cookie
    try:
        fresh = context.new_page()
        fresh.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
        assert "/login" in fresh.url and fresh.locator(".sk-form").count() == 0
        fresh.goto(server.base)
        assert "/login" in fresh.url and fresh.locator("a.sk-rec").count() == 0
    finally:
        context.close()
    for path in ("api/kernels/00000000-0000-4000-8000-000000000000", "stresskit/nav"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.base}{path}", timeout=10)
        assert refused.value.code == 403


def test_markup_in_a_unit_name_and_an_answer_stays_text(server, hum_03, page):
    landing = []
    page.on("dialog", lambda d: (landing.append(d.message), d.dismiss()))
    page.goto(home(server))
    assert "Kantine" in page.inner_text("#sk-start")
    page, dialogs = hum_03  # 03 for hum, and then the canteen's page, in one page: every dialog since it opened
    open_page(page, ".sk-form textarea")
    page.wait_for_timeout(1000)
    assert PAYLOAD in [t.input_value() for t in page.locator(".sk-form textarea").all()]
    assert any(PAYLOAD in o for o in page.locator("#sk-unit option").all_text_contents())
    page.select_option("#sk-unit", "kantine")
    open_page(page, ".sk-form")
    page.wait_for_timeout(1000)
    assert dialogs == [] and landing == []
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("img[src='x']").count() == 0
    assert not page.evaluate("Array.from(document.scripts).some(s => !s.type && s.textContent.includes('alert(1)'))")


def test_two_browsers_on_one_unit_both_save_and_see_each_other(server, workbook, browser, page):
    other = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        mo = other.new_page()
        for p, name in ((page, "Fie Første"), (mo, "Mo Medfacilitator")):
            p.goto(home(server))
            p.goto(f"{server.base}voila/render/05_samarbejde.ipynb?unit=hum")
            open_page(p, ".sk-form .widget-checkbox")
            p.get_by_placeholder("Skriv dit navn").fill(name)
            p.get_by_placeholder("Skriv dit navn").press("Enter")
        page.locator(".sk-form .widget-checkbox input").nth(0).check()
        status_of(page, "Fie Første")
        mo.locator(".sk-form .widget-checkbox input").nth(1).check()
        status_of(mo, "Mo Medfacilitator")
        page.reload()
        open_page(page, ".sk-form .widget-checkbox")
        assert page.locator(".sk-form .widget-checkbox input").nth(1).is_checked()
        assert page.get_by_placeholder("Skriv dit navn").input_value() == "Fie Første"
    finally:
        other.close()


# --- every route requires the token; idle connections are closed (issue 19 item 7) ---------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(url: str) -> tuple[int, str]:
    """The status and, for a redirect, where it leads; redirects are not followed."""
    try:
        with urllib.request.build_opener(_NoRedirect).open(url, timeout=10) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers.get("Location", "")


def test_every_route_answers_only_with_the_token(server):
    """Files Voilà serves to anyone (its static files, the template's, lab extensions) and our
    own pages: each answers with the token and refuses without it (403, or the login page)."""
    paths = [
        "voila/templates/stresskit-present/static/present.css",
        "voila/static/voila.js",
        "voila/labextensions/@jupyter-widgets/jupyterlab-manager/package.json",
        "stresskit/nav",
        "stresskit/ready",
        "voila/render/01_apv.ipynb",
        "voila/tree",
        "",
    ]
    for path in paths:
        assert _status(f"{server.base}{path}?token={server.token}")[0] == 200, path
        code, location = _status(f"{server.base}{path}")
        assert code == 403 or (code == 302 and "/login" in location), (path, code, location)


def test_the_query_socket_answers_only_with_the_token(server):
    """A pre-heated kernel waits on Voilà's query socket for its page's request (the request's
    address and environment); without the token nobody may listen there."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import websockets

    socket_url = f"{server.base.replace('http', 'ws', 1)}voila/query/00000000-0000-4000-8000-000000000000"

    async def opens(url: str) -> bool:
        try:
            async with websockets.connect(url, open_timeout=10):
                return True
        except websockets.InvalidStatus as refused:
            assert refused.response.status_code == 403
            return False

    def run(url: str) -> bool:  # in a thread of its own: Playwright's loop may run in this one
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, opens(url)).result()

    assert not run(socket_url)
    assert not run(f"{socket_url}?token=wrong")
    assert run(f"{socket_url}?token={server.token}")


def test_a_connection_that_sends_nothing_or_half_a_request_is_closed(server):
    """One connection sends nothing, another half a request (both opened as the server started,
    see _idle_connections): the server closes both once they have been idle IDLE_SECONDS."""
    from stresskit.live.server import IDLE_SECONDS

    for seen in server.idle:
        seen["thread"].join(timeout=IDLE_SECONDS + 20)
        assert seen["received"] == b"", "the server held the connection open"
        assert seen["closed"] - seen["opened"] < IDLE_SECONDS + 10


def test_a_broken_survey_on_the_projector_shows_the_line_and_no_cell(server, workbook, page):
    """A person's free-text answer in a cell that breaks the APV file must not reach a wall
    screen: the live page shows the fixed line; the details are for stresskit validate. The
    running server's survey is broken and then put back (a page reads the files when it opens)."""
    from corpus import APV_ROWS, FREE_TEXT, cell

    survey = workbook / APV_ROWS
    kept = survey.read_bytes()
    cell(3, 2, FREE_TEXT)(workbook)
    try:
        page.goto(home(server))
        page.goto(f"{server.base}voila/render/01_apv.ipynb?unit=hum")
        page.wait_for_selector(".sk-message", timeout=SLOW)
        body = page.inner_text("body")
        assert "APV-filen har fejl – kør stresskit validate" in body
        assert FREE_TEXT not in body and "række" not in body and "2026.csv" not in body and "Traceback" not in body
    finally:
        survey.write_bytes(kept)
