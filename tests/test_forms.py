"""Forms built from the guide, saving to the store without a kernel."""

import time

from stresskit import guide
from stresskit.live import forms
from stresskit.store import Store
from stresskit.views import form_report


def view(tmp_path, form="apv_faser", **kw):
    store = Store(tmp_path / "s.sqlite")
    return forms.FormView(guide.default().forms[form], store, "hum", debounce=0.05, **kw), store


def test_choice_saves_at_once_with_who_and_when(tmp_path):
    v, store = view(tmp_path)
    v.fields["apv.fase.vurdering"].input.value = "i_gang"
    answer = store.latest("hum")["apv.fase.vurdering"]
    assert answer.value == "i_gang" and answer.who == "Testbruger"
    assert v.fields["apv.fase.vurdering"].status.value.startswith('<span class="sk-saved">✓ Gemt kl. ')


def test_typing_is_debounced_into_one_save(tmp_path):
    v, store = view(tmp_path)
    field = v.fields["apv.fase.noter"]
    for text in ("K", "Ko", "Kortlægning færdig"):
        field.input.value = text
    time.sleep(0.3)
    history = store.history("hum", "apv.fase.noter")
    assert [a.value for a in history] == ["Kortlægning færdig"]


def test_danish_numbers_and_a_bad_number(tmp_path):
    v, store = view(tmp_path, form="signaler")
    field = v.fields["apv.signal.sygefravaer_dage"]
    field.input.value = "12,5"
    field.flush()
    assert store.latest("hum")["apv.signal.sygefravaer_dage"].value == 12.5
    field.input.value = "tolv"
    field.flush()
    assert store.latest("hum")["apv.signal.sygefravaer_dage"].value == 12.5  # nothing saved
    assert "sk-error" in field.status.value and "Skriv et tal" in field.status.value


def test_prefill_is_shown_until_answered(tmp_path):
    v, store = view(tmp_path, form="signaler", prefill={"apv.signal.konflikter": 2})
    assert v.fields["apv.signal.konflikter"].input.value == "2"
    assert "apv.signal.konflikter" not in store.latest("hum")


def test_a_failed_save_is_shown_not_swallowed(tmp_path):
    v, store = view(tmp_path)
    store.close()
    v.fields["apv.fase.kortlaegning"].input.value = "gennemfoert"
    status = v.fields["apv.fase.kortlaegning"].status.value
    assert "sk-error" in status and "Kunne ikke gemme" in status


def test_action_item_becomes_an_action_of_the_unit(tmp_path):
    v, store = view(tmp_path)
    field = v.fields["apv.fase.opgave"]
    field.what.value = "Aftal opfølgning på APV"
    field.who.value = "AMR"
    field.when.value = "15.01.2027"  # typed as a Dane writes it
    field.save()
    [action] = store.actions("hum")
    assert action.data["measure"] == "Aftal opfølgning på APV" and action.data["deadline"] == "2027-01-15"
    assert action.data["recommendation"] == "apv" and action.data["question"] == "apv.fase.opgave"
    assert "Aftal opfølgning på APV" in field.listing.value


def test_report_table_shows_latest_answer_folds_the_rest_and_leaves_out_who(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    form = guide.default().forms["apv_faser"]
    assert "ingen svar endnu" in form_report.report_html(form, store, "hum")  # nothing answered: one line
    store.save("hum", "apv.fase.kortlaegning", "i_gang", who="Mette")
    store.save("hum", "apv.fase.kortlaegning", "gennemfoert", who="Jonas")
    html = form_report.report_html(form, store, "hum")
    assert "<td>Gennemført</td></tr>" in html and "I gang" not in html and "Jonas" not in html
    unanswered = sum(1 for q in form.questions if q.kind != "action") - 1
    assert f"{unanswered} spørgsmål er ikke besvaret endnu." in html and "Ikke besvaret" not in html
    assert "<input" not in html and "<script" not in html
