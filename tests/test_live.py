"""Live facilitation in a real browser: Voilà (stresskit present) and JupyterLab (stresskit lab).

Every server a test starts is stopped by its PID (its whole session), also when the test fails.
"""
import subprocess

import pytest

from stresskit import answers, present
from stresskit.store import Store
from stresskit.workbook import Workbook

SLOW = 90_000  # ms: a kernel must start and run the notebook


@pytest.fixture
def workbook(example):
    answers.import_(Workbook.open(example), example / "answers.yaml")
    return example


@pytest.fixture
def voila(workbook):
    servers = []

    def start(unit, number):
        proc, url = present.serve(workbook, unit, number)
        servers.append(proc)
        present.wait_until_up(url, proc)
        return url

    yield start
    for proc in servers:
        present.stop(proc)


def no_code_and_no_error(page):
    assert page.locator(".jp-CodeMirrorEditor, .cm-editor, .highlight, .jp-InputPrompt").count() == 0
    body = page.inner_text("body")
    assert "Traceback" not in body and "import stresskit" not in body and "page." not in body
    assert page.locator(".sk-message").count() == 0  # no Danish error box either


def chart_src(page, alt_start):
    return page.locator(f"img[alt^='{alt_start}']").first.get_attribute("src")


def test_present_03_saves_redraws_and_survives_a_reload(voila, workbook, page):
    url = voila("hum", 3)
    page.goto(url)
    page.wait_for_selector(".widget-dropdown select", timeout=SLOW)
    no_code_and_no_error(page)
    page.get_by_placeholder("Skriv dit navn").fill("Facilitator Fie")
    before = chart_src(page, "To søjlediagrammer")
    selects = page.locator(".sk-form .widget-dropdown select")
    selects.nth(2).select_option(label="5 – i meget høj grad")  # Uklare krav: how well do we map it
    page.locator(".sk-form textarea").nth(1).fill("Ved skemaændringer midt i semestret")
    page.wait_for_function(f"document.querySelector(\"img[alt^='To søjlediagrammer']\").src !== {before!r}", timeout=20_000)
    page.wait_for_timeout(1500)  # the text is saved after a pause in typing
    with Store(workbook / "stresskit.sqlite") as store:
        latest = store.latest("hum")
    rating = latest["paavirkning.uklare_krav.afdaekning"]
    text = latest["paavirkning.uklare_krav.forstaaelse"]
    assert (rating.value, rating.who) == ("5", "Facilitator Fie")
    assert (text.value, text.who) == ("Ved skemaændringer midt i semestret", "Facilitator Fie")
    assert rating.at > "2026-11" and "Afdækker 5" not in before
    assert "Uklare og modstridende krav: Afdækker 5" in page.locator("img[alt^='To søjlediagrammer']").get_attribute("alt")
    page.reload()
    page.wait_for_selector(".widget-dropdown select", timeout=SLOW)
    assert page.locator(".sk-form .widget-dropdown select").nth(2).evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ") == "5 – i meget høj grad"
    assert page.locator(".sk-form textarea").nth(1).input_value() == "Ved skemaændringer midt i semestret"


def test_present_06_adds_an_action_to_the_iglo_grid(voila, workbook, page):
    url = voila("hum", 6)
    page.goto(url)
    page.wait_for_selector("table.sk-iglo", timeout=SLOW)
    no_code_and_no_error(page)
    page.get_by_placeholder("Tiltaget, der skal gennemføres").fill("Makkerordning for nye lærere")
    page.locator(".widget-dropdown", has_text="Niveau").locator("select").select_option(label="Gruppe")
    page.locator(".widget-dropdown", has_text="Fase").locator("select").select_option(label="Forebyggelse")
    page.get_by_role("button", name="Gem opgave").click()
    row = page.locator("table.sk-iglo tr", has=page.locator("th", has_text="1. Forebyggelse"))
    cell = row.locator("td").nth(2)  # organisation, ledelse, gruppe, individ
    cell.get_by_text("Makkerordning for nye lærere").wait_for(timeout=20_000)
    with Store(workbook / "stresskit.sqlite") as store:
        made = [v for v in store.actions("hum") if v.data["measure"] == "Makkerordning for nye lærere"]
    assert made and made[0].data["level"] == "gruppe" and made[0].data["phase"] == "forebyggelse"
    page.reload()
    page.wait_for_selector("table.sk-iglo", timeout=SLOW)
    assert "Makkerordning for nye lærere" in page.locator("table.sk-iglo").inner_text()


def test_jupyterlab_runs_the_notebook_and_renders_the_form(workbook, page, tmp_path):
    port = present.free_port()
    cmd, _work = present.lab_command(workbook, port=port)
    cmd += ["--no-browser", "--IdentityProvider.token=", "--ServerApp.password="]
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    try:
        present.wait_until_up(f"http://127.0.0.1:{port}/lab", proc)
        for attempt in range(2):  # a kernel that never connects (seen once under load) gets one more go
            page.goto(f"http://127.0.0.1:{port}/lab/tree/01_apv.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
            try:  # wait until the kernel is connected and idle, then run everything
                page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for(timeout=60_000)
                page.get_by_role("menuitem", name="Run").click()
                page.get_by_text("Run All Cells", exact=True).click()
                page.wait_for_selector(".sk-form .widget-toggle-buttons", timeout=60_000)
                break
            except Exception:
                if attempt:
                    raise
                page.get_by_role("menuitem", name="Kernel").click()
                page.get_by_text("Shut Down All Kernels…").click()
                page.get_by_role("button", name="Shut Down All").click()
        assert "APV'ens fem faser" in page.inner_text(".jp-Notebook")
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    except Exception:
        print((tmp_path / "lab.log").read_text()[-4000:])  # the server's side of the story
        raise
    finally:
        present.stop(proc)
        log.close()
