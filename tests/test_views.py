"""What the views tell a reader, read back from the HTML they show (report mode, the example's answers)."""

import re

import pytest

from stresskit import answers, charts, guide
from stresskit.store import Store
from stresskit.views import base, paavirkninger, status
from stresskit.workbook import Workbook


@pytest.fixture
def book(example):
    b = Workbook.open(example)
    answers.import_(b, example / "answers.yaml")
    return b


def shown(monkeypatch, module, book, unit, call, mode="report") -> str:
    seen = []
    monkeypatch.setattr(base, "display", lambda obj: seen.append(getattr(obj, "data", "")))
    getattr(module.open(book.root, unit, mode), call)()
    return "".join(x for x in seen if isinstance(x, str))


def greb_ratings(book, unit) -> dict[str, list[str]]:
    """The stored ratings per greb, read straight from the store (the test's own reading)."""
    with Store(book.store_path) as store:
        latest = store.latest(unit, "status.greb.")
    out = {}
    for key, answer in latest.items():
        if key.endswith(".vurdering"):
            out.setdefault(key.split(".")[2], []).append(answer.value)
    return out


def test_weak_greb_are_exactly_those_that_meet_the_stated_rule(monkeypatch, book):
    from stresskit import guide

    html = shown(monkeypatch, status, book, "hum", "exposures_and_greb")
    assert "overvej mere her" not in html  # no cell marks a pair by itself
    assert "Regel: mindst ét delspørgsmål lykkes ikke" in html and "Regel: mindst halvdelen er udsat" in html
    titles = {g.id: g.short for g in guide.default().greb}
    weak_box = html.split("Greb, der halter")[1]
    for greb, values in greb_ratings(book, "hum").items():
        rated = [v for v in values if v in ("lykkes", "delvist", "lykkes_ikke")]
        score = (rated.count("lykkes") + 0.5 * rated.count("delvist")) / len(rated) if rated else None
        weak = "lykkes_ikke" in rated or (score is not None and score < 0.5)
        assert (f"<b>{titles[greb]}</b>" in weak_box) == weak, greb


def test_no_greb_rated_is_never_told_as_no_weak_greb(monkeypatch, book):
    html = shown(monkeypatch, status, book, "nat", "exposures_and_greb")  # Naturvidenskab rated nothing
    assert "Ingen greb er vurderet endnu." in html and "ingen greb er vurderet som svage" not in html
    assert "Ingen af de vurderede greb halter" not in html


def test_unit_greb_ratings_roll_up_with_the_number_of_units_behind_each(monkeypatch, book):
    html = shown(monkeypatch, status, book, "fjordby", "greb")
    alt = [a for a in re.findall(r"alt='([^']*)'", html.replace('"', "'")) if a.startswith("Vandrette søjler")][0]
    raters = {u: greb_ratings(book, u) for u in book.ordered()}
    from stresskit import guide

    for n, g in enumerate(guide.default().greb, start=1):
        behind = sum(1 for r in raters.values() if r.get(g.id))
        counted = sum(len([v for v in r.get(g.id, []) if v == "lykkes"]) for r in raters.values())
        label = f"{n}. {g.title} ({'1 enhed' if behind == 1 else f'{behind} enheder'})"
        assert label in alt, label
        part = alt.split(label)[1].split(";")[0]
        assert (f"lykkes {counted}" in part) == bool(counted), (g.id, part)
    assert any(r for r in raters.values())  # the example rates greb in units, not at the institution


def test_means_never_show_for_rule_any_constructs_and_no_nan_anywhere(monkeypatch, book):
    from stresskit.views import apv as apv_view

    html = shown(monkeypatch, apv_view, book, "hum", "apv_results")
    rows = dict(re.findall(r"<tr><th scope='row'>([^<]+)</th>(.*?)</tr>", html))
    violence = re.findall(r"<td[^>]*>([^<]*)</td>", rows["Arbejdsrelateret vold"])
    workload = re.findall(r"<td[^>]*>([^<]*)</td>", rows["Stor arbejdsmængde og tidspres"])
    assert violence[1] == "–" and re.fullmatch(r"\d+", workload[1])  # share, mean, n, institution
    for module, call in (
        (apv_view, "apv_results"),
        (apv_view, "apv_trend"),
        (paavirkninger, "combinations"),
        (paavirkninger, "heatmap"),
        (status, "greb_overview"),
    ):
        for unit in ("hum", "fjordby"):
            text = shown(monkeypatch, module, book, unit, call)
            assert not re.search(r"\bnan\b", text, re.I), (call, unit)


def test_every_heatmap_has_a_colour_key_darker_means_more_attention(monkeypatch):
    drawn = []
    monkeypatch.setattr(charts, "figure_html", lambda fig, alt, caption="": drawn.append(fig) or "")
    charts.heatmap(["A", "B"], ["x", "y"], [[0.1, None], [0.9, 0.5]], [["", "skjult"], ["", ""]], "T", "Varmekort")
    fig = drawn[0]
    axes = [a for ax in fig.axes for a in (ax, *ax.child_axes)]
    keys = [ax for ax in axes if "kræver opmærksomhed" in ax.get_xlabel()]
    assert len(keys) == 1 and "skjult" in keys[0].get_xlabel()  # the map has its key, withheld cells named
    from matplotlib import colormaps

    cmap = colormaps[charts.ATTENTION_MAP]
    lightness = [sum(cmap(v)[:3]) for v in (0.0, 0.5, 1.0)]
    assert lightness[0] > lightness[1] > lightness[2]  # one meaning: darker is more


def test_institution_level_forms_print_in_full_only_in_the_institutions_report(monkeypatch, book):
    from stresskit.views import aftaler, samarbejde

    for module, call, full in (
        (aftaler, "agreements", "Bruger vi den som afsæt?"),
        (aftaler, "work_areas", "Bruger vi det som afsæt?"),
        (samarbejde, "cooperation", "Kan vi sætte flueben ved alle fire?"),
        (samarbejde, "interface", "Hvem varetager den?"),
    ):
        institution = shown(monkeypatch, module, book, "fjordby", call)
        unit = shown(monkeypatch, module, book, "hum", call)
        assert full in institution, call
        assert full not in unit, call
        if call != "work_areas":  # its line sits under the agreements
            assert unit.count("står i institutionens rapport") == 1, call
        live = shown(monkeypatch, module, book, "hum", call, mode="live")
        assert "står i institutionens rapport" not in live  # the workshop still fills the form at any unit


def test_the_live_cooperation_form_heads_and_sums_up_each_amo_it_is_about(monkeypatch, book):
    """At the institution the workshop fills in «Kan vi sætte flueben?» once per AMO: each gets its
    heading and the summary of its own ticks, counted here from the store."""
    from stresskit.views import samarbejde

    seen = []
    monkeypatch.setattr(base, "display", lambda obj: seen.append(getattr(obj, "data", getattr(obj, "value", ""))))
    samarbejde.open(book.root, "fjordby", "live").cooperation()
    html = "".join(x for x in seen if isinstance(x, str))
    assert "<h3>Arbejdsmiljøorganisationen på Fjordby Gymnasium</h3>" in html
    first = guide.default().cooperation_questions[0]
    with Store(book.store_path) as store:
        for key in ["fjordby"] + [f"amg:{g.id}" for g in book.amo_groups]:
            ticks = store.latest(key, "samarbejde.")
            done = [p for p in first.points if (a := ticks.get(f"samarbejde.{first.id}.{p.id}.flueben")) and a.value]
            missing = len(first.points) - len(done)
            assert (f"✗ Mangler {missing} af {len(first.points)}" if missing else "✓ Ja") in html, key
    for group in book.amo_groups:
        assert f"<h3>{group.name}</h3>" in html
