"""The guideline's content file: complete, and a broken one is refused clearly."""

import pytest
import yaml

from stresskit import guide
from stresskit.errors import InputError


def test_shipped_content_has_everything_the_six_notebooks_read():
    g = guide.default()
    assert [r.notebook for r in g.recommendations] == [
        "01_apv",
        "02_aftaler",
        "03_paavirkninger",
        "04_status",
        "05_samarbejde",
        "06_handleplan",
    ]
    assert len(g.apv_phases) == 5 and len(g.stress_signals) == 3
    assert len(g.exposures) == 5 and len(g.work_areas) == 5 and len(g.greb) == 5
    assert {e.id for e in g.exposures if e.always_strain} == {"kraenkende_handlinger", "vold"}
    assert {e.id for e in g.exposures if e.sensitive} == {"kraenkende_handlinger", "vold"}
    assert sorted(c.hazard_ratio for c in g.combinations) == [1.46, 1.50, 1.76, 1.90]
    assert "§ 5" in g.executive_order.combination_rule
    assert len(g.cooperation_questions) == 4 and all(q.points for q in g.cooperation_questions)
    assert len(g.joint_tasks) == 4 and len(g.amo_tasks) == 6 and len(g.su_tasks) == 8
    assert [level.id for level in g.iglo_levels] == ["organisation", "ledelse", "gruppe", "individ"]
    assert len(g.iglo_phases) == 4 and len(g.companion_materials) == 3
    # the stat agreement and the kommune/region protocol both implement the EU framework agreement
    eu = g.item("agreements", "eu_rammeaftale")
    assert set(eu.implemented_by) == {"protokollat_stress", "samarbejdscirkulaere"}


def test_form_templates_expand_over_content_lists():
    g = guide.default()
    phases = g.forms["apv_faser"].questions
    assert [q.id for q in phases[:5]] == [f"apv.fase.{p.id}" for p in g.apv_phases]
    assert phases[0].options[0] == ("ikke_startet", "Ikke startet")
    assert g.questions["apv.signal.personaleomsaetning"].kind == "number"
    greb = [q for q in g.forms["greb_status"].questions if q.column == "Hvor godt lykkes det?"]
    assert len(greb) == sum(len(x.questions) for x in g.greb) == 19
    assert greb[0].id == "status.greb.planlaegning.opgaver.vurdering" and greb[0].group == g.greb[0].title
    assert g.questions["status.opfoelgning.paavirkninger"].options[0] == ("arbejdsmaengde", "Arbejdsmængde og tidspres")


def _broken(tmp_path, mutate):
    data = yaml.safe_load(guide.CONTENT.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "guide.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as info:
        guide.load(path)
    return str(info.value)


def test_duplicate_id_is_refused(tmp_path):
    msg = _broken(tmp_path, lambda d: d["exposures"].append(dict(d["exposures"][0])))
    assert "guide.yaml" in msg and "arbejdsmaengde" in msg and "entydigt" in msg


def test_reference_to_missing_item_is_refused(tmp_path):
    def mutate(d):
        d["combinations"][0]["exposures"] = ["foelelsesmaessige_krav", "stoej"]

    msg = _broken(tmp_path, mutate)
    assert "combinations[1].exposures" in msg and "stoej" in msg and "«exposures»" in msg


def test_empty_text_is_refused(tmp_path):
    def mutate(d):
        d["greb"][2]["questions"][1]["text"] = "  "

    msg = _broken(tmp_path, mutate)
    assert "greb[3]" in msg and "text" in msg and "tomt" in msg


def test_unreadable_content_is_refused(tmp_path):
    path = tmp_path / "guide.yaml"
    path.write_text("recommendations: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="ikke gyldig YAML"):
        guide.load(path)


def test_content_is_yaml_that_every_loader_reads_alike():
    # The C loader accepts a few things the pure-Python one refuses (e.g. «column: Hvem?}»).
    text = guide.CONTENT.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.SafeLoader) == yaml.load(text, Loader=yaml.CSafeLoader)
