"""Faults: ids that could write anywhere, broken input in a report run, a damaged or
read-only store, a full disk, half-written reports, and a run killed from outside."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from test_corpus import DROP_DAC, read_only

from stresskit import batch, cli
from stresskit.errors import InputError
from stresskit.store import Store, StoreError
from stresskit.validate import BrokenInput
from stresskit.views import apv as apv_view
from stresskit.views import base

from corpus import FREE_TEXT, cell, set_unit, truncate_store

STORE = "stresskit.sqlite"
LINE = "APV-filen har fejl – kør stresskit validate"
STRESSKIT = [sys.executable, "-m", "stresskit.cli"]


def cli_text(capsys, *args) -> tuple[int, str]:
    code = cli.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out + out.err


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stored(example) -> Path:
    """The example with its answers imported into a cleanly closed store."""
    assert cli.main(["answers", "import", str(example), str(example / "answers.yaml")]) == 0
    return example


# --- unit ids and output paths ---------------------------------------------------------
@pytest.mark.parametrize("bad", ["../../../x", "/tmp/x", "-x", "hum/../../x", "hum fag", "æble"])
def test_unit_ids_are_letters_digits_underscore_and_dash(example, tmp_path, capsys, bad):
    set_unit("hum", id=bad)(example)
    code, text = cli_text(capsys, "validate", example)
    assert code == 1
    assert f"institution.yaml, kolonne «units[7].id»: fandt «{bad}», et id må kun indeholde bogstaverne" in text
    out = tmp_path / "deep" / "out"
    code, text = cli_text(capsys, "run", example, "--out", out)
    assert code == 1 and "Traceback" not in text and not out.exists()
    assert not (tmp_path / "x").exists() and not Path("/tmp/x").exists()


def test_every_output_path_is_checked_to_stay_inside_out(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert batch.target(out, "hum", "01_apv.html") == (out / "hum" / "01_apv.html").resolve()
    for unit in ("..", "../x", "/tmp", "hum/../../x"):
        with pytest.raises(InputError, match="uden for rapportmappen"):
            batch.target(out, unit, "01_apv.html")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "hum").symlink_to(elsewhere)  # a planted link is no way out either
    with pytest.raises(InputError, match="uden for rapportmappen"):
        batch.target(out, "hum", "01_apv.html")


# --- broken input in a report run -----------------------------------------------------
def test_broken_survey_fails_every_run_with_one_line_and_quotes_nothing(stored, tmp_path, capsys):
    cell(3, 2, FREE_TEXT)(stored)
    before = sha(stored / STORE)
    out = tmp_path / "out"
    code, text = cli_text(capsys, "run", stored, "--out", out)
    assert code == 1 and f"FEJLEDE 90 kørsler: {LINE}" in text and FREE_TEXT not in text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "✗ 90 af 90 kørsler fejlede" in index and f"<b>{LINE}</b> (90 kørsler, alle enheder)" in index
    assert index.count("✗ fejlede: anbefaling 1, 2, 3, 4, 5, 6 for ") == 15 and index.count(f" – {LINE}</td>") == 15
    report = (out / "hum" / "01_apv.html").read_text(encoding="utf-8")
    assert LINE in report and "række" not in report
    combined = (out / "hum" / "index.html").read_text(encoding="utf-8")
    assert combined.count(LINE) == 7  # each recommendation, and the overblik where the APV figures would be
    for path in out.rglob("*.html"):
        assert FREE_TEXT not in path.read_text(encoding="utf-8"), path
    assert not list(out.rglob("*.ipynb"))  # no kernel ran on input that cannot work
    # the details, quoting the cell, are for the user's own terminal
    code, text = cli_text(capsys, "validate", stored)
    assert code == 1 and f"apv/2026.csv, række 3, kolonne «q01 (C)»: fandt «{FREE_TEXT}»" in text
    assert sha(stored / STORE) == before


def test_duplicate_units_in_signals_are_refused_by_row_and_fail_the_run(example, tmp_path, capsys):
    with open(example / "signals.csv", "a", encoding="utf-8") as f:
        f.write("kantine;0;1,0;2,0;0;2026\n")
    lines = (example / "signals.csv").read_text(encoding="utf-8-sig").splitlines()
    first = next(n for n, line in enumerate(lines, start=1) if line.startswith("kantine;") and line.endswith(";2026"))
    code, text = cli_text(capsys, "validate", example)
    assert code == 1
    assert (
        f"signals.csv, række {len(lines)}, kolonne «enhed»: fandt «kantine», enheden har allerede en række "
        f"(række {first})"
    ) in text
    code, text = cli_text(capsys, "run", example, "--out", tmp_path / "out", "--units", "kantine")
    assert code == 1 and "FEJLEDE 6 kørsler: Signalfilen har fejl – kør stresskit validate" in text


def test_two_units_with_one_name_are_refused(example, capsys):
    set_unit("teknisk", name=" kANTINE")(example)
    code, text = cli_text(capsys, "validate", example)
    assert code == 1
    assert (
        "institution.yaml, kolonne «units (teknisk).name»: fandt «kANTINE», enheden «kantine» har samme navn eller id"
    ) in text


def test_a_report_run_that_meets_broken_input_fails_and_quotes_nothing(example, tmp_path, monkeypatch):
    """Defence in depth: should the check before the run miss a broken file, the notebook
    itself fails with the fixed line; neither the executed notebook nor the report quotes it."""
    cell(3, 2, FREE_TEXT)(example)
    monkeypatch.setattr(batch.command, "check_files", lambda book: [])
    out = tmp_path / "out"
    summary = batch.run(example, out, ["hum"], numbers=[1], jobs=1)
    [run] = summary.runs
    assert (run.status, run.reason) == ("failed", LINE)
    notebook = (out / "hum" / "01_apv.ipynb").read_text(encoding="utf-8")
    errors = [
        o
        for c in nbformat.reads(notebook, as_version=4).cells
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert [(e.ename, e.evalue, e.traceback) for e in errors] == [("BrokenInput", LINE, [LINE])]
    for text in (
        notebook,
        (out / "hum" / "01_apv.html").read_text(encoding="utf-8"),
        (out / "index.html").read_text(encoding="utf-8"),
    ):
        assert FREE_TEXT not in text and "Traceback" not in text and "række 3" not in text
    assert LINE in (out / "index.html").read_text(encoding="utf-8")


def test_live_and_report_mode_show_only_the_line_never_a_cell(example, monkeypatch):
    """A live page may be on a wall screen: a person's free-text answer quoted in validate's
    details must not appear there. Both modes give the fixed line; validate gives the details."""
    cell(3, 2, FREE_TEXT)(example)
    shown = []
    monkeypatch.setattr(base, "display", lambda obj: shown.append(getattr(obj, "data", "")))
    apv_view.open(example, "hum", "live").apv_results()
    assert LINE in shown[-1]
    assert FREE_TEXT not in "".join(map(str, shown)) and "2026.csv" not in shown[-1] and "række" not in shown[-1]
    with pytest.raises(BrokenInput) as raised:
        apv_view.open(example, "hum", "report").apv_results()
    assert str(raised.value) == LINE and raised.value._render_traceback_() == [LINE]


# --- the store: damaged, read-only, full ----------------------------------------------
def commands(book: Path, tmp_path: Path) -> list[list]:
    return [
        ["validate", book],
        ["run", book, "--out", tmp_path / "out", "--units", "hum", "--notebooks", "1"],
        ["answers", "export", book, tmp_path / "svar.yaml"],
        ["answers", "import", book, book / "answers.yaml"],
        ["export-plan", book, "--out", tmp_path / "plan.xlsx"],
    ]


def test_a_damaged_store_is_named_in_danish_by_every_command_and_left_alone(stored, tmp_path, capsys):
    truncate_store(0.5)(stored)
    before = sha(stored / STORE)
    for args in commands(stored, tmp_path):
        code, text = cli_text(capsys, *args)
        assert code == 1, args
        assert "stresskit.sqlite: lageret er beskadiget; stresskit har ikke ændret det" in text, args
        assert "Traceback" not in text
        assert sha(stored / STORE) == before, args
    assert not (tmp_path / "out").exists() and not (tmp_path / "plan.xlsx").exists()


def test_a_missing_store_is_no_fault(example, capsys):
    code, text = cli_text(capsys, "validate", example)
    assert code == 0 and not (example / STORE).exists()  # validate creates nothing


# Runs stresskit's commands one after the other in one process (a process of its own, since root's
# override of file permissions is dropped for it) and prints each one's exit code and output as JSON.
EACH_COMMAND = """
import contextlib, io, json, sys
from stresskit import cli
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.main(args)
    print(json.dumps([args, code, out.getvalue()]))
"""


def test_a_read_only_workbook_is_named_in_danish_by_every_command(stored, tmp_path):
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("som root kræver en skrivebeskyttet mappe setpriv")
    prefix = DROP_DAC if os.geteuid() == 0 else []  # root's override of file permissions dropped
    before = sha(stored / STORE)
    every = [list(map(str, args)) for args in commands(stored, tmp_path)]
    with read_only(stored):
        run = subprocess.run(
            [*prefix, sys.executable, "-c", EACH_COMMAND, json.dumps(every)], capture_output=True, text=True
        )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert [args for args, _code, _text in results] == every
    for args, code, text in results:
        assert code == 1, (args, text)
        assert "Traceback" not in text
        assert "skrivebeskyttet" in text, (args, text)
    assert sha(stored / STORE) == before


def test_a_full_disk_under_the_store_keeps_every_saved_answer(stored):
    """Simulated: SQLite's page limit makes it fail exactly as on a full disk (SQLITE_FULL)."""
    with Store(stored / STORE) as store:
        count = len(store.all_answers())
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError, match="disken er fuld") as raised:
            for n in range(500):  # noqa: B007  (n counts the saves that landed)
                store.save("hum", "apv.signal.noter", "x" * 4000)
        assert str(raised.value).startswith("stresskit.sqlite: ")
    with Store(stored / STORE) as store:
        assert len(store.all_answers()) == count + n  # every save before the full disk, none half
    assert sqlite3.connect(stored / STORE).execute("PRAGMA integrity_check").fetchone() == ("ok",)


class _FillsUp:
    """A file that takes a few bytes and then reports a full disk (simulated ENOSPC)."""

    def __init__(self, fd, mode):
        self.f = open(fd, mode)  # noqa: SIM115 (os.fdopen is the one patched)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, data):
        self.f.write(data[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_writing_keeps_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "01_apv.html"
    path.write_text("den gamle rapport", encoding="utf-8")
    monkeypatch.setattr(batch.files.os, "fdopen", _FillsUp)
    with pytest.raises(OSError):
        batch.write_atomic(path, "<p>ny rapport</p>" * 1000)
    assert path.read_text(encoding="utf-8") == "den gamle rapport"
    assert [p.name for p in tmp_path.iterdir()] == ["01_apv.html"]  # no temporary file left


def test_a_full_disk_during_a_run_ends_in_danish(example, tmp_path, capsys, monkeypatch):
    cell(3, 2, FREE_TEXT)(example)  # refused before any kernel: only the parent writes
    monkeypatch.setattr(batch.files.os, "fdopen", _FillsUp)
    code, text = cli_text(capsys, "run", example, "--out", tmp_path / "out")
    assert code == 1 and "disken er fuld" in text and "Traceback" not in text


# --- half-written and edited reports ---------------------------------------------------
def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))


def test_a_report_that_failed_to_write_or_was_changed_is_run_again(example, tmp_path, capsys):
    """The first run may write no file above 40 kB (RLIMIT_FSIZE: a real kernel-level write
    failure, EFBIG rather than a full disk's ENOSPC). 03's report (charts) is larger, so it fails."""
    out = tmp_path / "out"
    args = [*STRESSKIT, "run", str(example), "--out", str(out), "--units", "hum", "--notebooks", "2,3", "--jobs", "1"]
    first = subprocess.run(args, capture_output=True, text=True, preexec_fn=_limit_file_size)
    assert first.returncode == 1 and "Traceback" not in first.stdout + first.stderr
    assert (
        "FEJLEDE hum · 03_paavirkninger: Rapporten kunne ikke skrives: filen er blevet for stor til disken."
        in first.stdout
    )
    assert not (out / "hum" / "03_paavirkninger.html").exists() and not list(out.rglob(f".*{batch.TMP}"))

    # the runs after it are the ordinary path, in this process
    code, text = cli_text(capsys, *args[3:])
    assert code == 0 and "1 kørt, 0 fejlede, 1 sprunget over" in text
    state = json.loads((out / batch.STATE).read_text(encoding="utf-8"))
    assert state["hum/03_paavirkninger"]["sha256"] == sha(out / "hum" / "03_paavirkninger.html")

    report = out / "hum" / "02_aftaler.html"
    report.write_bytes(report.read_bytes()[: report.stat().st_size // 2])  # half-written by some other hand
    with open(out / "hum" / "03_paavirkninger.html", "a", encoding="utf-8") as f:
        f.write("<p>rettet i hånden</p>")
    code, text = cli_text(capsys, *args[3:])
    assert code == 0 and "2 kørt, 0 fejlede, 0 sprunget over" in text
    assert report.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert "rettet i hånden" not in (out / "hum" / "03_paavirkninger.html").read_text(encoding="utf-8")


# --- stopping a run --------------------------------------------------------------------
def _kernel_started(parent: psutil.Process) -> list[psutil.Process]:
    """Wait until a unit runs: its own process, forked from a worker (batch.UNIT_PROCESS)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        tree = parent.children(recursive=True)
        with contextlib.suppress(psutil.Error):
            if any(p.name() == batch.UNIT_PROCESS for p in tree if p.is_running()):
                return parent.children(recursive=True)
        time.sleep(0.2)
    raise AssertionError("ingen enhed startede")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_stopping_a_run_stops_its_workers_and_kernels(example, tmp_path, how):
    """SIGINT goes to the whole process group, as Ctrl+C in a terminal does; the others to the parent.
    The run starts with Ctrl+C at its default, as in a terminal: a test runner started in the
    background (`make test &`) passes «ignore SIGINT» on to every child, and a run would rightly ignore it."""
    proc = subprocess.Popen(
        [*STRESSKIT, "run", str(example), "--out", str(tmp_path / "out"), "--force", "--units", "hum,nat,samf,kantine"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        tree = _kernel_started(psutil.Process(proc.pid))
        if how == signal.SIGINT:
            os.killpg(proc.pid, how)
        else:
            os.kill(proc.pid, how)
        _out, err = proc.communicate(timeout=60)
        _gone, alive = psutil.wait_procs(tree, timeout=15)
        assert [(p.pid, p.cmdline()) for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
        if how != signal.SIGKILL:
            assert "kørt," not in _out, "the run ended before the signal came"
            assert proc.returncode == 130 and "Afbrudt." in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
