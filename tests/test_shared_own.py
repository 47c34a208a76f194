"""The one rule for shared and own, checked against the example's reports as a unit leader and the AMO
read them (issue 21, items 1 and 2).

Every claim is recomputed here from the store (SQLite, read with sqlite3), institution.yaml,
signals.csv and the content file (guide.yaml, read with yaml) — never from overblik, shared or the
views that wrote the pages. The reports are built once per session, as `stresskit run` builds them, as of 21.11.2026.
"""

import csv
import html
import io
import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml

from stresskit import actions

from conftest import EXAMPLE_TODAY, ROOT

TODAY = date(2026, 11, 21)
CONTENT = ROOT / "stresskit" / "content" / "guide.yaml"
SCOPES = {"unit", "amo_group", "institution"}


# --- what the content file says -------------------------------------------------------------------
def content() -> dict:
    return yaml.safe_load(CONTENT.read_text(encoding="utf-8"))


def test_every_question_in_the_content_says_who_answers_it():
    forms = content()["forms"]
    assert forms
    for form in forms:
        scopes = {q.get("scope") for q in form["questions"]}
        assert scopes <= SCOPES and None not in scopes, (form["id"], scopes)
        assert len(scopes) == 1, (form["id"], scopes)  # one form, one holder


def test_a_question_without_scope_is_refused_with_the_field_named(tmp_path):
    from stresskit import guide
    from stresskit.errors import InputError

    text = CONTENT.read_text(encoding="utf-8").replace(
        "- id: aftaler.grundlag\n        scope: institution\n", "- id: aftaler.grundlag\n", 1
    )
    assert text != CONTENT.read_text(encoding="utf-8")
    (tmp_path / "guide.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        guide.load(tmp_path / "guide.yaml")
    said = "\n".join(str(p) for p in caught.value.problems)
    assert "scope" in said and "unit, amo_group, institution" in said


# --- the example, built once --------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(example_batch):
    """The example's batch as of TODAY, shared by the session (conftest)."""
    assert TODAY.isoformat() == EXAMPLE_TODAY
    folder, summary = example_batch
    return folder, summary.out


class Example:
    """The example as the test reads it itself: the tree, the store's latest rows, the signals file."""

    def __init__(self, folder: Path):
        inst = yaml.safe_load((folder / "institution.yaml").read_text(encoding="utf-8"))
        self.units = {u["id"]: u for u in inst["units"]}
        self.root = next(u for u, x in self.units.items() if not x.get("parent"))
        self.groups = inst.get("amo_groups") or []
        db = sqlite3.connect(folder / "stresskit.sqlite")
        self.answers: dict[str, dict] = {}
        for unit, question, value in db.execute(
            "SELECT unit, question, value FROM answers ORDER BY at, seq"
        ):  # the latest row wins
            self.answers.setdefault(unit, {})[question] = json.loads(value)
        latest = {}
        for action_id, unit, data in db.execute("SELECT action_id, unit, data FROM actions ORDER BY at, seq"):
            latest[action_id] = (unit, json.loads(data))
        self.actions = list(latest.values())
        db.close()
        text = (folder / "signals.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        last = max(r["periode"] for r in rows)
        self.signal_rows = {r["enhed"]: r for r in rows if r["periode"] == last}
        guide = content()
        self.no_progress = {
            s["id"]: {str(o["id"]) for o in s["options"] if o.get("progress") is False} for s in guide["scales"]
        }

    def names(self, unit: str) -> str:
        return self.units[unit]["name"]

    def ancestors(self, unit: str) -> list[str]:
        chain = [unit]
        while self.units[chain[-1]].get("parent"):
            chain.append(self.units[chain[-1]]["parent"])
        return chain

    def below(self, unit: str) -> list[str]:
        return [u for u in self.units if u != unit and unit in self.ancestors(u)]

    def holder(self, unit: str, scope: str) -> str:
        if scope == "institution" or (scope == "amo_group" and unit == self.root):
            return self.root
        if scope == "amo_group":
            for u in self.ancestors(unit):
                for g in self.groups:
                    if u in g["units"]:
                        return f"amg:{g['id']}"
            return self.root
        return unit

    def progressed(self, holder: str, question) -> bool:
        value = self.answers.get(holder, {}).get(question.id)
        if value in (None, "", []):
            return False
        return not (question.scale and str(value) in self.no_progress.get(question.scale, set()))

    def signals_recorded(self, unit: str) -> set[str]:
        cover = {unit, *self.below(unit)}
        return {
            f"apv.signal.{k}"
            for u, row in self.signal_rows.items()
            if u in cover
            for k, v in row.items()
            if k not in ("enhed", "periode") and v not in ("", None)
        }

    def open_items(self, unit: str) -> tuple[list, list]:
        """The unit's own open tasks and open agreements (entries of recommendation 6's IGLO plan)."""
        mine = [d for u, d in self.actions if u == unit and d.get("status", "planlagt") in ("planlagt", "i_gang")]
        return (
            [d for d in mine if d.get("recommendation") != "handleplan"],
            [d for d in mine if d.get("recommendation") == "handleplan"],
        )


def counted(recommendation: str) -> list:
    """The questions of a recommendation that progress is about (notes and action fields are no answers),
    with their scope, as the content file expands them."""
    from stresskit import guide

    g = guide.load(CONTENT)  # the content file itself, loaded fresh
    return [
        q
        for f in g.forms.values()
        if f.recommendation == recommendation
        for q in f.questions
        if q.kind != "action" and not q.id.endswith(".noter") and q.column != "Noter"
    ]


def progress_cells(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r"<td class='sk-state'>[^<]*</td><td>([^<]*)</td>", page)]


def visible(page: str) -> str:
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- progress ---------------------------------------------------------------------------------------
def test_each_units_progress_counts_only_its_own_answers_and_shows_the_shared_apart(built):
    folder, out = built
    ex = Example(folder)
    recs = [r["id"] for r in content()["recommendations"]]
    for unit in ex.units:
        cells = progress_cells((out / unit / "overblik.html").read_text(encoding="utf-8"))
        assert len(cells) == 6, unit
        for rec, cell in zip(recs, cells):
            questions = counted(rec)
            own = [q for q in questions if ex.holder(unit, q.scope) == unit]
            done = sum(ex.progressed(unit, q) or q.id in ex.signals_recorded(unit) for q in own)
            if own:
                assert cell.startswith(f"{done} af {len(own)} spørgsmål besvaret"), (unit, rec, cell)
            shared = [q for q in questions if ex.holder(unit, q.scope) == ex.root != unit]
            if shared:
                got = sum(ex.progressed(ex.root, q) for q in shared)
                assert re.search(rf"for institutionen: {got} af {len(shared)}\b", cell), (unit, rec, cell)
            grouped = [q for q in questions if ex.holder(unit, q.scope).startswith("amg:")]
            if grouped:
                key = ex.holder(unit, "amo_group")
                got = sum(ex.progressed(key, q) for q in grouped)
                assert f"ælles for arbejdsmiljøgruppen: {got} af {len(grouped)}," in cell, (unit, cell)
            assert cell.count("besvaret") == bool(own) + bool(shared or grouped), (unit, cell)


def test_mangler_kontakt_and_ikke_startet_are_never_progress(built):
    folder, out = built
    ex = Example(folder)
    missing = [u for u in ex.units if ex.answers.get(u, {}).get("status.kontakt") == "mangler"]
    assert missing  # the example has units without contact
    for unit in missing:
        rec4 = progress_cells((out / unit / "overblik.html").read_text(encoding="utf-8"))[3]
        own = sum(
            1 for q, v in ex.answers.get(unit, {}).items() if q.startswith("status.") and q.endswith(".vurdering") and v
        )
        assert rec4.startswith(f"{own} af 28 spørgsmål besvaret"), (unit, rec4)  # the «mangler» answer adds nothing
    hum = ex.answers["hum"]
    assert hum["apv.fase.sygefravaer"] == "ikke_startet"
    rec1 = progress_cells((out / "hum" / "overblik.html").read_text(encoding="utf-8"))[0]
    phases = sum(1 for k, v in hum.items() if k.startswith("apv.fase.") and v in ("i_gang", "gennemfoert"))
    assert rec1.startswith(f"{phases + len(ex.signals_recorded('hum'))} af 9 spørgsmål besvaret"), rec1


def test_the_institutions_overblik_rolls_up_its_units(built):
    folder, out = built
    ex = Example(folder)
    cells = progress_cells((out / ex.root / "overblik.html").read_text(encoding="utf-8"))
    below = ex.below(ex.root)
    for n, rec in enumerate(r["id"] for r in content()["recommendations"]):
        per_unit = [q for q in counted(rec) if q.scope == "unit"]
        if not per_unit:
            assert "enheder" not in cells[n], cells[n]
            continue
        answered = sum(1 for u in below if any(ex.progressed(u, q) or q.id in ex.signals_recorded(u) for q in per_unit))
        assert f"svar fra {answered} af {len(below)} enheder" in cells[n], (rec, cells[n])
    assert "svar fra 10 af 14 enheder" in cells[3]  # recommendation 4: not «ikke startet / 0 af 28»
    assert (
        "Ikke startet"
        not in visible((out / ex.root / "overblik.html").read_text(encoding="utf-8"))
        .split("De seks anbefalinger")[1]
        .split("egne opgaver")[0]
        .split("4. Gør status")[1][:40]
    )


# --- tasks and agreements ---------------------------------------------------------------------------
def test_task_counts_are_the_units_own_and_the_institutions_apart(built):
    folder, out = built
    ex = Example(folder)
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = {
        html.unescape(m[1]): m[2]
        for m in re.finditer(r"<tr><th scope=row class=d\d><a href=[^>]+>([^<]+)</a></th>(.*?)</tr>", index, re.S)
    }
    late_units = 0
    for unit in ex.units:
        tasks, agreements = ex.open_items(unit)
        overdue = sum(1 for d in tasks if d.get("deadline") and date.fromisoformat(d["deadline"]) < TODAY)
        review = sum(
            1
            for d in agreements
            if (d.get("followup") or d.get("deadline"))
            and date.fromisoformat(d.get("followup") or d["deadline"]) < TODAY
        )
        late_units += bool(overdue) and unit != ex.root
        cell = visible(
            re.findall(
                r"<td>([^<]*(?:<b class=l>[^<]*</b>[^<]*)*)</td><td><a href=[^>]+>rapport", rows[ex.names(unit)]
            )[0]
        )
        words = f"{len(tasks)} opgave{'r' if len(tasks) != 1 else ''}"
        assert cell.startswith(words), (unit, cell)
        assert (f"⚠ {overdue} forsinket" in cell) == bool(overdue), (unit, cell)
        assert (f"{len(agreements)} aftale" in cell) == bool(agreements), (unit, cell)
        assert (f"{review} til ny drøftelse" in cell) == bool(review), (unit, cell)
        page = visible((out / unit / "overblik.html").read_text(encoding="utf-8"))
        head = re.search(r"egne opgaver og aftaler \(([^)]*)\)", page).group(1)
        assert head.startswith(f"{len(tasks)} åben" if len(tasks) == 1 else f"{len(tasks)} åbne"), (unit, head)
        assert f"{len(agreements)} aftale" in head, (unit, head)
        if unit != ex.root:  # the institution's own, counted apart under their own heading
            t_root, a_root = ex.open_items(ex.root)
            theirs = re.search(r"Fælles for institutionen, gælder også her \(([^)]*)\)", page).group(1)
            assert theirs.startswith(f"{len(t_root)} åbne opgaver" if len(t_root) != 1 else "1 åben opgave"), theirs
            assert f"{len(a_root)} aftaler" in theirs, theirs
    # the groups flag only units with overdue tasks of their own
    assert index.count("egne forsinkede opgaver i") == sum(
        1
        for top in ex.units
        if ex.units[top].get("parent") == ex.root
        and any(
            ex.open_items(u)[0]
            and any(d.get("deadline") and date.fromisoformat(d["deadline"]) < TODAY for d in ex.open_items(u)[0])
            for u in [top, *ex.below(top)]
        )
    )
    assert late_units == 1  # Humaniora only; before, every row counted the institution's late entry


def test_an_iglo_entry_is_an_agreement_reviewed_never_overdue():
    a = actions.Action(
        "fjordby",
        "Lederen tager samtalen",
        deadline="2026-10-31",
        followup="2026-11-20",
        recommendation="handleplan",
        level="ledelse",
        phase="foerste_tegn",
    )
    assert a.is_agreement and a.review == "2026-11-20"
    assert not a.overdue(date(2030, 1, 1))  # an agreement never falls overdue
    assert not a.review_due(date(2026, 11, 20)) and a.review_due(date(2026, 11, 21))
    assert actions.flags(a, date(2026, 11, 21)) == ["Skal drøftes igen: aftalt til 20.11.2026"]
    task = actions.Action("hum", "Gennemgå fagfordelingen", deadline="2026-11-15", recommendation="apv")
    assert not task.is_agreement and task.overdue(date(2026, 11, 16)) and not task.review_due(date(2030, 1, 1))


def test_next_steps_start_from_the_units_own_situation(built):
    folder, out = built
    ex = Example(folder)
    root_items = {d["measure"] for d in ex.open_items(ex.root)[0] + ex.open_items(ex.root)[1]}
    for unit in ex.units:
        if unit == ex.root:
            continue
        page = (out / unit / "overblik.html").read_text(encoding="utf-8")
        steps = (
            [
                visible(s)
                for s in re.findall(r"<li>(.*?)</li>", page.split("<ol class='sk-steps'>")[1].split("</ol>")[0])
            ]
            if "<ol class='sk-steps'>" in page
            else []
        )
        theirs = [i for i, s in enumerate(steps) if any(m in s for m in root_items)]
        assert all(i == len(steps) - 1 for i in theirs), (unit, steps)  # the institution's come last, if at all
        tasks, _ = ex.open_items(unit)
        late = sorted(
            (d for d in tasks if d.get("deadline") and date.fromisoformat(d["deadline"]) < TODAY),
            key=lambda d: d["deadline"],
        )
        if late:
            assert late[0]["measure"] in steps[0], (unit, steps)
    hum = visible((out / "hum" / "overblik.html").read_text(encoding="utf-8"))
    assert "Følg op på den forsinkede opgave «Gennemgå fagfordelingen" in hum


# --- reports ----------------------------------------------------------------------------------------
def test_no_unit_report_says_nothing_is_agreed_where_the_institution_agreed(built):
    folder, out = built
    ex = Example(folder)
    phases = {f"{p['number']}. {p['title']}": p["id"] for p in content()["iglo_phases"]}
    for unit in ex.units:
        report = visible((out / unit / "index.html").read_text(encoding="utf-8"))
        agreed = {d.get("phase") for u in ex.ancestors(unit) + ex.below(unit) for d in ex.open_items(u)[1]}
        for said in re.findall(r"Intet aftalt endnu: ([^.]*(?:\.[^.]+)*?)\.", report):
            for label, phase in phases.items():
                if label in said:
                    assert phase not in agreed, (unit, label)
        # the institution's answer to a question it answers for everyone is shown, marked as shared
        for form in content()["forms"]:
            qs = [q for q in form["questions"] if q["scope"] == "institution"]
            if not qs or unit == ex.root:
                continue
            if any(k.startswith(qs[0]["id"].split("{")[0]) for k in ex.answers.get(ex.root, {})):
                assert f"{form['title']}: ingen svar endnu" not in report, (unit, form["id"])
    hum = visible((out / "hum" / "index.html").read_text(encoding="utf-8"))
    assert "Nærmeste leder tager samtalen; AMR kan være med" in hum  # the institution's answer on the roles
    assert "Fælles for institutionen : svarene er givet én gang for alle" in hum
    assert "Nærmeste leder tager en samtale inden for en uge ved tegn på stress (fælles for institutionen)" in hum


def test_the_institutions_report_rolls_up_the_units_ratings(built):
    folder, out = built
    ex = Example(folder)
    page = (out / ex.root / "04_status.html").read_text(encoding="utf-8")
    below = ex.below(ex.root)
    score = {"lykkes": 1.0, "delvist": 0.5, "lykkes_ikke": 0.0}
    rated_any = 0
    rows = re.findall(
        r"<tr><th scope=.row.>(\d)\. [^<]*</th><td class=.sk-num.>(\d+)</td><td>(\d+)[^/]*(?:/small>)?</td>"
        r"<td>(\d+)",
        page,
    )
    expected = []
    for g in content()["greb"]:
        rated = weak = strong = 0
        for u in below:
            values = [ex.answers.get(u, {}).get(f"status.greb.{g['id']}.{q['id']}.vurdering") for q in g["questions"]]
            got = [score[v] for v in values if v in score]
            if not got:
                continue
            rated += 1
            mean = sum(got) / len(got)
            weak += "lykkes_ikke" in values or mean < 0.5
            strong += mean == 1.0
        expected.append((rated, weak, strong))
    for u in below:
        rated_any += any(v in score for k, v in ex.answers.get(u, {}).items() if k.startswith("status.greb."))
    assert [(int(r), int(w), int(s)) for _n, r, w, s in rows] == expected
    text = visible(page)
    assert f"{rated_any} af {len(below)} enheder under {ex.names(ex.root)} har vurderet mindst ét greb" in text
    contact = {u: ex.answers.get(u, {}).get("status.kontakt") for u in below}
    good = [ex.names(u) for u in below if contact[u] == "god"]
    missing = [ex.names(u) for u in below if contact[u] == "mangler"]
    assessed = sum(v is not None for v in contact.values())
    assert (
        f"kontakten er vurderet for {assessed} af {len(below)} enheder under {ex.names(ex.root)}: god i {len(good)} "
        f"({', '.join(good)}), mangler i {len(missing)} ({', '.join(missing)})"
    ) in text


def test_a_shared_form_opened_live_for_a_unit_saves_for_the_institution(built):
    folder, _out = built
    from stresskit.views import samarbejde

    page = samarbejde.open(folder, "hum", "live")
    page.form("rollefordeling")
    assert page.views["rollefordeling"].unit == "fjordby"
    from stresskit.views import paavirkninger

    own = paavirkninger.open(folder, "hum", "live")
    own.form("paavirkninger_dialog")
    assert own.views["paavirkninger_dialog"].unit == "hum"
