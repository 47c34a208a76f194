"""`stresskit lab`: JupyterLab on the workbook's own notebooks (issue 22 item 4). The copies are
kept and never overwrite a consultant's edits; in a real browser a name is taken on Enter, a saved
notebook reopens without stale forms, and every notebook's forms fit Lab at 1280 px.
"""

import contextlib
import json
import subprocess
import urllib.error
import urllib.request

import pytest
from test_live import SLOW, status_of

from stresskit import answers
from stresskit.live import present
from stresskit.workbook import Workbook

from conftest import copy_example


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
            page.locator(shown).locator("visible=true").first.wait_for(timeout=60_000)  # in the tab in front
            return
        except Exception:
            if attempt:
                raise
            page.get_by_role("menuitem", name="Kernel").click()
            page.get_by_text("Shut Down All Kernels…").click()
            page.get_by_role("button", name="Shut Down All").click()


# Every code cell of the notebook in front has run: Lab shows [*] by a cell that is queued or running.
_ALL_RUN = """() => {
    const panel = Array.from(document.querySelectorAll('.jp-NotebookPanel-notebook')).find(p => p.offsetParent !== null);
    const prompts = panel ? Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')) : [];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


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
    the six notebooks needs a sideways scroll, and none is cut off. One Lab, each notebook opened
    from its file browser in turn, as a consultant goes through them."""
    book = copy_example(tmp_path / "example")
    answers.import_(Workbook.open(book), book / "answers.yaml")  # filled plans and tables, as in a real workshop
    log_path = tmp_path / "lab.log"
    proc, url = _start_lab(book, log_path)
    try:
        page.goto(url.replace("03_paavirkninger", "01_apv") + "&reset")  # reset: only this notebook open
        for name in ("01_apv", "02_aftaler", "03_paavirkninger", "04_status", "05_samarbejde", "06_handleplan"):
            if name != "01_apv":
                page.locator(".jp-DirListing-item", has_text=f"{name}.ipynb").dblclick()
            page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", has_text=name).wait_for(timeout=SLOW)
            page.locator(".jp-Notebook .jp-Cell").locator("visible=true").first.wait_for(timeout=SLOW)
            _run_all(page, ".sk-form")
            page.wait_for_function(_ALL_RUN, timeout=SLOW)  # no cell queued or running ([*])
            page.wait_for_timeout(300)  # the last outputs' layout
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
