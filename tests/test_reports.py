"""The notebooks executed for real for every unit of the example, exported to HTML and read back."""

import csv
import html
import io
import re

import nbformat
import papermill
import pytest

from stresskit import batch
from stresskit.workbook import Workbook

from conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "01_apv.ipynb"


@pytest.fixture(scope="session")
def built(example_batch):
    """The example, with its workshop answers, run for every unit like `make demo` does (conftest)."""
    return example_batch


def alt_texts(page: str) -> list[str]:
    """Every image's alt text as a reader hears it (written in either quote, its entities read)."""
    return [html.unescape(m[2]) for m in re.finditer(r"""alt=(["'])(.*?)\1""", page, re.S)]


def html_of(summary, unit, notebook="01_apv"):
    return (summary.out / unit / f"{notebook}.html").read_text(encoding="utf-8")


def test_every_unit_runs_and_the_index_links_to_it(built):
    folder, summary = built
    units = Workbook.open(folder).ordered()
    stems = [p.stem for p in batch.notebooks()]
    assert [(r.unit, r.notebook) for r in summary.runs] == [(u, s) for u in units for s in stems]
    assert not summary.failed
    index = summary.index.read_text(encoding="utf-8")
    for unit in units:  # each unit's overblik and full report; the full report links every recommendation
        assert f"<a href={unit}/overblik.html>" in index and f"<a href={unit}/index.html>rapport</a>" in index
        combined = (summary.out / unit / "index.html").read_text(encoding="utf-8")
        for stem in stems:
            assert (summary.out / unit / f"{stem}.html").is_file() and f"id='anbefaling-{stem[:2]}'" in combined
    assert (
        f"{len(summary.runs)} rapporter ({len(units)} enheder × {len(stems)} anbefalinger): {len(summary.runs)} lavet nu"
        in index
    )
    assert "0 fejlede" in index and "kørsler fejlede" not in index


def test_unit_below_min_group_shows_no_figure_of_its_own(built):
    _folder, summary = built
    html = html_of(summary, "adm_oekonomi")
    assert "færre end 5 besvarelser i Økonomi og løn" in html
    rows = re.findall(r"<tr><th scope=.row.>([^<]+)</th>(.*?)</tr>", html)
    figures = [(label, re.findall(r"<td class=.([^'\"]*).>([^<]*)</td>", cells)) for label, cells in rows]
    result_rows = [(label, cells) for label, cells in figures if len(cells) == 4]  # share, mean, n, institution
    assert len(result_rows) == 8  # five exposures and three resources
    for label, cells in result_rows:
        assert [c[1] for c in cells[:3]] == ["skjult"] * 3, label
        assert cells[3][0] == "sk-num" and cells[3][1].endswith("\u00a0%")  # the institution's share, beside


def test_no_survey_free_text_and_no_code_reaches_a_report(built):
    folder, summary = built
    text = (folder / "apv" / "2026.csv").read_text(encoding="utf-8-sig")
    comments = {r["Kommentar"] for r in csv.DictReader(io.StringIO(text), delimiter=";")} - {""}
    assert comments
    for run in summary.runs:
        html = summary.report(run).read_text(encoding="utf-8")
        assert not any(c in html for c in comments), run.unit
        assert "import stresskit" not in html and "page.apv_results" not in html and "Traceback" not in html
        assert "<script" not in html


def test_workshop_answers_and_actions_show_in_the_unit_report(built):
    _folder, summary = built
    html = html_of(summary, "hum")
    assert "Tre stresssygemeldinger på et år" in html and "Mette (AMR)" not in html  # who answered stays in the store
    assert "Gennemgå fagfordelingen for foråret" in html
    assert "26 besvarelser af 30 ansatte (87\u00a0%)" in html  # a no-break space: never «87» and «%» on two lines


def test_executed_notebook_keeps_the_parameters(built):
    _folder, summary = built
    nb = nbformat.read(summary.out / "hum" / "01_apv.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["unit"] == "hum"
    assert nb.metadata.papermill.parameters["mode"] == "report"


def test_reports_make_no_network_request_in_a_browser(built, browser):
    _folder, summary = built
    pages = (
        [summary.index]
        + [summary.report(r) for r in summary.runs]
        + [summary.out / u / "index.html" for u in {r.unit for r in summary.runs}]
    )
    page = browser.new_page()  # one page, each report loaded in turn: its requests are counted from its goto on
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    for path in pages:
        requests.clear()
        page.goto(path.as_uri(), wait_until="load")
        outside = [u for u in requests if not u.startswith(("file:", "data:"))]
        assert outside == [], f"{path}: {outside}"
        assert page.locator(".jp-CodeMirrorEditor, .jp-InputPrompt, .highlight, pre").count() == 0, path
        assert "Traceback" not in page.inner_text("body"), path
        assert page.eval_on_selector_all("img", "imgs => imgs.filter(i => !i.getAttribute('alt')).length") == 0, path
    page.close()


def run(tmp_path, folder, unit, mode, notebook=NOTEBOOK, engine=None):
    """The notebook executed by papermill: in a Jupyter kernel, or with engine="stresskit" in this
    process (what `stresskit run` uses; test_jupyter_way holds its outputs equal to a kernel's)."""
    out = tmp_path / f"{notebook.stem}-{unit or 'root'}-{mode}.ipynb"
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"workbook": str(folder), "unit": unit, "mode": mode},
        kernel_name="python3",
        engine_name=engine,
        progress_bar=False,
        cwd=str(notebook.parent),
    )
    return nbformat.read(out, as_version=4)


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_live_mode_runs_top_to_bottom_with_forms(example, tmp_path):
    nb = run(tmp_path, example, "kantine", "live")
    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    widgets = [o for o in outs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) >= 3  # name field, signals form, phases form


def test_unknown_unit_and_broken_survey_give_danish_messages(example, tmp_path):
    """Live (perhaps on a wall screen) and report alike: one line that quotes nothing from the
    files (the details may quote survey cells); a report run fails with it."""
    nb = run(tmp_path, example, "musik", "live")
    text = "".join(o.get("data", {}).get("text/html", "") for o in outputs(nb))
    assert "Enheden musik findes ikke" in text and str(example) not in text
    (example / "apv" / "2026.csv").write_text("Afdeling;q01\nHumaniora;x\n", encoding="utf-8")
    nb = run(tmp_path, example, "hum", "live")
    text = "".join(o.get("data", {}).get("text/html", "") for o in outputs(nb))
    assert not [o for o in outputs(nb) if o.output_type == "error"]
    assert "APV-filen har fejl – kør stresskit validate" in text
    assert "række" not in text and "2026.csv" not in text
    known = ", ".join(Workbook.open(example).ordered())
    for unit, line in (
        ("musik", f"Enheden musik findes ikke; kendte enheder er {known}."),
        ("hum", "APV-filen har fejl – kør stresskit validate"),
    ):
        with pytest.raises(papermill.PapermillExecutionError):
            run(tmp_path, example, unit, "report")
        nb = nbformat.read(tmp_path / f"01_apv-{unit}-report.ipynb", as_version=4)
        errors = [(o.ename, o.evalue, o.traceback) for o in outputs(nb) if o.output_type == "error"]
        assert errors == [("BrokenInput", line, [line])]
        assert "kolonne «q02»" not in nbformat.writes(nb)


@pytest.mark.parametrize(
    "stem,unit",
    [
        ("02_aftaler", "hum"),
        ("03_paavirkninger", "hum"),
        ("03_paavirkninger", ""),
        ("04_status", "service"),
        ("05_samarbejde", ""),
        ("05_samarbejde", "kantine"),
        ("06_handleplan", "hum"),
        ("06_handleplan", ""),
    ],
)
def test_notebooks_run_live_with_forms(example, tmp_path, stem, unit):
    """Each notebook's live forms (01's in a kernel above): the notebook is what is tested, so it runs in
    this process, which starts no kernel per case."""
    nb = run(tmp_path, example, unit, "live", ROOT / "notebooks" / f"{stem}.ipynb", engine="stresskit")
    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    assert len([o for o in outs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]) >= 3


def test_exposure_report_reads_dialogue_and_apv_side_by_side(built):
    _folder, summary = built
    html = html_of(summary, "hum", "03_paavirkninger")
    # the paragraph says once when an exposure is a strain; the list only marks the two that always are
    assert html.count("Altid en belastning") == 2 and html.count("forebygges og balanceres af ressourcer") == 1
    institution = html_of(summary, "fjordby", "03_paavirkninger")  # the legal definitions, quoted in full once
    assert (
        institution.count("Altid en belastning") == 2
        and institution.count("forebygges og balanceres af ressourcer") == 1
    )
    assert "Ubalance mellem det arbejde" in institution and "Ubalance mellem det arbejde" not in html
    assert "Bekendtgørelsens § 5" in html and "1,90 gange" in html and "Clausen" in html
    assert "Arbejdsgiverens tjekliste" in html and "(HR)" not in html
    alt = [a for a in alt_texts(html) if a.startswith("To søjlediagrammer")][0]
    assert "Arbejdsmængde og tidspres: Humaniora 64\u00a0%" in alt and "Afdækker 4, Forebygger 2" in alt
    assert "Arbejdspresset" not in html and "svære elevsamtaler fylder" in html


def test_heatmap_marks_every_withheld_cell_and_none_can_be_derived(built):
    from test_anonymity import derivable_small_groups

    from stresskit import apv

    folder, summary = built
    book = Workbook.open(folder)
    results = apv.aggregate(book, apv.load(book))
    html = html_of(summary, "fjordby", "03_paavirkninger")
    alt = [a for a in alt_texts(html) if a.startswith("Varmekort")][0]
    cells = dict(part.split(": ", 1) for part in alt.split("«skjult». ", 1)[1].rstrip(".").split("; "))
    for unit in book.ordered():
        shown = cells[book.unit_name(unit)]
        for e in ("arbejdsmaengde", "uklare_krav", "foelelsesmaessige_krav", "kraenkende_handlinger", "vold"):
            short = results.constructs[e].title
            row = results.table.loc[(unit, e)]
            if row["status"] == apv.SHOWN:
                assert f"{short} {row['share'] * 100:.0f}\u00a0%" in shown
            else:
                assert f"{short} skjult" in shown, (unit, e)
    # the audit: by linear algebra, no small group follows from all the shown cells together
    parents = {u.id: u.parent for u in book.units.values()}
    for e, construct in results.constructs.items():
        k = book.min_group_sensitive if construct.sensitive else book.min_group
        status = results.table.xs(e, level="construct")["status"]
        shown = set(status.index[status.isin([apv.SHOWN, apv.NO_ANSWERS])])
        assert derivable_small_groups(parents, _true_counts(folder, book, e)[1], shown, k) == []


def _true_counts(folder, book, construct):
    """Respondents with a score per unit, recomputed from the raw file (tests may look; reports may not)."""
    from stresskit import apv

    survey = apv.load(book)
    rnd = survey.latest
    scored = rnd._flags[construct].notna()
    direct = scored.groupby(rnd._units).sum().reindex(book.ordered(), fill_value=0).astype(int).to_dict()
    n = {u: sum(direct[s] for s in book.subtree(u)) for u in book.ordered()}
    return n, direct


PROTOCOL = "<h4>Protokollat om indsats mod arbejdsbetinget stress</h4>"
CIRCULAR = "<h4>Cirkulære om aftale om Samarbejde og samarbejdsudvalg i staten, § 5e</h4>"
EU = "<h4>Den europæiske rammeaftale om arbejdsrelateret stress</h4>"


@pytest.mark.parametrize(
    "sector,shown,hidden",
    [
        ("kommune", [PROTOCOL, EU, "Gælder ikke for jeres sektor: Cirkulære"], [CIRCULAR]),
        ("region", [PROTOCOL, EU, "Kender og bruger vi aftalerne?"], [CIRCULAR]),
        ("stat", [CIRCULAR, EU, "Gælder ikke for jeres sektor: Protokollat"], [PROTOCOL]),
        (
            "privat",
            ["gælder ikke for en privat institution", "Bekendtgørelsen gælder for alle arbejdsgivere"],
            [PROTOCOL, CIRCULAR, EU, "Kender og bruger vi aftalerne?"],
        ),
    ],
)
def test_sector_decides_which_agreements_show(example, monkeypatch, sector, shown, hidden):
    from stresskit.views import aftaler, base

    path = example / "institution.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sector: stat", f"sector: {sector}"), encoding="utf-8")
    seen = []
    monkeypatch.setattr(base, "display", lambda obj: seen.append(getattr(obj, "data", "")))
    aftaler.open(example, "", "report").agreements()  # the agreements are the institution's: shown in full there
    html = "".join(x for x in seen if isinstance(x, str))
    for text in shown:
        assert text in html, (sector, text)
    for text in hidden:
        assert text not in html, (sector, text)


def test_contact_diagram_draws_every_part_with_its_contact(built):
    folder, summary = built
    html = html_of(summary, "fjordby", "04_status")
    alt = [a for a in alt_texts(html) if a.startswith("Diagram over institutionens dele")][0]
    book = Workbook.open(folder)
    assert len(book.units) >= 15 and all(book.unit_name(u) in alt for u in book.units)
    assert "Mangler kontakt: Økonomi og løn, Teknisk service, Rengøring, Kommunikation" in alt
    assert "Kontakt mangler til: <b>Økonomi og løn, Teknisk service, Rengøring, Kommunikation</b>" in html
    # the plan made for Rengøring shows in the institution's plan, with the unit named
    assert "Deltag i rengøringens morgenmøde" in html and "<td>Rengøring</td>" in html


def test_greb_and_exposures_are_read_together(built):
    _folder, summary = built
    html = html_of(summary, "hum", "04_status").replace("<br/>", "<br>").replace('"', "'")
    assert "1. Hvordan er arbejdet planlagt og tilrettelagt?: lykkes 1, delvist 2, lykkes ikke 2;" in html
    assert "<li><b>Arbejdsmængde og tidspres</b> — APV: 64\u00a0% udsat og dialogen: forebygges 2 af 5</li>" in html
    assert "<li><b>Planlægning og tilrettelæggelse</b> — 2 lykkes ikke, 2 delvist, 1 lykkes</li>" in html
    assert "Arbejdstilsynets spørgeguide" in html


def test_cooperation_summary_says_which_questions_can_be_ticked(built):
    """The institution's report: one table, a column per AMO group, each point ✓ or ✗ as the store holds it."""
    folder, summary = built
    from stresskit import guide
    from stresskit.store import Store

    page = html_of(summary, "fjordby", "05_samarbejde")
    assert "Arbejdsmiljøgruppen for undervisning" in page  # each AMO group answers for itself
    table = re.search(r"<table class=.sk-table sk-cross sk-coop.>(.*?)</table>", page, re.S).group(1)
    heads = re.findall(r"<th scope=.col. title=.([^'\"]*).>", table)
    assert (
        heads[0] == "Arbejdsmiljøorganisationen på Fjordby Gymnasium"
        and "Arbejdsmiljøgruppen for undervisning" in heads
    )
    book = Workbook.open(folder)
    keys = [book.root_unit] + [f"amg:{g.id}" for g in book.amo_groups]
    assert len(keys) == len(heads)
    store, checked, complete = Store(folder / "stresskit.sqlite"), 0, dict.fromkeys(keys, True)
    for q in guide.default().cooperation_questions:
        for p in q.points:
            cells = re.search(rf"<th scope=.row.>{re.escape(html.escape(p.text))}</th>(.*?)</tr>", table).group(1)
            marks = re.findall(r"<td>(.*?)</td>", cells)
            for key, mark in zip(keys, marks, strict=True):
                ticked = store.latest(key, "samarbejde.").get(f"samarbejde.{q.id}.{p.id}.flueben")
                assert mark.startswith("✓") == bool(ticked and ticked.value), (key, p.text, mark)
                complete[key] &= bool(ticked and ticked.value)
                checked += 1
    assert checked >= 3 * 13
    verdicts = re.search(r"Kan vi sætte flueben ved alle fire\?</b></th>(.*?)</tr>", table).group(1)
    assert re.findall(r"<td>(?:<b>)?([^<]*)", verdicts) == ["Ja" if complete[k] else "Ikke endnu" for k in keys]
    unit = html_of(summary, "kantine", "05_samarbejde")
    assert "Arbejdsmiljøgruppen for administration, drift og ledelse" in unit
    assert "Arbejdsmiljøgruppen for undervisning" not in unit


def test_an_action_made_in_04_is_an_action_of_that_unit(example, tmp_path):
    from stresskit import actions, guide
    from stresskit.live import forms
    from stresskit.store import Store

    store = Store(example / "stresskit.sqlite")
    view = forms.FormView(guide.default().forms["opfoelgning"], store, "nat")
    field = view.fields["status.opfoelgning.opgaver"]
    field.what.value, field.who.value, field.when.value = "Kortlæg forberedelsestiden", "Faggruppeleder", "01.03.2027"
    field.save()
    [action] = [a for a in actions.for_unit(store, "nat")]
    assert (action.measure, action.responsible, action.deadline) == (
        "Kortlæg forberedelsestiden",
        "Faggruppeleder",
        "2027-03-01",
    )
    assert action.recommendation == "status" and action.status == "planlagt"
    nb = run(tmp_path, example, "nat", "report", ROOT / "notebooks" / "04_status.ipynb")
    assert "Kortlæg forberedelsestiden" in "".join(o.get("data", {}).get("text/html", "") for o in outputs(nb))


def test_withheld_figures_say_the_true_reason(built):
    _folder, summary = built
    assert "23 besvarelser af 28 ansatte" in html_of(summary, "samf")
    teaching = html_of(summary, "undervisning")
    assert "antallet af besvarelser er skjult, så en mindre gruppe ikke kan regnes ud" in teaching
    assert "færre end 5 besvarelser" not in teaching
    # Kommunikation has 3 staff: its turnover (33,3 %) and sick leave are not shown on their own
    small = html_of(summary, "kommunikation")
    assert "mindst 10 ansatte" in small and "33,3" not in small and "33.3" not in small


def visible_text(html: str) -> str:
    """What a reader sees: no styles, scripts, tags or image data; alt texts are read too."""
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    alts = " ".join(re.findall(r"alt=[\"']([^\"']*)", html))
    return re.sub(r"<[^>]+>", " ", html) + " " + alts


def test_reports_name_no_file_key_or_command_and_fold_the_unanswered(built):
    _folder, summary = built
    for unit in ("hum", "fjordby", "samf", "kantine"):
        raw = (summary.out / unit / "index.html").read_text(encoding="utf-8")
        combined = visible_text(raw)
        # every form nobody answered is named in one line per recommendation, never a heading of its own
        assert combined.count("Ikke besvaret endnu: «") <= 6 and "sk-form-empty" not in raw, unit
        for word in ("mapping.yaml", "institution.yaml", "signals.csv", "stresskit ", ".yaml", ".csv", "Guidelinen"):
            assert word not in combined, (unit, word)
        assert not re.search(r"\bnan\b", combined, re.I), unit
        assert "Hvem</th><th>Hvornår</th>" not in combined and "Senest ændret" not in combined  # no who/when columns
        assert "Ikke besvaret endnu: «" in combined and "ingen svar endnu" not in combined, unit
    hum = visible_text((summary.out / "hum" / "index.html").read_text(encoding="utf-8"))
    assert "spørgsmål er ikke besvaret endnu" in hum  # the unanswered of a form fold into one line
    for run in summary.runs:  # every section file, too; only the APV phases name each unanswered phase
        html = summary.report(run).read_text(encoding="utf-8")
        text = visible_text(re.sub(r"<table[^>]*><thead><tr><th>Fase</th>.*?</table>", "", html, flags=re.S))
        assert "stresskit " not in text and "guideline" not in text and "Ikke besvaret" not in text, run


def test_a_printed_report_tells_no_one_to_tick_or_click_and_says_each_thing_once(built):
    """The notebooks' texts serve the live form and the report: none may ask a reader of paper to
    mark, write or click, and recommendation 6 explains IGLO and names its follow-up once."""
    _folder, summary = built
    for unit in ("hum", "fjordby"):
        combined = visible_text((summary.out / unit / "index.html").read_text(encoding="utf-8"))
        for live_only in (
            "Markér",
            "Sæt flueben",
            "Skriv",
            "Klik",
            "Vælg",
            "Vurder for",
            "Et par linjer",
            "levende side",
        ):
            assert live_only not in combined, (unit, live_only)
        # the guideline's explanation of IGLO once, in the institution's report; a unit's has the glossary line
        assert combined.count("bygger nedefra") == 1 and combined.count("IGLO-modellen") == (unit == "fjordby"), unit
        assert len(re.findall(r"IGLO\s*:", combined)) == 1 and combined.count("Sådan læser du rapporten") == 1, unit
        assert combined.count("efter et stressforløb") == 1, unit  # the section's heading, not the form's title too
    hum = visible_text(html_of(summary, "hum", "02_aftaler"))
    assert "Jeres fælles grundlag gennemgås for hele institutionen" in hum  # the question does not hang unanswered


def test_institution_level_forms_and_each_material_once_per_report(built):
    _folder, summary = built
    unit = (summary.out / "hum" / "index.html").read_text(encoding="utf-8")
    institution = (summary.out / "fjordby" / "index.html").read_text(encoding="utf-8")
    for text in (
        "Bruger vi den som afsæt?",
        "Kan vi sætte flueben ved alle fire?",
        "Hvem varetager den?",
        "Samarbejdsudvalgets opgaver",
    ):
        assert text in institution and text not in unit, text
    # no section that only points elsewhere: one line says what the institution answers for all
    assert unit.count("står i institutionens rapport") <= 1
    from stresskit import guide

    for material in guide.default().companion_materials:  # the guideline's material: printed once, for the institution
        assert institution.count(f"<h4>{material.title}</h4>") == 1 and f"<h4>{material.title}</h4>" not in unit
    assert "Til jeres drøftelse:" in institution and "Arbejdsmiljørepræsentantens rolle" in institution
    assert "Til jeres drøftelse:" not in unit and "Arbejdsmiljørepræsentantens rolle" not in unit
    for report in (unit, institution):
        assert "Egenomsorg, loyal og kompetent" in report  # IGLO level text


def test_the_checklist_counts_each_units_progress_as_its_overblik_does(built):
    """Recommendation 6's checklist in the institution's report and a unit's overblik say the same."""
    _folder, summary = built
    checklist = html_of(summary, "fjordby", "06_handleplan")
    for unit, name in (("hum", "Humaniora"), ("kantine", "Kantine"), ("fjordby", "Fjordby Gymnasium")):
        row = re.search(rf"<tr><th scope=.row.>(?:\s|&nbsp;)*{name}</th>(.*?)</tr>", checklist).group(1)
        in_checklist = [
            html.unescape(re.sub(r"<[^>]+>", "", re.split(r"<br\s*/?>", cell)[0]))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        ]
        page = (summary.out / unit / "overblik.html").read_text(encoding="utf-8")
        in_overblik = [html.unescape(x) for x in re.findall(r"<td class='sk-state'>[^<]*</td><td>([^<]*)</td>", page)]
        assert len(in_checklist) == 6 == len(in_overblik), (unit, in_checklist, in_overblik)
        assert all(o.startswith(c) for c, o in zip(in_checklist, in_overblik)), (unit, in_checklist, in_overblik)
    # Humaniora on the agreements: the institution answers them for everyone, shown as shared, not as its progress
    assert "Fælles for institutionen: 9 af 17 besvaret" in checklist


def test_an_overdue_task_is_flagged_in_words_wherever_it_is_listed(built):
    """Humaniora's APV step, due 15.11.2026, in recommendation 1's table; and the institution's IGLO
    agreement, due for review on 20.11.2026, in Humaniora's «kræver opmærksomhed» (recommendation 6):
    an agreement is never «forsinket»."""
    _folder, summary = built
    row = re.search(
        r"<tr><td>Gennemgå fagfordelingen[^<]*</td>.*?</tr>", html_of(summary, "hum", "01_apv"), re.S
    ).group(0)
    assert "⚠ Forsinket" in visible_text(row)
    attention = html_of(summary, "hum", "06_handleplan")
    assert "Nærmeste leder tager en samtale" in attention and "Skal drøftes igen: aftalt til 20.11.2026" in attention
    assert "Forsinket: fristen var 31.10.2026" not in attention


def test_an_exposure_weighs_in_recommendation_4_by_the_overbliks_rule(built):
    """One rule for a high exposure in the APV: at least half exposed, or markedly higher than the
    rest of the institution by the overblik's test (Fisher's exact test). Humaniora's violence (8 of 26
    against 10 of the other 92, p = 0.026) and its emotional demands (18 of 26 against 38 of 92,
    p = 0.015) pass the test; its workload (64 %, 16 of 25 against 41 of 92, p = 0.11) is high by
    the first rule."""
    _folder, summary = built
    html = html_of(summary, "hum", "04_status")
    card = visible_text(html[html.index("Påvirkninger, der fylder") : html.index("Greb, der halter")])
    assert "APV: 69\u00a0% udsat" in card and "APV: 31\u00a0% udsat" in card and "APV: 64\u00a0% udsat" in card
    assert "markant højere end i resten af institutionen (samme test som i overblikket)" in card


def test_a_state_institutions_reports_name_its_samarbejdsudvalg_never_med(built):
    """Fjordby Gymnasium is in the state sector (institution.yaml): it has a samarbejdsudvalg (SU), no MED."""
    _folder, summary = built
    pages = [*summary.out.glob("*/*.html"), summary.out / "index.html"]
    for path in pages:
        assert not re.search(r"\bMED\b", visible_text(path.read_text(encoding="utf-8"))), path
    assert "Snitfladen mellem arbejdsmiljøorganisationen og SU" in html_of(summary, "fjordby", "05_samarbejde")
    from stresskit.batch import report

    general = "Samarbejdsudvalget eller MED-udvalget; snitfladen til SU/MED"
    assert report.for_sector(general, "kommune") == general  # a municipality keeps both words
    assert report.for_sector(general, "stat") == "Samarbejdsudvalget (SU); snitfladen til SU"


def test_the_glossary_says_each_word_a_leader_may_not_know_once(built):
    _folder, summary = built
    for unit in ("hum", "kommunikation", "fjordby"):
        combined = visible_text((summary.out / unit / "index.html").read_text(encoding="utf-8"))
        glossary = combined[combined.index("Sådan læser du rapporten") :]
        for term in ("Udsat", "Skjult", "Region", "Greb", "IGLO", "Tydeligt bedre/værre, markant højere"):
            assert len(re.findall(rf"(?<![\w/]){re.escape(term)}\s*:", glossary)) == 1, (unit, term)
        assert combined.count("Sådan læser du rapporten") == 1


def test_a_combined_report_folds_unanswered_forms_and_drops_their_empty_headings():
    """site.section_body on a hand-made export: the guideline's part leaves a unit's report, the
    unanswered form's heading goes with it, its title joins the one line, answered content stays."""
    from stresskit.batch import pages as site

    def cell(html, kind="jp-CodeCell"):
        return f"<!--sk-cell--><div class='jp-Cell {kind}'>{html}</div><!--/sk-cell-->"

    empty = "<section class='sk-form-report sk-form-empty'><p><b>Gør planen kendt:</b> ingen svar endnu.</p></section>"
    body = (
        "<main>"
        + cell("<h2>Hvorfor?</h2><p>Forklaring</p>", "jp-MarkdownCell").join(["<!--sk-guide-->", "<!--/sk-guide-->"])
        + cell("<h2>Gør planen kendt</h2>", "jp-MarkdownCell")
        + cell("<p>Sådan gør I.</p>", "jp-MarkdownCell").join(["<!--sk-guide-->", "<!--/sk-guide-->"])
        + cell(empty)
        + cell("<h2>Opfølgning</h2>", "jp-MarkdownCell")
        + cell("<table><tr><td>Ja</td></tr></table>")
        + "<footer>"
    )
    unit, institution = str(site.section_body(body, institution=False)), str(site.section_body(body, institution=True))
    for part in (unit, institution):
        assert "Gør planen kendt</h2>" not in part and "Sådan gør I." not in part and "sk-form-empty" not in part
        assert part.endswith("Ikke besvaret endnu: «Gør planen kendt».</p>")
        assert "<h2>Opfølgning</h2>" in part and "<td>Ja</td>" in part
    assert "Forklaring" not in unit and "Forklaring" in institution
