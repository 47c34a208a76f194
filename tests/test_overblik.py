"""The overblik (a unit's first page) and the index of all units, without Jupyter: what they hold
for two units of the example on fixed dates, how withheld figures are worded, escaping, and the
index's size for a large institution."""

import random
from datetime import date

import pytest

from stresskit import actions, answers, overblik
from stresskit.batch import Run
from stresskit.batch import pages as site
from stresskit.store import Store
from stresskit.workbook import Workbook

from conftest import EXAMPLE, copy_example

TODAY = date(2026, 11, 21)
PCT = "\u00a0%"  # a share is printed with a no-break space, so «64 %» never breaks across lines


def nbsp(text: str) -> str:
    return text.replace(" %", PCT)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("overblik") / "example")
    b = Workbook.open(root)
    answers.import_(b, root / "answers.yaml")
    return b


def figures(items):
    """The figures, their no-break spaces read as spaces (the Humaniora test checks one as written)."""
    return [(f.title, f.unit.replace(PCT, " %"), f.institution.replace(PCT, " %"), f.higher, f.change) for f in items]


def test_humaniora_overblik_on_21_november(book):
    s = overblik.summarize(book, "hum", today=TODAY)
    assert (s.name, s.path, s.today) == ("Humaniora", "Fjordby Gymnasium › Undervisning › Humaniora", "21.11.2026")
    assert (s.apv.round, s.apv.previous) == ("2026", "2024")
    assert s.apv.respondents == "26 besvarelser af 30 ansatte (87\u00a0%)"
    assert s.apv.exposures[0].unit == "64\u00a0%"
    # «markant højere» against the rest (the institution without Humaniora), Fisher's exact test:
    # 18 of 26 against 38 of 92, p = 0.015; violence 8 of 26 against 10 of 92, p = 0.026; workload 16 of 25
    # against 41 of 92 (p = 0.11) is not
    assert figures(s.apv.exposures) == [
        ("Arbejdsmængde og tidspres", "64 %", "49 %", False, "▼ 25 point, tydeligt bedre"),
        ("Uklare og modstridende krav", "8 %", "23 %", False, "−7 point"),
        ("Høje følelsesmæssige krav", "69 %", "47 %", True, "−5 point"),
        ("Krænkende handlinger", "4 %", "4 %", False, "−7 point"),
        ("Arbejdsrelateret vold", "31 %", "15 %", True, "+5 point"),
    ]
    assert figures(s.apv.resources) == [
        ("Indflydelse", "8 %", "10 %", False, "±0 point"),
        ("Støtte fra leder", "12 %", "16 %", False, "+4 point"),
        ("Støtte fra kolleger", "0 %", "3 %", False, ""),  # not asked in 2024: no change to show
    ]
    assert (s.signals_period, s.signals_previous) == ("2026", "2025")
    assert [(x.title, x.value, x.previous) for x in s.signals] == [
        ("Stressrelaterede sygemeldinger", "3", "4"),
        ("Sygefravær", "12,4", "14,0"),
        ("Personaleomsætning", "6,7", "10,0"),
        ("Personalekonflikter", "2", "3"),
    ]
    # only what Humaniora answers itself counts (the four signals are in signals.csv; «ikke startet» is no
    # progress); the institution's and the AMO group's answers stand beside as «fælles»
    assert [(p.number, p.state, p.text) for p in s.progress] == [
        (1, "started", "6 af 9 spørgsmål besvaret, 1 åben opgave, heraf 1 forsinket"),
        (2, "shared", "Fælles for institutionen: 9 af 17 besvaret"),
        (3, "started", "12 af 16 spørgsmål besvaret"),
        (4, "started", "24 af 28 spørgsmål besvaret"),
        (5, "shared", "Fælles for arbejdsmiljøgruppen: 1 af 13, for institutionen: 5 af 7 besvaret"),
        (6, "done", "3 af 3 spørgsmål besvaret; fælles for institutionen: 6 af 10 besvaret, 2 aftaler"),
    ]
    # its own open tasks and agreements, overdue first; the institution's apart, under their own heading
    assert [(a.measure[:30], a.whose, a.deadline, a.status) for a in s.actions] == [
        ("Gennemgå fagfordelingen for fo", "", "15.11.2026", "Forsinket"),
        ("Faggruppen aftaler fælles rett", "", "20.01.2027", "Aftale"),  # the date: when to discuss it again
        ("Gradvis tilbagevenden med afta", "", "ingen dato", "Aftale"),
    ]
    assert [(a.measure[:30], a.deadline, a.status) for a in s.institution_actions] == [
        ("Nærmeste leder tager en samtal", "20.11.2026", "Aftale, skal drøftes igen"),
        ("Stresspolitik med klar rollefo", "01.06.2027", "Aftale"),
    ]
    assert s.counts == {
        "own": {"tasks": 1, "overdue": 1, "followup": 0, "agreements": 2, "review_due": 0},
        "institution": {"tasks": 0, "overdue": 0, "followup": 0, "agreements": 2, "review_due": 1},
    }
    # the unit's own situation; the institution's agreement is flagged in its own line, not a step here
    assert s.steps == [
        nbsp(step)
        for step in [
            "Følg op på den forsinkede opgave «Gennemgå fagfordelingen for foråret med fokus på eksamensperioden»: "
            "fristen var 15.11.2026, ansvarlig er Uddannelseschef og AMR. Aftal en ny frist eller markér den som gennemført.",
            "«Høje følelsesmæssige krav» fylder (69 % udsat mod 47 % i hele institutionen, markant højere end i "
            "resten af institutionen), og grebet "
            "«Planlægning og tilrettelæggelse» lykkes ikke godt nok: tag det op i opfølgningsdialogen (anbefaling 4).",
        ]
    ]
    page = site.overblik_page(s)
    assert (
        "⚠ «Nærmeste leder tager en samtale inden for en uge ved tegn på stress»: skal drøftes igen (aftalt til "
        "20.11.2026)"
    ) in page


def test_the_institutions_overblik_on_21_november(book):
    s = overblik.summarize(book, "fjordby", today=TODAY)
    assert s.is_institution and s.apv.respondents == "118 besvarelser af 136 ansatte (87\u00a0%)"
    assert all(f.institution == "" and not f.higher for f in s.apv.exposures)  # no comparison with itself
    assert [f.change for f in s.apv.exposures][3] == "▼ 12 point, tydeligt bedre"
    # the AMO rated the contact of every unit: recommendation 4 is rolled up, not «ikke startet»
    assert [(p.number, p.state, p.text) for p in s.progress][3] == (
        4,
        "started",
        "0 af 28 spørgsmål besvaret for institutionen selv; svar fra 10 af 14 enheder",
    )
    assert [(a.measure[:20], a.status) for a in s.actions] == [
        ("Nærmeste leder tager", "Aftale, skal drøftes igen"),
        ("Stresspolitik med kl", "Aftale"),
    ]
    assert s.institution_actions == []
    assert s.below == (3, 1)  # the units' own open and overdue tasks, counted
    assert s.steps == [
        "Drøft aftalen «Nærmeste leder tager en samtale inden for en uge ved tegn på stress» igen: den skulle "
        "drøftes 20.11.2026 (ansvarlig: Alle ledere). Bekræft den, ret den eller afslut den.",
        "Kontakten mangler til 3 enheder uden en plan for at få den: Økonomi og løn, Teknisk service, "
        "Kommunikation. Aftal, hvem der tager kontakt (anbefaling 4).",
    ]


def test_steps_follow_the_date(book):
    before = overblik.summarize(book, "hum", today=date(2026, 10, 30))
    assert not any(a.overdue for a in before.actions + before.institution_actions)
    assert before.steps[0].startswith("«Høje følelsesmæssige krav» fylder")
    assert len(before.steps) == 1  # no overdue task, no agreement to review, every recommendation is started


def test_withheld_figures_say_the_true_reason(book):
    small = overblik.summarize(book, "kommunikation", today=TODAY)
    assert small.apv.respondents == "Færre end 5 besvarelser"  # it starts a sentence on the page
    assert {(f.unit, f.unit_note) for f in small.apv.exposures} == {("skjult", 1), ("skjult", 2)}
    assert small.apv.notes == [
        "Skjult: færre end 5 svar.",
        "Skjult: færre end 10 svar.",
    ]  # 10 for harassment and violence
    assert small.signals == [] and "kun for enheder med mindst 10 ansatte" in small.signals_note
    hidden = overblik.summarize(book, "adm", today=TODAY)
    assert hidden.apv.respondents == "Antallet af besvarelser er skjult, så en mindre gruppe ikke kan regnes ud"
    assert "Skjult, så en mindre gruppe ikke kan regnes ud ved at trække de viste tal fra hinanden." in hidden.apv.notes
    html = site.overblik_page(small)
    assert "skjult<sup>1</sup>" in html and "<sup>2</sup> Skjult: færre end 10 svar." in html
    assert "%" not in "".join(f.unit for f in small.apv.exposures)


def test_a_broken_survey_gives_the_fixed_line_and_quotes_nothing(tmp_path):
    root = copy_example(tmp_path / "book")
    text = (root / "apv" / "2026.csv").read_text(encoding="utf-8-sig").splitlines()
    text[2] = text[2].replace(";4;5;1;", ";HEMMELIG-7741;5;1;", 1)
    (root / "apv" / "2026.csv").write_text("\n".join(text), encoding="utf-8")
    s = overblik.summarize(Workbook.open(root), "hum", today=TODAY)
    assert s.apv is None and s.apv_note == "APV-filen har fejl – kør stresskit validate"
    assert "HEMMELIG-7741" not in site.overblik_page(s)


def test_everything_a_user_typed_is_escaped(book, tmp_path):
    root = copy_example(tmp_path / "book")
    b = Workbook.open(root)
    with Store(b.store_path) as store:
        actions.save(
            store,
            actions.Action(
                "hum", "<script>alert(1)</script>", responsible="<img src=x onerror=alert(2)>", deadline="2026-11-01"
            ),
        )
    html = site.overblik_page(overblik.summarize(b, "hum", today=TODAY))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "⚠ Forsinket" in html and "01.11.2026" in html


def large_institution(root, units=4000, groups=40, per_unit=6, seed=7):
    """A workbook of `units` units under `groups` top-level units with two synthetic APV rounds."""
    rng = random.Random(seed)
    lines = ["name: Storby Kommune", "sector: kommune", "units:", "- id: root", "  name: Storby Kommune"]
    names = []
    for g in range(groups):
        lines += [f"- id: g{g:02d}", f"  name: Område {g + 1}", "  parent: root"]
        for u in range(units // groups - 1):
            name = f"Afdelingen for opgaver nr. {g * 100 + u}"
            lines += [f"- id: u{g:02d}_{u:03d}", f"  name: {name}", f"  parent: g{g:02d}", "  headcount: 8"]
            names.append(name)
    (root / "apv").mkdir(parents=True)
    (root / "institution.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "apv" / "mapping.yaml").write_text(
        (EXAMPLE / "apv" / "mapping.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    for rnd, items in (("2024", 14), ("2026", 15)):
        rows = ["Svar-id;Afdeling;" + ";".join(f"q{i:02d}" for i in range(1, items + 1))]
        for name in names:
            for _r in range(per_unit - (rng.random() < 0.2) * 3):
                rows.append(f"R{len(rows)};{name};" + ";".join(str(rng.randint(1, 5)) for _ in range(items)))
        (root / "apv" / f"{rnd}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Workbook.open(root)


def test_the_index_of_4000_units_stays_under_2_mb(tmp_path):
    b = large_institution(tmp_path / "big")
    units = b.ordered()
    assert len(units) == 4001
    runs = [Run(u, "01_apv", "ok") for u in units] + [
        Run(units[5], "02_aftaler", "failed", "Fejl i celle 3: ValueError")
    ]
    html = site.index_page(b, units, runs, ["01_apv", "02_aftaler"], 1234.5, "21.11.2026 10:00", today=TODAY)
    size = len(html.encode("utf-8"))
    print(f"index for {len(units)} units: {size / 1e6:.2f} MB")
    assert size < 2_000_000
    assert (
        html.count("<details class='sk-group'") == 40 and html.count("<details class='sk-group' open") == 1
    )  # the failed one
    assert f"✗ fejlede: anbefaling 2 for {b.unit_name(units[5])} – Fejl i celle 3: ValueError" in html
    assert "på 1234,5 s" in html


def test_a_very_long_action_is_cut_on_the_page(tmp_path):
    root = copy_example(tmp_path / "book")
    b = Workbook.open(root)
    with Store(b.store_path) as store:
        actions.save(store, actions.Action("hum", "Ord " * 500, responsible="Navn " * 100, deadline="2026-11-01"))
    s = overblik.summarize(b, "hum", today=TODAY)
    [line] = [a for a in s.actions if a.measure.startswith("Ord")]
    assert len(line.measure) <= overblik.MAX_TEXT + 2 and line.measure.endswith(" …")
    assert all(len(step) < 400 for step in s.steps)
