"""The questionnaire presets (`stresskit new --apv`) match their publications code for code, and
the short COPSOQ III example export (data/copsoq) goes through validate and a real batch."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil

import pytest
import yaml

from stresskit import apv, batch, cli
from stresskit.workbook import SKELETON, Workbook

from conftest import ROOT

COPSOQ = ROOT / "data" / "copsoq"

# --- COPSOQ III, transcribed from the publication -------------------------------------
# Burr H, Berthelsen H, Moncada S, Nübling M, Dupret E, Demiral Y, Oudyk J, Kristensen TS, Llorens C,
# Navarro A, Lincke HJ, Bocéréan C, Sahan C, Smith P, Pohrt A. «The Third Version of the Copenhagen
# Psychosocial Questionnaire». Safety and Health at Work 2019;10(4):482–503, table 2 («Dimensions and
# items in the COPSOQ III»): each dimension's items with code and the number of items in the long,
# middle and core versions. The item levels of QD, WP, CD, ED and the long-only QD4 and WP3 are also
# stated item by item in the supplementary material of Berthelsen H, Westerlund H, Bergström G, Burr H,
# «Validation of the Copenhagen Psychosocial Questionnaire Version III and establishment of benchmarks
# for psychosocial risk management in Sweden», IJERPH 2020;17(9):3179.
# Table 2 as retrieved for this test (PMC6933167, table tbl2) was read up to role conflicts and
# illegitimate tasks; the social-support codes (SSX1–SSX3, SCX1, SCX2, SC3) and their versions, and
# the offensive-behaviour codes BU1, SH1, TV1, PV1, are taken from the international questionnaire as
# coded in a public implementation (github.com/mem-memov/copsoq3) and should be re-read in table 2.
# That source puts BU1, SH1, TV1, PV1 in the long version (it also puts QD4 in the core, which table 2
# contradicts); this table and the preset keep them in the middle version, and the preset tells a user
# whose questionnaire lacks them what to delete: the one open question of this transcription.
# code: (dimension, version, answer scale); version: the shortest version that has the item.
COPSOQ_III = {
    "QD1": ("QD", "middle", "often"),
    "QD2": ("QD", "core", "often"),
    "QD3": ("QD", "core", "often"),
    "QD4": ("QD", "long", "often"),
    "WP1": ("WP", "core", "often"),
    "WP2": ("WP", "core", "extent"),
    "WP3": ("WP", "long", "extent"),
    "ED1": ("ED", "middle", "often"),
    "EDX2": ("ED", "core", "often"),
    "ED3": ("ED", "core", "extent"),
    "INX1": ("IN", "core", "often"),
    "IN2": ("IN", "long", "often"),
    "IN3": ("IN", "middle", "often"),
    "IN4": ("IN", "middle", "often"),
    "IN5": ("IN", "long", "often"),
    "IN6": ("IN", "middle", "often"),
    "CL1": ("CL", "core", "extent"),
    "CL2": ("CL", "middle", "extent"),
    "CL3": ("CL", "middle", "extent"),
    "CO2": ("CO", "core", "extent"),
    "CO3": ("CO", "core", "extent"),
    "SSX1": ("SS", "middle", "often"),
    "SSX2": ("SS", "core", "often"),
    "SSX3": ("SS", "long", "often"),
    "SCX1": ("SC", "core", "often"),
    "SCX2": ("SC", "middle", "often"),
    "SC3": ("SC", "long", "often"),
    "BU1": ("BU", "middle", "events"),
    "SH1": ("SH", "middle", "events"),
    "TV1": ("TV", "middle", "events"),
    "PV1": ("PV", "middle", "events"),
}
# table 2's columns «III-long» and «III-middle/core»: items per dimension in each version
COUNTS = {"QD": (4, 3, 2), "WP": (3, 2, 2), "ED": (3, 3, 2), "IN": (6, 4, 1), "CL": (3, 3, 1), "CO": (2, 2, 2)}
# codes of COPSOQ II (or of the old preset) that COPSOQ III does not have
NOT_IN_COPSOQ_III = {"CO1", "CO4", "ED2", "ED4", "IN1", "SS1", "SS2", "SS3", "SC1", "SC2", "BU", "SH", "TV", "PV"}
# what each dimension measures in stresskit (reverse: clarity turned into unclear demands)
COPSOQ_TO_STRESSKIT = {
    "QD": "arbejdsmaengde",
    "WP": "arbejdsmaengde",
    "CO": "uklare_krav",
    "CL": "uklare_krav",
    "ED": "foelelsesmaessige_krav",
    "BU": "kraenkende_handlinger",
    "SH": "kraenkende_handlinger",
    "TV": "vold",
    "PV": "vold",
    "IN": "indflydelse",
    "SS": "stoette_leder",
    "SC": "stoette_kolleger",
}
REVERSED = {"CL1", "CL2", "CL3", "QD4"}  # «clear objectives», «enough time»: the other way round
ORDER = ("core", "middle", "long")

# --- HSE Management Standards Indicator Tool ----------------------------------------------
# Health and Safety Executive, «Management Standards Indicator Tool» (35 items) and its Analysis
# Tool's item-to-standard key (www.hse.gov.uk/stress/standards/). Items 1–23 are answered
# Never…Always, 24–35 Strongly disagree…Strongly agree; HSE reverses the demands and relationships items.
HSE_STANDARDS = {
    "demands": (3, 6, 9, 12, 16, 18, 20, 22),
    "control": (2, 10, 15, 19, 25, 30),
    "managers_support": (8, 23, 29, 33, 35),
    "peer_support": (7, 24, 27, 31),
    "relationships": (5, 14, 21, 34),
    "role": (1, 4, 11, 13, 17),
    "change": (26, 28, 32),
}
HSE_REVERSED_BY_HSE = set(HSE_STANDARDS["demands"] + HSE_STANDARDS["relationships"])
HSE_TO_STRESSKIT = {
    "demands": "arbejdsmaengde",
    "role": "uklare_krav",
    "relationships": "kraenkende_handlinger",
    "control": "indflydelse",
    "managers_support": "stoette_leder",
    "peer_support": "stoette_kolleger",
}
HSE_OFFENSIVE = {5, 21}  # personal harassment, bullying; 14 (friction) and 34 (strained) describe the climate


def _preset(name: str) -> tuple[dict, str]:
    text = (SKELETON / f"mapping-{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text), text


def test_copsoq3_preset_has_exactly_table_2s_middle_version_items():
    data, text = _preset("copsoq3")
    items = {i["item"]: i for i in data["items"]}
    mapped = {c for c, (dim, _v, _s) in COPSOQ_III.items() if dim in COPSOQ_TO_STRESSKIT}
    assert set(items) == {c for c in mapped if COPSOQ_III[c][1] in ("core", "middle")}
    assert not set(items) & NOT_IN_COPSOQ_III
    commented = set(re.findall(r"^\s*#\s*- \{item: (\w+),", text, flags=re.M))
    assert commented == {c for c in mapped if COPSOQ_III[c][1] == "long"} == {"QD4", "WP3", "IN2", "IN5", "SSX3", "SC3"}
    for code, _spec in items.items():  # the version noted beside each line is the table's
        line = next(x for x in text.splitlines() if f"item: {code}," in x)
        assert line.rstrip().endswith({"core": "# kerne", "middle": "# mellem"}[COPSOQ_III[code][1]]), code


def test_copsoq3_transcription_agrees_with_table_2s_counts():
    for dim, (long, middle, core) in COUNTS.items():
        versions = [v for d, v, _s in COPSOQ_III.values() if d == dim]
        assert (len(versions), sum(v != "long" for v in versions), versions.count("core")) == (long, middle, core), dim


def test_copsoq3_preset_scales_directions_and_missing_answers():
    data, text = _preset("copsoq3")
    scales = data["scales"]
    kinds = {"often": {"hyppighed", "stoette"}, "extent": {"grad"}, "events": {"haendelser"}}
    for spec in data["items"]:
        code = spec["item"]
        dim, _version, kind = COPSOQ_III[code]
        assert spec["construct"] == COPSOQ_TO_STRESSKIT[dim], code
        assert spec["scale"] in kinds[kind], code
        assert spec.get("reverse", False) == (code in REVERSED), code
        if dim in ("SS", "SC"):
            assert spec["scale"] == "stoette"
    assert {"Jeg har ingen leder", "I do not have a supervisor"} <= set(scales["stoette"]["missing"])
    for name, scale in scales.items():  # COPSOQ's 0–100: five steps of 25
        assert set(scale["labels"].values()) == {0, 25, 50, 75, 100}, name
    assert data["constructs"]["vold"] == {"rule": "any", "exposed_from": 25}
    # the file names its publication and version, and says which rules are stresskit's own
    flat = " ".join(re.sub(r"^\s*#", " ", text, flags=re.M).split())  # the comments as prose
    assert "Burr H" in flat and "Safety and Health at Work 2019;10(4):482–503, tabel 2" in flat
    assert "MELLEMVERSIONEN" in flat and "0–100" in flat and "Grænserne er stresskits egen regel" in flat
    assert "NFA's danske version" not in flat


def test_hse_preset_maps_every_item_by_its_standard_and_direction():
    data, text = _preset("hse")
    items = {int(i["item"][1:]): i for i in data["items"]}
    standard = {n: s for s, numbers in HSE_STANDARDS.items() for n in numbers}
    assert sorted(standard) == list(range(1, 36))
    expected = {
        n for n, s in standard.items() if s in HSE_TO_STRESSKIT and (s != "relationships" or n in HSE_OFFENSIVE)
    }
    assert set(items) == expected
    for n, spec in items.items():
        assert spec["construct"] == HSE_TO_STRESSKIT[standard[n]], n
        assert spec["scale"] == ("hyppighed" if n <= 23 else "enighed"), n
        # HSE turns demands and relationships round so that high is good; stresskit measures the
        # exposure, so they stay as asked, and the role items (clarity) are turned into unclear demands
        assert spec.get("reverse", False) == (standard[n] == "role"), n
        assert (n in HSE_REVERSED_BY_HSE) == (standard[n] in ("demands", "relationships"))
    labels = data["scales"]
    assert list(labels["hyppighed"]["labels"])[:5] == ["Never", "Seldom", "Sometimes", "Often", "Always"]
    assert list(labels["enighed"]["labels"])[:5] == [
        "Strongly disagree",
        "Disagree",
        "Neutral",
        "Agree",
        "Strongly agree",
    ]
    assert set(data["constructs"]) == set(HSE_TO_STRESSKIT.values())  # no violence, no emotional demands
    flat = " ".join(re.sub(r"^\s*#", " ", text, flags=re.M).split())  # the comments as prose
    assert "HSE Management Standards Indicator Tool" in flat and "www.hse.gov.uk/stress/standards/" in flat
    assert "måler ikke følelsesmæssige krav og ikke vold" in flat and "stresskits egen regel" in flat


@pytest.mark.parametrize("name", ["copsoq3", "hse"])
def test_new_writes_the_preset_and_it_reads_as_a_mapping(tmp_path, name):
    folder = tmp_path / name
    assert cli.main(["new", str(folder), "--apv", name]) == 0
    written = (folder / "apv" / "mapping.yaml").read_text(encoding="utf-8")
    assert written == (SKELETON / f"mapping-{name}.yaml").read_text(encoding="utf-8")
    mapping, problems = apv.read_mapping(Workbook.open(folder))
    assert problems == [] and mapping is not None


def _hse_workbook(tmp_path, answer) -> Workbook:
    folder = tmp_path / "hse"
    assert cli.main(["new", str(folder), "--apv", "hse"]) == 0
    (folder / "institution.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "T",
                "sector": "kommune",
                "units": [{"id": "top", "name": "Top"}, {"id": "a", "name": "A", "parent": "top"}],
            }
        ),
        encoding="utf-8",
    )
    with (folder / "apv" / "2026.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["Afdeling"] + [f"q{n}" for n in range(1, 36)])
        for k in range(12):
            out.writerow(["A"] + [answer(n, k) for n in range(1, 36)])
    return Workbook.open(folder)


def test_hse_answers_score_the_right_way_round(tmp_path):
    """Always unachievable deadlines and always clear about the role: all exposed to workload, none to
    unclear demands; bullying «Seldom» by one respondent is one offensive act."""
    standard = {n: s for s, numbers in HSE_STANDARDS.items() for n in numbers}

    def answer(n, k):
        if standard[n] == "relationships":
            return "Seldom" if (n == 21 and k == 0) else ("Never" if n <= 23 else "Strongly disagree")
        if standard[n] in ("control", "managers_support", "peer_support"):
            return "Sometimes" if n <= 23 else "Neutral"
        return "Always" if n <= 23 else "Strongly agree"

    book = _hse_workbook(tmp_path, answer)
    table = apv.aggregate(book, apv.load(book)).table
    assert table.at[("a", "arbejdsmaengde"), "share"] == 1.0 and table.at[("a", "arbejdsmaengde"), "mean"] == 100
    assert table.at[("a", "uklare_krav"), "share"] == 0.0 and table.at[("a", "uklare_krav"), "mean"] == 0
    assert table.at[("a", "indflydelse"), "mean"] == 50
    from stresskit.overblik import summarize

    s = summarize(book, "a")
    shown = {f.id: f.unit for f in s.apv.exposures}
    assert shown["vold"] == shown["foelelsesmaessige_krav"] == apv.NOT_MEASURED


def test_a_preset_code_missing_from_the_export_is_named_in_danish(tmp_path, capsys):
    folder = shutil.copytree(COPSOQ, tmp_path / "cq", ignore=shutil.ignore_patterns("*.py", "stresskit.sqlite*"))
    path = folder / "apv" / "2026.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    drop = rows[0].index("SSX2")
    path.write_text("\n".join(";".join(r[:drop] + r[drop + 1 :]) for r in rows) + "\n", encoding="utf-8")
    code = cli.main(["validate", str(folder)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code != 0 and "Traceback" not in text
    assert re.search(r"apv/2026\.csv.*SSX2.*kolonnen findes ikke i filen", text), text
    assert "Ofte" not in text and "Jeg har ingen leder" not in text  # no cell of the file is quoted


# --- the short COPSOQ III example ------------------------------------------------------------
@pytest.fixture(scope="module")
def copsoq_built(tmp_path_factory):
    root = tmp_path_factory.mktemp("copsoq")
    folder = shutil.copytree(COPSOQ, root / "cq", ignore=shutil.ignore_patterns("*.py", "stresskit.sqlite*"))
    out = root / "out"
    summary = batch.run(folder, out=out, jobs=1)
    return folder, out, summary


def test_the_copsoq_example_is_what_its_generator_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_copsoq", COPSOQ / "make_copsoq.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.HERE = target = tmp_path / "again"  # written beside the test, read from the same preset
    module.main()
    for rel in ("institution.yaml", "apv/mapping.yaml", "apv/2026.csv"):
        assert (target / rel).read_bytes() == (COPSOQ / rel).read_bytes(), rel
    assert (COPSOQ / "apv" / "mapping.yaml").read_bytes() == (SKELETON / "mapping-copsoq3.yaml").read_bytes()


def test_the_copsoq_example_validates(capsys):
    assert cli.main(["validate", str(COPSOQ)]) == 0
    assert "i orden" in capsys.readouterr().out


def _text(path) -> str:
    page = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    page = re.sub(r"<img[^>]*alt=(['\"])(.*?)\1[^>]*>", r" \2 ", page, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _truth(folder, items, rule, cut, units):
    """A construct's share exposed over the given units' respondents, from the CSV's words alone."""
    words = {
        **{w: s for s, w in enumerate(["Aldrig/næsten aldrig", "Sjældent", "Somme tider", "Ofte", "Altid"])},
        **{
            w: s
            for s, w in enumerate(["I meget ringe grad", "I ringe grad", "Delvis", "I høj grad", "I meget høj grad"])
        },
        **{w: s for s, w in enumerate(["Nej", "Ja, et par gange", "Ja, månedligt", "Ja, ugentligt", "Ja, dagligt"])},
    }
    exposed = counted = 0
    for rec in csv.DictReader(
        (folder / "apv" / "2026.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"
    ):
        if rec["Afdeling"] not in units:
            continue
        scores = [words[rec[c]] * 25 for c in items if rec[c] in words]  # blank, «Ved ikke», «ingen leder»: missing
        if rule == "any" and scores:
            counted += 1
            exposed += max(scores) >= cut
        elif rule == "mean" and len(scores) * 2 >= len(items):
            counted += 1
            exposed += sum(scores) / len(scores) >= cut
    return exposed / counted, counted


@pytest.mark.slow
def test_the_copsoq_example_runs_as_a_batch_with_true_figures(copsoq_built):
    folder, out, summary = copsoq_built
    assert [r for r in summary.runs if r.status != "ok"] == []
    for page in out.rglob("*.html"):
        assert not re.search(r"Traceback|\w+Error\b|Noget gik galt", _text(page)), page
    for nb in out.rglob("*.ipynb"):
        outputs = [o for c in json.loads(nb.read_text(encoding="utf-8"))["cells"] for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], nb
    everyone = ["Indskoling", "Mellemtrin", "Udskoling", "SFO"]
    overblik = _text(out / "skovbo" / "overblik.html")
    for title, items, rule, cut in [
        ("Arbejdsmængde og tidspres", ["QD1", "QD2", "QD3", "WP1", "WP2"], "mean", 62.5),
        ("Arbejdsrelateret vold", ["TV1", "PV1"], "any", 25),
    ]:
        share, _n = _truth(folder, items, rule, cut, everyone)
        assert f"{title} {apv.percent(share)}" in overblik, (title, share)
    # «Jeg har ingen leder» is not an answer: the leader support's n counts only those who answered
    _share, n = _truth(folder, ["SSX1", "SSX2"], "mean", 0, everyone)
    book = Workbook.open(folder)
    assert apv.results(book).table.at[("skovbo", "stoette_leder"), "n"] == n
    raw = (folder / "apv" / "2026.csv").read_text(encoding="utf-8-sig")
    assert "Jeg har ingen leder" in raw and n < raw.count("\n") - 1
