"""Several APV rounds: their order, items a round lacks, renamed units, each round anonymised on its
own, and the stated rule for a notable change (hand-computed)."""

import shutil

import pandas as pd
import pytest
import yaml

from stresskit import apv, cli, signals
from stresskit.apv import trend
from stresskit.errors import InputError
from stresskit.views import apv as view
from stresskit.views import base
from stresskit.workbook import Workbook

from conftest import plain_yaml


@pytest.mark.parametrize(
    "x1,n1,x2,n2,expected",
    [
        # Fisher's exact test, two-sided, p < 0.05; p from scipy.stats.fisher_exact, checked by hand for 0/6 vs 5/6
        (10, 20, 2, 20, True),  # p = 0.0138
        (6, 20, 3, 20, False),  # p = 0.4506
        (10, 50, 20, 50, True),  # p = 0.0486, just under 0.05
        (12, 50, 20, 50, False),  # p = 0.1328
        (0, 6, 3, 6, False),  # p = 0.1818: the z-test said notable (z = 2.00), the exact test does not
        (0, 6, 4, 6, False),  # p = 0.0606
        (0, 6, 5, 6, True),  # p = 2 · C(6,0)C(6,5)/C(12,5) = 2 · 6/792 = 0.0152
        (0, 8, 0, 9, False),  # nobody in either round: no change
    ],
)
def test_a_change_is_notable_exactly_by_fishers_exact_test(x1, n1, x2, n2, expected):
    assert trend.notable(x1 / n1, n1, x2 / n2, n2) is expected


def test_fishers_p_is_scipys_and_a_p_of_exactly_5_percent_is_no_difference():
    """stresskit counts Fisher's test in whole numbers; scipy.stats.fisher_exact (floats) gives the same p
    for every table of up to 8 against 8 and for large ones. Where the exact p is 0.05 to the last digit,
    scipy's float comes out 0.04999…: p < 0.05 does not hold, so no difference is claimed."""
    import random
    from fractions import Fraction

    from scipy.stats import fisher_exact

    rng = random.Random(7)
    tables = [
        (x1, n1, x2, n2) for n1 in range(1, 9) for n2 in range(1, 9) for x1 in range(n1 + 1) for x2 in range(n2 + 1)
    ]
    for _ in range(60):  # institution-sized: a unit against the rest of 4,000
        n1, n2 = rng.randint(1, 300), rng.randint(1, 4000)
        tables.append((rng.randint(0, n1), n1, rng.randint(0, n2), n2))
    for _ in range(20):  # two rounds of a municipality (above trend.EXACT_UP_TO: counted in floating point)
        n1, n2 = rng.randint(3000, 40000), rng.randint(3000, 40000)
        x1 = rng.randint(0, n1)
        tables.append((x1, n1, min(n2, round(x1 / n1 * n2) + rng.randint(-150, 150)), n2))
    for x1, n1, x2, n2 in tables:
        expected = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        assert trend.p_value(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-8, abs=1e-300), (x1, n1, x2, n2)
    # 0 of 2 against 19 of 23: only the observed table is as unlikely, C(23,19) of C(25,19) = 8855/177100
    assert trend.p_exact(0, 2, 19, 23) == Fraction(1, 20)
    assert fisher_exact([[0, 2], [19, 4]]).pvalue < 0.05  # the float says «differs»
    assert not trend.differs(0, 2, 19, 23) and not trend.notable(0, 2, 19 / 23, 23)


def book_with_rounds(folder, rounds: dict[str, list[tuple[str, int]]], mapping_extra=None, units=None):
    """A workbook whose rounds give, per unit name, (answer on 1–5, how many respondents)."""
    (folder / "apv").mkdir(parents=True)
    (folder / "institution.yaml").write_text(
        plain_yaml(
            {
                "name": "Test",
                "sector": "kommune",
                "units": units
                or [
                    {"id": "top", "name": "Top"},
                    {"id": "a", "name": "A", "parent": "top"},
                    {"id": "b", "name": "B", "parent": "top"},
                ],
            }
        ),
        encoding="utf-8",
    )
    (folder / "apv" / "mapping.yaml").write_text(
        plain_yaml(
            {
                "unit_column": "enhed",
                "constructs": {"arbejdsmaengde": {"exposed_from": 62.5}, "indflydelse": {"low_below": 37.5}},
                "items": [
                    {"item": "m1", "construct": "arbejdsmaengde", "scale": [1, 5]},
                    {"item": "i1", "construct": "indflydelse", "scale": [1, 5]},
                ],
                **(mapping_extra or {}),
            }
        ),
        encoding="utf-8",
    )
    for name, groups in rounds.items():
        lines = ["enhed;m1;i1"] + [f"{unit};{answer};3" for unit, answer, count in groups for _ in range(count)]
        (folder / "apv" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Workbook.open(folder)


def test_rounds_follow_the_rounds_list_else_the_file_names(tmp_path):
    rounds = {"b-foraar.csv": [("A", 5, 6)], "a-efteraar.csv": [("A", 1, 6)]}
    book = book_with_rounds(tmp_path / "by_name", rounds)
    assert [r.round for r in apv.history(book)] == ["a-efteraar", "b-foraar"]
    listed = {
        "rounds": [
            {"name": "Efterår 2025", "file": "a-efteraar.csv", "date": "2025-10-01"},
            {"name": "Forår 2025", "file": "b-foraar.csv", "date": "2025-04-01"},
        ]
    }
    book = book_with_rounds(tmp_path / "listed", rounds, listed)
    assert "tidsorden" in str(apv.check(book))
    listed["rounds"].reverse()
    book = book_with_rounds(tmp_path / "ordered", rounds, listed)
    history = apv.history(book)
    assert [r.round for r in history] == ["Forår 2025", "Efterår 2025"]
    assert history[0].table.at[("a", "arbejdsmaengde"), "share"] == 1.0


def test_a_construct_a_round_did_not_ask_is_not_reported_for_it(tmp_path):
    folder = tmp_path / "wb"
    book = book_with_rounds(folder, {"2024.csv": [("A", 5, 6)], "2026.csv": [("A", 1, 6)]})
    old = folder / "apv" / "2024.csv"
    old.write_text("\n".join(line.rsplit(";", 1)[0] for line in old.read_text().splitlines()) + "\n")  # no i1
    # undeclared, a missing column is a mistake …
    assert "kolonnen findes ikke i filen" in str(apv.check(book))
    # … declared as not asked, the round simply has no figure for it
    data = yaml.safe_load((folder / "apv" / "mapping.yaml").read_text())
    data["rounds"] = [{"file": "2024.csv", "not_asked": ["i1"]}, {"file": "2026.csv"}]
    (folder / "apv" / "mapping.yaml").write_text(plain_yaml(data))
    history = apv.history(Workbook.open(folder))
    assert "indflydelse" not in history[0].constructs and "indflydelse" in history[1].constructs
    assert trend.change(history[0], history[1], "a", "indflydelse") is None
    change = trend.change(history[0], history[1], "a", "arbejdsmaengde")
    assert (change.previous, change.latest, change.direction) == (1.0, 0.0, trend.BETTER)


def test_each_round_is_anonymised_on_its_own(tmp_path):
    # 2024: B has 3 respondents (hidden, and A with it, or B = Top − A); 2026: B has 6, all shown.
    rounds = {"2024.csv": [("A", 5, 8), ("B", 5, 3)], "2026.csv": [("A", 1, 8), ("B", 1, 6)]}
    book = book_with_rounds(tmp_path / "both", rounds)
    history = apv.history(book)
    assert history[0].table.at[("b", "arbejdsmaengde"), "status"] == apv.SMALL
    assert history[0].table.at[("a", "arbejdsmaengde"), "status"] == apv.COMPLEMENT
    assert history[1].table.at[("b", "arbejdsmaengde"), "status"] == apv.SHOWN
    # a round's figures are exactly those it would have alone
    for name, rnd in zip(rounds, history):
        alone = book_with_rounds(tmp_path / f"only_{name}", {name: rounds[name]})
        pd.testing.assert_frame_equal(rnd.table, apv.history(alone)[0].table)
        assert rnd.respondents == apv.history(alone)[0].respondents
    # a change only where both rounds' figures are shown
    assert trend.change(history[0], history[1], "b", "arbejdsmaengde") is None
    assert trend.change(history[0], history[1], "top", "arbejdsmaengde").notable


RENAMED = [
    {"id": "top", "name": "Top"},
    {"id": "stud", "name": "Studieadministration", "parent": "top", "previous_names": ["Studiekontoret", "sk"]},
    {"id": "b", "name": "B", "parent": "top"},
]


def test_respondents_coded_with_an_old_name_count_in_the_new_unit(tmp_path):
    rounds = {
        "2024.csv": [("Studiekontoret", 5, 4), ("SK", 5, 3), ("B", 1, 6)],
        "2026.csv": [("Studieadministration", 1, 7), ("B", 1, 6)],
    }
    book = book_with_rounds(tmp_path / "wb", rounds, units=RENAMED)
    history = apv.history(book)
    assert history[0].respondents["stud"] == 7 and history[0].table.at[("stud", "arbejdsmaengde"), "share"] == 1.0
    assert trend.change(history[0], history[1], "stud", "arbejdsmaengde").direction == trend.BETTER


def test_validate_explains_an_unknown_old_name(tmp_path, capsys):
    book_with_rounds(tmp_path / "wb", {"2024.csv": [("Studiekontoret", 5, 6)]})
    assert cli.main(["validate", str(tmp_path / "wb")]) == 1
    out = capsys.readouterr().out
    assert "apv/2024.csv, række 2, kolonne «enhed (A)»" in out and "previous_names" in out


def test_an_old_name_that_another_unit_has_now_is_refused(tmp_path, capsys):
    units = [dict(u) for u in RENAMED]
    units[2]["previous_names"] = ["Studieadministration"]
    with pytest.raises(InputError):
        book_with_rounds(tmp_path / "wb", {"2024.csv": [("B", 5, 6)]}, units=units)
    assert cli.main(["validate", str(tmp_path / "wb")]) == 1
    assert "units (b).previous_names" in capsys.readouterr().out


def shown(monkeypatch, folder, unit, call, mode="report"):
    seen = []
    monkeypatch.setattr(base, "display", lambda obj: seen.append(getattr(obj, "data", "")))
    getattr(view.open(folder, unit, mode), call)()
    return "".join(x for x in seen if isinstance(x, str))


def test_example_has_two_rounds_and_the_renamed_units_2024_answers_count(example):
    book = Workbook.open(example)
    survey = apv.load(book)
    assert [r.name for r in survey.rounds] == ["2024", "2026"]
    assert "Studiekontoret" in (example / "apv" / "2024.csv").read_text(encoding="utf-8-sig")
    old = survey.rounds[0]
    assert int((old._units == "adm_studie").sum()) == 9


def test_the_report_shows_the_change_and_states_the_rule(monkeypatch, example):
    html = shown(monkeypatch, example, "hum", "apv_trend")
    assert "Ændring siden 2024" in html and "tydeligt bedre" in html and "Fishers eksakte test" in html
    assert "ikke målt" in html  # 2024 did not ask about support from colleagues
    assert "alt=" not in html  # a report keeps the table; the chart of the same figures is live only
    live = shown(monkeypatch, example, "hum", "apv_trend", mode="live")
    assert "alt=" in live and "Humaniora 2024" in live
    institution = shown(monkeypatch, example, None, "apv_trend")
    assert "Enheder, der blev tydeligt bedre" in institution and "Enheder, der blev tydeligt værre" in institution
    assert "Naturvidenskab" in institution.split("Enheder, der blev tydeligt værre")[1]


def test_a_single_round_says_so(monkeypatch, example):
    (example / "apv" / "2024.csv").unlink()
    data = yaml.safe_load((example / "apv" / "mapping.yaml").read_text(encoding="utf-8"))
    data["rounds"] = data["rounds"][1:]
    (example / "apv" / "mapping.yaml").write_text(plain_yaml(data, allow_unicode=True), encoding="utf-8")
    assert "kun én APV-runde" in shown(monkeypatch, example, "hum", "apv_trend")


def test_signals_by_period_latest_beside_previous(monkeypatch, example):
    book = Workbook.open(example)
    assert signals.periods(book) == ["2025", "2026"]
    assert signals.for_unit(book, "hum")["stress_sygemeldinger"] == 3
    assert signals.for_unit(book, "hum", "2025")["stress_sygemeldinger"] == 4
    html = shown(monkeypatch, example, "hum", "signals_form")  # a report: one table, both periods
    assert "<th>2025</th><th>2026</th>" in html and html.count("Sygefravær") == 1
    assert "<th>2025</th><th>2026</th>" in shown(monkeypatch, example, "hum", "signals_trend", mode="live")
    text = (
        (example / "signals.csv").read_text(encoding="utf-8-sig").replace("hum;3;12,4;6,7;2;2026", "hum;3;12,4;6,7;2;")
    )
    (example / "signals.csv").write_text(text, encoding="utf-8")
    assert any(p.column == "periode" for p in signals.check(book))


def test_mapping_draft_never_overwrites(tmp_path, example, capsys):
    out = tmp_path / "mapping.yaml"
    out.write_text("mine", encoding="utf-8")
    assert cli.main(["mapping", "draft", str(example / "apv" / "2026.csv"), "--out", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "mine"


def test_a_file_not_in_the_rounds_list_is_named(example, capsys):
    shutil.copy(example / "apv" / "2026.csv", example / "apv" / "2027.csv")
    assert cli.main(["validate", str(example)]) == 1
    assert "2027.csv" in capsys.readouterr().out


def test_round_and_unit_names_are_escaped_in_the_trend(monkeypatch, tmp_path):
    payload = "<img src=x onerror=alert(1)>"
    units = [
        {"id": "top", "name": "Top"},
        {"id": "a", "name": f"A{payload}", "parent": "top"},
        {"id": "b", "name": "B", "parent": "top"},
    ]
    rounds = {"r1.csv": [(f"A{payload}", 5, 6), ("B", 5, 6)], "r2.csv": [(f"A{payload}", 1, 6), ("B", 1, 6)]}
    extra = {"rounds": [{"name": f"Forår{payload}", "file": "r1.csv"}, {"name": "Efterår", "file": "r2.csv"}]}
    book = book_with_rounds(tmp_path / "wb", rounds, extra, units=units)
    html = shown(monkeypatch, book.root, None, "apv_trend") + shown(monkeypatch, book.root, "a", "apv_trend")
    assert "Forår&lt;img" in html and "A&lt;img" in html and "<img src=x" not in html


def test_signals_of_an_earlier_period_may_use_the_old_id(example):
    text = (example / "signals.csv").read_text(encoding="utf-8-sig").replace("adm_studie;0;8,1", "studiekontoret;0;8,1")
    (example / "signals.csv").write_text(text, encoding="utf-8")
    book = Workbook.open(example)
    assert signals.check(book) == [] and signals.for_unit(book, "adm_studie", "2025")["sygefravaer_dage"] == 8.1
