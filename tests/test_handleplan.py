"""Notebook 06's action plan: the IGLO grid, follow-up flags on fixed dates, and the exports."""

import csv
import io
import re
from datetime import date, datetime

import openpyxl
import pytest

from stresskit import actions, answers, cli, guide
from stresskit.live import forms
from stresskit.store import Store
from stresskit.views import base
from stresskit.views import handleplan as view
from stresskit.workbook import Workbook


@pytest.fixture
def book(example):
    b = Workbook.open(example)
    answers.import_(b, example / "answers.yaml")
    return b


def shown(monkeypatch, book, unit, call, today=None):
    if today:
        monkeypatch.setenv("STRESSKIT_TODAY", today)
    seen = []
    monkeypatch.setattr(base, "display", lambda obj: seen.append(getattr(obj, "data", "")))
    page = view.open(book.root, unit, "report")
    getattr(page, call)()
    return "".join(x for x in seen if isinstance(x, str))


def test_overdue_and_followup_flags_on_fixed_dates():
    a = actions.Action("hum", "Tiltag", deadline="2026-11-15", followup="2026-12-01")
    assert not a.overdue(date(2026, 11, 15)) and a.overdue(date(2026, 11, 16))
    assert not actions.followup_due(a, date(2026, 11, 30)) and actions.followup_due(a, date(2026, 12, 1))
    assert actions.flags(a, date(2026, 12, 2)) == ["Forsinket: fristen var 15.11.2026", "Opfølgning: 01.12.2026"]
    a.status = "gennemfoert"
    assert actions.flags(a, date(2027, 1, 1)) == []  # a finished action is never late


def test_flags_show_in_notebook_and_in_batch_index(book, monkeypatch, tmp_path):
    early = shown(monkeypatch, book, "hum", "follow_up", today="2026-10-30")
    assert "Ingen opgaver er forsinkede" in early
    # Humaniora's own task is late; the institution's IGLO agreement is not a task and never late
    late = shown(monkeypatch, book, "hum", "follow_up", today="2026-11-16")
    assert "1 opgave eller aftale kræver opmærksomhed" in late and "Forsinket: fristen var 15.11.2026" in late
    assert "31.10.2026" not in late
    # once its review date (20.11.2026) has passed, the institution's agreement is to be discussed again
    later = shown(monkeypatch, book, "hum", "follow_up", today="2026-11-21")
    assert "2 opgaver eller aftaler kræver opmærksomhed" in later
    assert "Skal drøftes igen: aftalt til 20.11.2026" in later and "fælles for institutionen" in later
    nat = shown(monkeypatch, book, "nat", "follow_up", today="2026-11-16")
    assert "15.11.2026" not in nat  # another unit's task stays in its own report
    from stresskit import batch

    monkeypatch.setenv("STRESSKIT_TODAY", "2026-11-21")
    summary = batch.Summary(tmp_path)
    batch.write_index(book, summary, [], book.ordered(), {})
    index = summary.index.read_text(encoding="utf-8")
    rows = {
        m[1]: m[2]
        for m in re.finditer(r"<tr><th scope=row class=d\d><a href=[^>]+>([^<]+)</a></th>(.*?)</tr>", index, re.S)
    }
    # each row counts the unit's own only: Humaniora's one late task and two agreements
    assert "<td>1 opgave, <b class=l>⚠ 1 forsinket</b>; 2 aftaler</td>" in rows["Humaniora"]
    # the institution's own: two agreements, one to be discussed again; never added to the units' rows
    assert "<td>0 opgaver; 2 aftaler, <b class=l>1 til ny drøftelse</b></td>" in rows["Fjordby Gymnasium"]
    assert "<td>0 opgaver</td>" in rows["Naturvidenskab"]
    # a group is marked for its units' own late tasks
    summaries = dict(re.findall(r"<summary>([^<]+?) <span class='sk-muted'>(.*?)</span></summary>", index, re.S))
    assert "⚠ egne forsinkede opgaver i 1" in summaries["Undervisning"]
    assert "⚠" not in summaries["Administration"]


def test_an_action_from_04_appears_in_the_iglo_grid(book, monkeypatch):
    store = Store(book.store_path)
    view = forms.FormView(guide.default().forms["opfoelgning"], store, "nat")
    field = view.fields["status.opfoelgning.opgaver"]
    field.what.value = "Kortlæg forberedelsestiden"
    field.save()
    unit = shown(monkeypatch, book, "nat", "iglo")
    assert "Kortlæg forberedelsestiden" in unit and "Ingen fase endnu" in unit
    whole = shown(monkeypatch, book, "fjordby", "iglo")
    assert "Kortlæg forberedelsestiden</b> <small>(Naturvidenskab)</small>" in whole
    assert "Stresspolitik med klar rollefordeling" in whole  # placed: organisation × forebyggelse


def test_iglo_editor_places_and_closes_an_action(book):
    store = Store(book.store_path)
    editor = forms.ActionEditor(store, guide.default(), {"hum": "Humaniora"}, "hum")
    editor.measure.value, editor.level.value, editor.phase.value = (
        "Buddyordning for nye lærere",
        "gruppe",
        "forebyggelse",
    )
    editor.deadline.value = "01.02.2027"
    saved = editor.save()
    assert (saved.level, saved.phase, saved.deadline, saved.recommendation) == (
        "gruppe",
        "forebyggelse",
        "2027-02-01",
        "handleplan",
    )
    editor.pick.value = saved.id
    editor.status.value = "gennemfoert"
    editor.save()
    [current] = [a for a in actions.for_unit(store, "hum") if a.id == saved.id]
    assert current.status == "gennemfoert" and len(store.action_history(saved.id)) == 2


def test_after_a_case_the_question_is_asked_only_once_it_is_over(book, monkeypatch):
    html = shown(monkeypatch, book, "hum", "after_case")
    assert "Kontakten under sygemeldingen skal aftales fra start" in html
    assert "Følg op" not in html  # the notebook's heading names the section; the form's title would repeat it
    html = shown(monkeypatch, book, "nat", "after_case")
    assert "Ingen svar endnu." in html and "Skal vi aftale noget andet" not in html  # nothing answered: one line
    assert "stressforløb" not in html  # not the form's title beneath the section's own heading


def test_xlsx_export_round_trips(book, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    assert cli.main(["export-plan", str(book.root), "--out", str(out)]) == 0
    with Store(book.store_path) as store:
        expected = {(a.measure, a.responsible, a.deadline, a.followup) for a in actions.for_unit(store)}
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Fjordby Gymnasium" and "Humaniora" in wb.sheetnames and len(wb.sheetnames) == 16
    ws = wb["Fjordby Gymnasium"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Enhed", "Problem", "Løsning (tiltag)", "Ansvarlig", "Gennemføres senest", "Følges op"]
    assert ws.freeze_panes == "A2" and ws.column_dimensions["C"].width > 20
    got = set()
    for row in ws.iter_rows(min_row=2, values_only=True):
        values = dict(zip(header, row))
        for key in ("Gennemføres senest", "Følges op"):
            assert values[key] is None or isinstance(values[key], datetime)
        iso = [values[k].date().isoformat() if values[k] else None for k in ("Gennemføres senest", "Følges op")]
        got.add((values["Løsning (tiltag)"], values["Ansvarlig"] or "", *iso))
    assert got == expected
    hum = [r[2] for r in wb["Humaniora"].iter_rows(min_row=2, values_only=True)]
    assert "Gennemgå fagfordelingen for foråret med fokus på eksamensperioden" in hum and len(hum) == 3


def test_csv_export_in_the_danish_excel_dialect(book, tmp_path):
    out = tmp_path / "plan.csv"
    assert cli.main(["export-plan", str(book.root), "--out", str(out), "--units", "hum"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2] == "Løsning (tiltag)" and len(rows) == 4
    assert [
        "Humaniora",
        "Stor arbejdsmængde og tidspres",
        "Gennemgå fagfordelingen for foråret med fokus på eksamensperioden",
        "Uddannelseschef og AMR",
        "15-11-2026",
    ] == rows[1][:5]
    assert cli.main(["export-plan", str(book.root), "--out", str(tmp_path / "plan.pdf")]) == 2
