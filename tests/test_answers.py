"""Answers and actions out of and into a workbook as YAML."""

import pytest
import yaml

from stresskit import answers, cli
from stresskit.errors import InputError
from stresskit.store import Store
from stresskit.workbook import Workbook


def test_example_answers_import_once_and_round_trip(example, tmp_path, capsys):
    assert cli.main(["answers", "import", str(example), str(example / "answers.yaml")]) == 0
    assert cli.main(["answers", "import", str(example), str(example / "answers.yaml")]) == 0
    assert "Indlæste 0 nye svar og 0 nye opgaveversioner" in capsys.readouterr().out
    with Store(example / "stresskit.sqlite") as store:
        assert store.latest("kantine")["apv.fase.handlingsplan"].value == "i_gang"
        assert store.latest("kantine")["apv.fase.handlingsplan"].who == "Jonas (leder)"
        before = [(a.unit, a.question, a.value, a.who, a.at) for a in store.all_answers()]
        acts = [(a.action_id, a.data) for a in store.all_action_versions()]
    out = tmp_path / "ud.yaml"
    assert cli.main(["answers", "export", str(example), str(out)]) == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "institution.yaml").write_text(
        (example / "institution.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert cli.main(["answers", "import", str(fresh), str(out)]) == 0
    with Store(fresh / "stresskit.sqlite") as store:
        assert [(a.unit, a.question, a.value, a.who, a.at) for a in store.all_answers()] == before
        assert [(a.action_id, a.data) for a in store.all_action_versions()] == acts


def test_bad_import_names_the_entry_and_writes_nothing(example, tmp_path):
    data = yaml.safe_load((example / "answers.yaml").read_text(encoding="utf-8"))
    data["answers"][3]["unit"] = "musik"
    data["answers"][5]["question"] = "apv.fase.findes_ikke"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    book = Workbook.open(example)
    with Store(book.store_path) as store:
        store.save("hum", "apv.fase.noter", "gemt før import")
    with pytest.raises(InputError) as info:
        answers.import_(book, bad)
    text = str(info.value)
    assert "bad.yaml, kolonne «answers[4].unit»: fandt «musik»" in text
    assert "answers[6].question" in text
    with Store(book.store_path) as store:
        assert [a.value for a in store.all_answers()] == ["gemt før import"]
