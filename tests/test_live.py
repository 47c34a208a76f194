"""Live facilitation in a real browser: `stresskit present` (one Voilà server for the workbook)
and `stresskit lab` (JupyterLab).

The present server is started once for the module, on its own copy of the example with a
payload as a unit name and as an answer; it is stopped by its PID (its whole session), also
when a test fails. A failing test saves a screenshot (the `page` fixture).
"""

import contextlib
import json
import subprocess
import urllib.error
import urllib.request

import pytest

from stresskit import answers
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
    started = present.serve(workbook)
    try:
        present.wait_until_up(started)
        yield started
    finally:
        present.stop(started.proc)


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


def test_a_workshop_from_the_landing_page_through_two_recommendations_and_two_units(server, workbook, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url)
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


def test_the_page_the_address_opens_is_heated_first_and_the_neighbours_next(workbook, page):
    """On a laptop's few cores the kernels heat in turn: the page the printed address opens gets
    two pre-heated kernels (not a fresh one started on request), then the recommendations around it."""
    started = present.serve(workbook, "hum", 3)
    try:
        present.wait_until_up(started)
        page.goto(started.url)
        open_page(page, ".sk-form .widget-dropdown select")
        log = ""
        for _ in range(300):  # all six pools, and the refill of the one the page took
            log = started.log.read_text(encoding="utf-8", errors="replace")
            if log.count("Kernel pool of") >= 8:
                break
            page.wait_for_timeout(200)
        assert "Using pre-heated kernel" in log and "for 03_paavirkninger.ipynb" in log
        filled = [
            line.split("Kernel pool of ")[1].split(".ipynb")[0][:2]
            for line in log.splitlines()
            if "Kernel pool of" in line
        ]
        # the page's two kernels (its reload finds the second), then the neighbours; the refill of 03 among them
        assert filled[:2] == ["03", "03"] and [f for f in filled[2:] if f != "03"][:5] == [
            "04",
            "02",
            "05",
            "01",
            "06",
        ], filled
    finally:
        present.stop(started.proc)


def test_the_section_menu_jumps_and_sections_fold(server, page):
    page.goto(server.url)
    page.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
    open_page(page, ".sk-form .widget-dropdown select")
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


def test_voilas_scripts_load_once_while_the_kernel_runs_the_cells(server, page):
    """The browser fetches and runs Voilà's scripts from the first cell on, while the kernel runs
    the rest (not after the last cell), and once only: twice would start the app, and draw every
    widget, twice."""
    page.goto(server.url)
    page.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
    open_page(page, ".sk-form .widget-dropdown select")
    timing = page.evaluate("""() => ({
        tags: document.querySelectorAll('script[src$="/voila.js"]').length,
        fetched: performance.getEntriesByType('resource').filter(e => e.name.endsWith('/voila.js')).map(e => e.startTime),
        end: performance.getEntriesByType('navigation')[0].responseEnd,
    })""")
    assert timing["tags"] == 1 and len(timing["fetched"]) == 1
    assert timing["fetched"][0] < timing["end"]  # asked for before the page's last byte came
    assert page.locator(".sk-form", has_text="Dialog om de fem påvirkninger").count() == 1
    assert page.evaluate("() => typeof window.jupyterapp") == "object"


def test_projector_style_controls_and_labels_at_least_18px_and_text_left_aligned(server, page):
    page.goto(server.url)
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


def test_markup_in_a_unit_name_and_an_answer_stays_text(server, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url)
    assert "Kantine" in page.inner_text("#sk-start")
    page.goto(f"{server.base}voila/render/03_paavirkninger.ipynb?unit=hum")
    open_page(page, ".sk-form textarea")
    page.wait_for_timeout(1000)
    assert PAYLOAD in [t.input_value() for t in page.locator(".sk-form textarea").all()]
    assert any(PAYLOAD in o for o in page.locator("#sk-unit option").all_text_contents())
    page.select_option("#sk-unit", "kantine")
    open_page(page, ".sk-form")
    page.wait_for_timeout(1000)
    assert dialogs == []
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("img[src='x']").count() == 0
    assert not page.evaluate("Array.from(document.scripts).some(s => !s.type && s.textContent.includes('alert(1)'))")


def test_two_browsers_on_one_unit_both_save_and_see_each_other(server, workbook, browser, page):
    other = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        mo = other.new_page()
        for p, name in ((page, "Fie Første"), (mo, "Mo Medfacilitator")):
            p.goto(server.url)
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


def _shipped(tmp_path, name="src"):
    """A stand-in for a stresskit's shipped notebooks, to edit as a newer release would."""
    import shutil

    from stresskit.notebooks import NOTEBOOKS

    folder = tmp_path / name
    shutil.copytree(NOTEBOOKS, folder)
    return folder


def _cell_sources(path) -> list[str]:
    import nbformat

    return [c.source for c in nbformat.read(path, as_version=4).cells]


def test_lab_copies_the_notebooks_into_the_workbook_once_and_keeps_a_consultants_edits(tmp_path):
    import nbformat

    from stresskit.live import lab

    book, source = copy_example(tmp_path / "example"), _shipped(tmp_path)
    first = lab.prepare(book, source=source)
    assert first.written == [p.name for p in sorted(source.glob("*.ipynb"))] and not first.kept
    copy = book / lab.FOLDER / "04_status.ipynb"
    nb = nbformat.read(copy, as_version=4)
    assert nb.cells[0].source == lab.NOTE
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'workbook = ".."' in injected.source and 'mode = "live"' in injected.source  # moves with the folder
    nb.cells.append(nbformat.v4.new_markdown_cell("Vores egne noter fra workshoppen"))
    nbformat.write(nb, copy)

    again = lab.prepare(book, source=source)
    assert again.written == [] and len(again.kept) == 6 and again.newer == []
    assert _cell_sources(copy)[-1] == "Vores egne noter fra workshoppen"
    assert lab.prepare(book, refresh=True, source=source).written == []  # nothing newer: nothing replaced
    assert _cell_sources(copy)[-1] == "Vores egne noter fra workshoppen"


def test_lab_refresh_takes_a_newer_stresskits_notebooks_and_backs_up_edited_ones(tmp_path):
    import nbformat

    from stresskit.live import lab

    book, source = copy_example(tmp_path / "example"), _shipped(tmp_path)
    lab.prepare(book, source=source)
    folder = book / lab.FOLDER
    edited, run_only = folder / "04_status.ipynb", folder / "05_samarbejde.ipynb"
    nb = nbformat.read(edited, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Vores egne noter"))
    nbformat.write(nb, edited)
    nb = nbformat.read(run_only, as_version=4)  # run and saved, not edited: outputs and counts only
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs, code.execution_count = [nbformat.v4.new_output("stream", text="kørt\n")], 1
    nbformat.write(nb, run_only)
    for name in ("04_status.ipynb", "05_samarbejde.ipynb"):  # a newer stresskit changes both
        newer = nbformat.read(source / name, as_version=4)
        newer.cells.append(nbformat.v4.new_markdown_cell("Nyt i denne udgave"))
        nbformat.write(newer, source / name)

    kept = lab.prepare(book, source=source)
    assert kept.written == [] and kept.newer == ["04_status.ipynb", "05_samarbejde.ipynb"]
    assert _cell_sources(edited)[-1] == "Vores egne noter"

    refreshed = lab.prepare(book, refresh=True, source=source)
    assert refreshed.written == ["04_status.ipynb", "05_samarbejde.ipynb"] and refreshed.backed_up == [
        "04_status.ipynb"
    ]
    assert _cell_sources(edited)[-1] == "Nyt i denne udgave" and _cell_sources(run_only)[-1] == "Nyt i denne udgave"
    assert _cell_sources(refreshed.backup / "04_status.ipynb")[-1] == "Vores egne noter"
    assert refreshed.backup.parent == folder / lab.BACKUPS
    assert lab.prepare(book, source=source).newer == []


def test_the_lab_command_listens_on_localhost_with_its_port_and_no_browser(tmp_path):
    from stresskit.live import lab

    folder = lab.prepare(copy_example(tmp_path / "example")).folder
    cmd = lab.command(folder, 8123, browser=False)
    assert f"--ServerApp.root_dir={folder.resolve()}" in cmd and "--ServerApp.ip=127.0.0.1" in cmd
    assert (
        "--ServerApp.port=8123" in cmd
        and "--ServerApp.port_retries=0" in cmd
        and "--ServerApp.open_browser=False" in cmd
    )
    assert "--ContentsManager.pre_save_hook=stresskit.live.lab.without_live_forms" in cmd
    assert not any("token" in c for c in cmd)  # Jupyter's own token stays on


LAB_NAME = "Konsulent Karen Kristensen"


def _lab_token(log_path, proc, seconds=90):
    """Start-up: the address with the token that `stresskit lab` prints (JupyterLab's own line)."""
    import re
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        assert proc.poll() is None, log_path.read_text()[-3000:]
        found = re.search(r"http://127\.0\.0\.1:(\d+)/lab\S*\?token=([0-9a-f]+)", log_path.read_text())
        if found:
            return found.group(1), found.group(2)
        time.sleep(0.3)
    raise AssertionError(f"JupyterLab skrev ingen adresse: {log_path.read_text()[-3000:]}")


def _run_all(page, shown=".sk-form .widget-dropdown select"):
    """Run every cell once the kernel is idle, until `shown` appears (a kernel that never
    connects, seen once under load, gets one more go)."""
    for attempt in range(2):
        try:
            page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for(timeout=60_000)
            page.get_by_role("menuitem", name="Run").click()
            page.get_by_text("Run All Cells", exact=True).click()
            page.wait_for_selector(shown, timeout=60_000)
            return
        except Exception:
            if attempt:
                raise
            page.get_by_role("menuitem", name="Kernel").click()
            page.get_by_text("Shut Down All Kernels…").click()
            page.get_by_role("button", name="Shut Down All").click()


def _overflow(page) -> list:
    """Outputs wider than the notebook, or boxes in them whose content is wider than they are: what
    would need a horizontal scroll."""
    return page.evaluate("""() => {
        const panel = Array.from(document.querySelectorAll('.jp-NotebookPanel-notebook')).find(p => p.offsetParent !== null);
        const right = panel.getBoundingClientRect().right;
        const wide = [];
        document.querySelectorAll('.jp-OutputArea-output *').forEach(e => {
            const r = e.getBoundingClientRect();
            if (e.offsetParent !== null && r.width > 0 && r.right > right + 1) wide.push(e.className + ' ' + Math.round(r.right));
        });
        const scroller = panel.querySelector('.jp-WindowedPanel-outer') || panel;
        if (scroller.scrollWidth > scroller.clientWidth + 1) wide.push('scroll ' + scroller.scrollWidth + '>' + scroller.clientWidth);
        panel.querySelectorAll('.jp-OutputArea-output *').forEach(e => {  // a box inside that scrolls or cuts sideways
            if (!['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName) && e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
                && ['hidden', 'auto', 'scroll', 'clip'].includes(getComputedStyle(e).overflowX)) wide.push('box ' + e.className);
        });
        return wide.slice(0, 10);
    }""")


def _start_lab(book, log_path):
    """`stresskit lab BOOK --no-browser --port P` (its own CLI), nobody named yet; returns the
    process and the address with the token it printed."""
    import os
    import sys

    from stresskit.store import USER_ENV

    port = present.free_port()
    env = {k: v for k, v in os.environ.items() if k != USER_ENV}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "stresskit.cli", "lab", str(book), "--no-browser", "--port", str(port)],
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        found_port, token = _lab_token(log_path, proc)
    except BaseException:
        present.stop(proc)
        raise
    assert found_port == str(port)
    return proc, f"http://127.0.0.1:{port}/lab/tree/03_paavirkninger.ipynb?token={token}"


@pytest.mark.browser
def test_jupyterlab_takes_the_full_name_and_reopens_the_workbooks_notebook_without_stale_forms(tmp_path, page):
    """`stresskit lab` itself on the workbook's own notebooks: an answer given before the name
    waits, the name typed a key at a time is taken on Enter (never «K»); the saved notebook is
    kept, and reopened with a fresh server it shows no «model not found»; the forms fit 1280 px."""
    import nbformat

    from stresskit.live import lab

    book = copy_example(tmp_path / "example")
    first_log, second_log = tmp_path / "lab.log", tmp_path / "lab-again.log"
    copy = book / lab.FOLDER / "03_paavirkninger.ipynb"
    proc, url = _start_lab(book, first_log)
    try:
        assert f"i {book / lab.FOLDER}" in first_log.read_text()
        page.goto(url)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
        _run_all(page)
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        assert _overflow(page) == []

        page.locator(".sk-form .widget-dropdown select").nth(2).select_option(label="5 – i meget høj grad")
        status_of(page, "Skriv dit navn øverst på siden")
        name = page.get_by_placeholder("Skriv dit navn")
        name.click()
        page.keyboard.type(LAB_NAME, delay=40)  # a key at a time, as a person types
        page.wait_for_timeout(1500)
        assert _saved_by(book) == []  # nothing saved under a half-typed name
        name.press("Enter")
        status_of(page, LAB_NAME)

        page.get_by_role("menuitem", name="File").click()
        page.get_by_text("Save Notebook", exact=True).click()
        for _ in range(100):
            try:
                saved = nbformat.read(copy, as_version=4)
            except nbformat.reader.NotJSONError:  # caught while Lab writes the file: look again
                saved = None
            if saved is not None and any(c.outputs for c in saved.cells if c.cell_type == "code"):
                break
            page.wait_for_timeout(200)
        text = json.dumps(saved, ensure_ascii=False)
        assert lab.WIDGET_MIME not in text and lab.RERUN in text and "widgets" not in saved.metadata
    except Exception:
        print(first_log.read_text()[-4000:])  # the server's side of the story
        raise
    finally:
        present.stop(proc)

    proc, url = _start_lab(book, second_log)  # next time: the same, saved notebook, not a new copy
    try:
        assert "Skrev" not in second_log.read_text()
        assert nbformat.read(copy, as_version=4) == saved
        page.goto(url)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
        page.get_by_text(lab.RERUN).first.wait_for(timeout=30_000)  # a line where each form was, no broken widget
        assert "model not found" not in page.inner_text(".jp-Notebook").lower()
        _run_all(page)
        chosen = (
            page.locator(".sk-form .widget-dropdown select").nth(2).evaluate("s => s.options[s.selectedIndex].text")
        )
        assert chosen.replace("\xa0", " ") == "5 – i meget høj grad"
    except Exception:
        print(second_log.read_text()[-4000:])
        raise
    finally:
        present.stop(proc)
    assert _saved_by(book) == [LAB_NAME]  # the one answer, under the full name


@pytest.mark.browser
def test_every_notebooks_forms_fit_jupyterlab_at_1280_px_beside_the_file_browser(tmp_path, page):
    """Lab's default view at 1280 px (file browser open): no output, form or grid cell of any of
    the six notebooks needs a sideways scroll, and none is cut off."""
    book = copy_example(tmp_path / "example")
    answers.import_(Workbook.open(book), book / "answers.yaml")  # filled plans and tables, as in a real workshop
    log_path = tmp_path / "lab.log"
    proc, url = _start_lab(book, log_path)
    try:
        for name in ("01_apv", "02_aftaler", "03_paavirkninger", "04_status", "05_samarbejde", "06_handleplan"):
            page.goto(url.replace("03_paavirkninger", name) + "&reset")  # reset: only this notebook open
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
            _run_all(page, ".sk-form")
            page.wait_for_timeout(1500)  # the last outputs settle
            assert page.locator(".jp-DirListing").first.is_visible()
            assert _overflow(page) == [], name
    except Exception:
        print(log_path.read_text()[-4000:])
        raise
    finally:
        present.stop(proc)


def _saved_by(book) -> list[str]:
    """Who every answer row in the store was saved by (the history, not just the latest)."""
    import sqlite3

    if not (book / "stresskit.sqlite").exists():
        return []
    with contextlib.closing(sqlite3.connect(book / "stresskit.sqlite")) as db:
        return [who for (who,) in db.execute("SELECT who FROM answers ORDER BY seq")]


def _wait_for_lab(url, proc, seconds=90):
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        assert proc.poll() is None, "JupyterLab stoppede"
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise AssertionError(f"JupyterLab svarede ikke på {url}")


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


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
def test_a_connection_that_sends_nothing_or_half_a_request_is_closed(server, sent):
    import socket
    import time

    from stresskit.live.server import IDLE_SECONDS

    port = int(server.base.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=IDLE_SECONDS + 15) as conn:
        conn.sendall(sent)
        started = time.monotonic()
        assert conn.recv(100) == b""  # closed by the server; a held connection times out here instead
        assert time.monotonic() - started < IDLE_SECONDS + 10


def test_a_broken_survey_on_the_projector_shows_the_line_and_no_cell(tmp_path, page):
    """A person's free-text answer in a cell that breaks the APV file must not reach a wall
    screen: the live page shows the fixed line; the details are for stresskit validate."""
    from corpus import FREE_TEXT, cell

    book = copy_example(tmp_path / "example")
    cell(3, 2, FREE_TEXT)(book)
    started = present.serve(book, "hum", 1)
    try:
        present.wait_until_up(started)
        page.goto(started.url)
        page.wait_for_selector(".sk-message", timeout=SLOW)
        body = page.inner_text("body")
        assert "APV-filen har fejl – kør stresskit validate" in body
        assert FREE_TEXT not in body and "række" not in body and "2026.csv" not in body and "Traceback" not in body
    finally:
        present.stop(started.proc)
