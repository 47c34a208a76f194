"""The anonymity contract, checked from its definition: whatever a reader derives from all
published figures together (any linear combination of them), no non-empty group of fewer
than k respondents may come out.

The audit below shares nothing with stresskit.apv.anonymity: it takes the published table
(what the reports show), builds one equation per shown figure over the respondents (as
groups of identical columns: the respondents coded to the same unit), and asks linear
algebra which 0/1 combinations of respondents lie in the span of those equations.
"""

import csv
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stresskit import apv, figures
from stresskit.apv import anonymity
from stresskit.workbook import Unit, Workbook

from conftest import copy_example


# --- the independent audit ---------------------------------------------------------
def _derivable(parents: dict, coded: dict, shown: set):
    """The atoms (units with respondents coded to them) and every 0/1 group of atoms a reader can
    isolate from the shown subtree totals: those in the span of the published equations."""
    atoms = [u for u in parents if coded.get(u, 0) > 0]
    if not atoms:
        return atoms, np.zeros((0, 0), dtype=int)

    def inside(atom, top):  # is atom in top's subtree? (walks parents itself)
        while atom is not None:
            if atom == top:
                return True
            atom = parents[atom]
        return False

    equations = (
        np.array([[1.0 if inside(a, u) else 0.0 for a in atoms] for u in shown]) if shown else np.zeros((0, len(atoms)))
    )
    projector = np.linalg.pinv(equations) @ equations if len(equations) else np.zeros((len(atoms), len(atoms)))
    subsets = (np.arange(1, 2 ** len(atoms))[:, None] >> np.arange(len(atoms))) & 1
    in_span = np.abs(subsets @ projector - subsets).max(axis=1) < 1e-7
    return atoms, subsets[in_span]


def derivable_small_groups(parents: dict, coded: dict, shown: set, k: int) -> list:
    """Groups of 1..k-1 respondents a reader can isolate. ``coded[u]`` is how many respondents
    are coded to u itself; ``shown`` the units whose subtree total is published."""
    atoms, groups = _derivable(parents, coded, shown)
    sizes = groups @ np.array([coded[a] for a in atoms]) if atoms else np.zeros(0)
    return [[a for a, bit in zip(atoms, g) if bit] for g, n in zip(groups, sizes) if 0 < n < k]


def derivable_all_exposed(parents: dict, coded: dict, exposed: dict, shown: set) -> list:
    """Groups a reader can isolate (from the shown n and shares, i.e. n and the exposed count)
    in which every respondent is exposed: each member's answer is then known."""
    atoms, groups = _derivable(parents, coded, shown)
    if not atoms:
        return []
    sizes = groups @ np.array([coded[a] for a in atoms])
    hits = groups @ np.array([exposed.get(a, 0) for a in atoms])
    return [[a for a, bit in zip(atoms, g) if bit] for g, n, e in zip(groups, sizes, hits) if n > 0 and e == n]


def audit(
    parents: dict,
    answered: dict[str, dict[str, int]],
    results: apv.Results,
    k_of: dict[str, int],
    exposed: dict[str, dict[str, int]] | None = None,
) -> list:
    """Every leak in a published Results, per construct and for the respondent counts; with
    ``exposed`` (per sensitive construct, the exposed per coded unit), also every derivable
    group in which everyone is exposed."""
    leaks = []
    t = results.table.reset_index()
    table = list(zip(t["unit"], t["construct"], t["n"].notna(), t["status"], t["share"].notna(), strict=True))
    for cid, k in k_of.items():
        rows = [(u, has_n, status, has_share) for u, c, has_n, status, has_share in table if c == cid]
        shown = {u for u, has_n, status, _ in rows if has_n or status == apv.NO_ANSWERS}
        leaks += [(cid, g) for g in derivable_small_groups(parents, answered[cid], shown, k)]
        if exposed and cid in exposed:
            with_share = {u for u, _, _, has_share in rows if has_share}
            leaks += [
                (cid, "alle udsat", g) for g in derivable_all_exposed(parents, answered[cid], exposed[cid], with_share)
            ]
    shown = {u for u, n in results.respondents.items() if n is not None}
    leaks += [("besvarelser", g) for g in derivable_small_groups(parents, answered["*"], shown, results.k)]
    return leaks


# --- building published results from a tree ---------------------------------------
CONSTRUCTS = {
    "arbejdsmaengde": apv.Construct("arbejdsmaengde", "Arbejdsmængde", "exposure", False, exposed_from=50),
    "vold": apv.Construct("vold", "Vold", "exposure", True, rule="any", exposed_from=50),
    "kombination.vold_arbejdsmaengde": apv.Construct(
        "kombination.vold_arbejdsmaengde", "Vold + arbejdsmængde", "combination", True, parts=("vold", "arbejdsmaengde")
    ),
}
COMBO = "kombination.vold_arbejdsmaengde"


def publish(
    parents: dict,
    coded: dict[str, int],
    rng: random.Random,
    missing=(0.15, 0.3),
    k=5,
    k_sensitive=10,
    p_exposed: float | None = None,
    exposed_out: dict | None = None,
):
    """Respondents coded to units (some answering only some constructs), run through the real
    aggregation; returns the results and, per construct, how many answered per coded unit.
    ``p_exposed`` sets how likely a respondent is exposed; ``exposed_out`` receives, per
    construct, how many are exposed per coded unit."""
    book = Workbook(
        Path("."),
        "Test",
        "kommune",
        {u: Unit(u, u, p) for u, p in parents.items()},
        min_group=k,
        min_group_sensitive=k_sensitive,
    )
    units = [u for u, c in coded.items() for _ in range(c)]

    def score():
        if p_exposed is None:
            return rng.choice([0.0, 25.0, 75.0, 100.0])
        return rng.choice([75.0, 100.0]) if rng.random() < p_exposed else rng.choice([0.0, 25.0])

    scores = pd.DataFrame(
        {cid: [np.nan if rng.random() < p else score() for _ in units] for cid, p in zip(CONSTRUCTS, missing)}
    )
    flags = (scores >= 50).astype(float).where(scores.notna())
    both = flags["vold"] * flags["arbejdsmaengde"]
    flags[COMBO], scores[COMBO] = both.where(flags["vold"].notna() & flags["arbejdsmaengde"].notna()), np.nan

    def per_unit(rows) -> dict[str, int]:  # how many of the rows (one a respondent) are coded to each unit
        counts = Counter(u for u, row in zip(units, rows, strict=True) if row)
        return {u: counts[u] for u in parents}

    answered = {cid: per_unit(flags[cid].notna()) for cid in CONSTRUCTS}
    answered["*"] = {u: coded.get(u, 0) for u in parents}
    if exposed_out is not None:
        for cid in CONSTRUCTS:
            exposed_out[cid] = per_unit(flags[cid] == 1)
    mapping = apv.Mapping("enhed", [], dict(CONSTRUCTS))
    rnd = apv.Round("r", "r.csv", pd.Series(units, dtype=object), scores, flags, constructs=dict(CONSTRUCTS))
    results = apv.aggregate(book, apv.Survey(mapping, [rnd]))
    return results, answered, {"arbejdsmaengde": k, "vold": k_sensitive, COMBO: k_sensitive}


# --- tests --------------------------------------------------------------------------
def test_the_two_equation_leak_is_closed():
    """g → {p → {c1, c2}, q}: 8 / 1 / 1 respondents. Showing g (10) and c1 (8) would give away
    the 2 people in c2 + q — a reader combines g − c1 across two parent equations."""
    parents = {"g": None, "p": "g", "c1": "p", "c2": "p", "q": "g"}
    results, answered, k_of = publish(parents, {"c1": 8, "c2": 1, "q": 1}, random.Random(1), missing=(0, 0))
    assert audit(parents, answered, results, k_of) == []
    shown = {u for u in parents if results.table.at[(u, "arbejdsmaengde"), "status"] == apv.SHOWN}
    assert not {"g", "c1"} <= shown
    # and the audit does see the leak if both were shown
    assert derivable_small_groups(parents, answered["*"], {"g", "p", "c1"}, 5)


def test_random_trees_leak_nothing():
    """1,000 random trees, both thresholds and the respondent counts: respondents coded to inner
    units, empty units and subtrees, and per-construct missing answers. (Across measures, the
    integer audit below checks everything together.)"""
    rng = random.Random(2026)
    checked = 0
    for _ in range(1000):
        parents = {"u0": None}
        for i in range(1, rng.randint(2, 11)):
            parents[f"u{i}"] = f"u{rng.randrange(i)}"
        coded = {u: rng.choice([0, 0, 0, 1, 2, 3, 4, 5, 6, 8, 9, 12, 25]) for u in parents}
        results, answered, k_of = publish(parents, coded, rng)
        leaks = audit(parents, answered, results, k_of)
        assert leaks == [], f"{parents} {coded}: {leaks}"
        assert linked_withheld(parents, results) == [], f"{parents} {coded}"
        checked += 1
    assert checked == 1000


def _subtree(parents: dict, coded: dict) -> dict:
    out = dict.fromkeys(parents, 0)
    for u, c in coded.items():
        while u is not None:
            out[u] += c
            u = parents[u]
    return out


def test_a_group_where_everyone_is_exposed_to_violence_is_never_given_away():
    """Violence and its combination are sensitive: no group a reader can isolate — however large
    — may have every member exposed, or each member's answer is known. 600 random trees where
    most respondents are exposed; the ordinary measure keeps its 100 % figures."""
    rng = random.Random(11)
    exercised = everyone = 0
    for _ in range(600):
        parents = {"u0": None}
        for i in range(1, rng.randint(2, 9)):
            parents[f"u{i}"] = f"u{rng.randrange(i)}"
        coded = {u: rng.choice([0, 0, 2, 4, 6, 10, 12, 15]) for u in parents}
        exposed: dict = {}
        results, answered, k_of = publish(
            parents, coded, rng, missing=(0.05, 0.05), p_exposed=0.93, exposed_out=exposed
        )
        sensitive = {cid: exposed[cid] for cid in ("vold", COMBO)}
        assert audit(parents, answered, results, k_of, sensitive) == [], f"{parents} {coded}"
        children = {u: [c for c, p in parents.items() if p == u] for u in parents}
        n, e = _subtree(parents, answered["vold"]), _subtree(parents, exposed["vold"])
        exercised += anonymity.suppress(children, "u0", n, 10) != anonymity.suppress(children, "u0", n, 10, exposed=e)
        everyone += int(
            (
                (results.table["share"] == 1.0)
                & (results.table.index.get_level_values("construct") == "arbejdsmaengde")
            ).sum()
        )
    assert exercised > 20 and everyone > 20  # the rule was exercised, and only where it applies


def test_an_all_exposed_group_is_withheld_in_the_same_words_as_any_other():
    """A reason of its own would say «100 %» again, and make every other «skjult» mean «not
    everyone»: a unit of 12 where all 12 report violence is withheld like a complement. Since
    the institution minus its sibling would give the 12 away, one of those two goes too."""
    tree = {"g": ["a", "b"], "a": [], "b": []}
    status = anonymity.suppress(tree, "g", {"g": 32, "a": 12, "b": 20}, 10, exposed={"g": 13, "a": 12, "b": 1})
    assert status == {"a": anonymity.COMPLEMENT, "b": anonymity.COMPLEMENT, "g": anonymity.SHOWN}
    assert anonymity.status_text(anonymity.COMPLEMENT, 10, sensitive=True) == anonymity.COMPLEMENT_SENSITIVE
    assert "udsat" not in anonymity.COMPLEMENT_SENSITIVE and "alle" not in anonymity.COMPLEMENT_SENSITIVE
    # the audit does see that leak when all three are shown
    assert derivable_all_exposed(
        {"g": None, "a": "g", "b": "g"}, {"a": 12, "b": 20}, {"a": 12, "b": 1}, {"g", "b"}
    ) == [["a"]]
    # an ordinary measure (no exposed counts) shows all three
    assert set(anonymity.suppress(tree, "g", {"g": 32, "a": 12, "b": 20}, 10).values()) == {anonymity.SHOWN}


def linked_withheld(parents, results) -> list:
    """Figures linked to a withheld one: a construct's n beside a withheld respondent count, or a
    combination («exposed to both») beside a withheld part, where one gives the other away."""
    bad = []
    status = results.table["status"].to_dict()  # (unit, construct) → status
    for u in parents:
        for cid in CONSTRUCTS:
            if status[(u, cid)] == apv.SHOWN and results.respondents[u] is None:
                bad.append((u, cid, "besvarelser skjult"))
        if status[(u, COMBO)] == apv.SHOWN:
            bad += [(u, COMBO, part) for part in ("vold", "arbejdsmaengde") if status[(u, part)] != apv.SHOWN]
    return bad


def test_a_combination_never_gives_away_a_withheld_part():
    """Found by review: Lærere (10) and Kommunikation (2, no workload answers). Vold was shown for the
    school (12) and hidden for Lærere, but «vold + arbejdsmængde» was shown for Lærere (n=10); with
    Lærere's workload share at 100 % it equals Lærere's vold share, and the school minus that gives
    the 2 in Kommunikation."""
    parents = {"skole": None, "laerere": "skole", "kom": "skole"}
    book = Workbook(Path("."), "Test", "kommune", {u: Unit(u, u, p) for u, p in parents.items()})
    units = ["laerere"] * 10 + ["kom"] * 2
    work = [100.0] * 10 + [np.nan] * 2
    violence = [100.0] * 3 + [0.0] * 7 + [100.0] * 2
    scores = pd.DataFrame({"arbejdsmaengde": work, "vold": violence})
    flags = (scores >= 50).astype(float).where(scores.notna())
    flags[COMBO], scores[COMBO] = (
        (flags["vold"] * flags["arbejdsmaengde"]).where(flags["arbejdsmaengde"].notna()),
        np.nan,
    )
    rnd = apv.Round("r", "r.csv", pd.Series(units, dtype=object), scores, flags, constructs=dict(CONSTRUCTS))
    t = apv.aggregate(book, apv.Survey(apv.Mapping("enhed", [], dict(CONSTRUCTS)), [rnd])).table
    assert t.at[("skole", "vold"), "status"] == apv.SHOWN and t.at[("laerere", "vold"), "status"] != apv.SHOWN
    assert t.at[("laerere", COMBO), "status"] != apv.SHOWN


def test_a_withheld_count_is_not_given_away_by_a_construct_n():
    """Found by review: Administration's respondent count was withheld, yet its n for violence (all
    answered) was printed. A unit's figures are shown only where its respondent count is."""
    results, *_ = publish(
        {"r": None, "adm": "r", "a": "adm", "b": "adm", "x": "r", "v": "r", "k": "r"},
        {"a": 8, "b": 3, "x": 20, "v": 4, "k": 3},
        random.Random(3),
        missing=(0, 0),
        k_sensitive=10,
    )
    assert results.respondents["adm"] is None
    assert (results.table.xs("adm", level="unit")["status"] != apv.SHOWN).all()
    # and a withheld unit never says «no answers» (that too is a figure about a small group)
    assert (results.table.xs("b", level="unit")["status"] == apv.SMALL).all()


def test_small_groups_are_never_shown_and_reasons_are_true():
    rng = random.Random(5)
    for _ in range(300):
        parents = {"u0": None}
        for i in range(1, rng.randint(2, 9)):
            parents[f"u{i}"] = f"u{rng.randrange(i)}"
        coded = {u: rng.choice([0, 1, 3, 6, 12]) for u in parents}
        results, answered, k_of = publish(parents, coded, rng)
        for cid, k in k_of.items():
            for u in parents:
                total = sum(answered[cid][v] for v in parents if _under(parents, v, u))
                status = results.table.at[(u, cid), "status"]
                # «fewer than k» is said only when the group has fewer than k, and always then — unless
                # the figure is withheld with one it builds on (the unit's respondent count, a part of a
                # combination), whose reason it then gives (a reason of its own would say who skipped)
                builds_on = [results.respondent_status[u]] + [
                    results.table.at[(u, p), "status"] for p in CONSTRUCTS[cid].parts
                ]
                linked = any(b not in (apv.SHOWN, apv.NO_ANSWERS) for b in builds_on)
                assert (status == apv.SMALL) <= (total < k)
                assert (0 < total < k) <= (status == apv.SMALL or (linked and status == apv.COMPLEMENT))
                assert (status == apv.NO_ANSWERS) <= (total == 0)
                if status == apv.SHOWN:
                    assert results.table.at[(u, cid), "n"] == total


def _under(parents, v, u):
    while v is not None:
        if v == u:
            return True
        v = parents[v]
    return False


def test_aggregates_go_before_leaves():
    """3 respondents coded to a department: hiding the department protects them (they join the 6
    coded to the institution itself); its 23-person team is not hidden for them."""
    parents = {"inst": None, "dept": "inst", "team": "dept", "other": "inst"}
    tree = {"inst": ["dept", "other"], "dept": ["team"], "team": [], "other": []}
    status = anonymity.suppress(tree, "inst", {"inst": 26 + 30 + 6, "dept": 26, "team": 23, "other": 30}, 5)
    assert status == {"inst": apv.SHOWN, "dept": apv.COMPLEMENT, "team": apv.SHOWN, "other": apv.SHOWN}
    # ... but the institution's own figure is kept when hiding a small leaf suffices
    status = anonymity.suppress(
        {"inst": ["adm", "x"], "adm": ["a", "b"], "a": [], "b": [], "x": []},
        "inst",
        {"inst": 29, "adm": 9, "a": 6, "b": 3, "x": 20},
        5,
    )
    assert status["inst"] == apv.SHOWN and status["b"] == apv.SMALL
    assert (
        derivable_small_groups(
            {"inst": None, "adm": "inst", "a": "adm", "b": "adm", "x": "inst"},
            {"a": 6, "b": 3, "x": 20},
            {u for u, s in status.items() if s == apv.SHOWN},
            5,
        )
        == []
    )
    assert (
        derivable_small_groups(
            parents,
            {"inst": 6, "dept": 3, "team": 23, "other": 30},
            {u for u, s in status.items() if s == apv.SHOWN},
            5,
        )
        == []
    )


def test_exported_figures_of_the_example_pass_the_audit(tmp_path):
    """export-figures publishes what the reports show; audited from the CSV and the raw APV file
    alone (respondent counts), it leaks nothing, and withheld figures say why."""
    book_dir = copy_example(tmp_path / "ex")
    out = tmp_path / "tal.csv"
    from stresskit.cli import main

    assert main(["export-figures", str(book_dir), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig"), delimiter=";"))
    book = Workbook.open(book_dir)
    parents = {u.id: u.parent for u in book.units.values()}
    names = {u.name.casefold(): u.id for u in book.units.values()}
    latest = max(r["Runde"] for r in rows)
    raw = sorted((book_dir / "apv").glob(f"{latest}.*"))[0]
    coded: dict[str, int] = {}
    for rec in csv.reader(raw.read_text(encoding="utf-8-sig").splitlines()[1:], delimiter=";"):
        coded[names[rec[1].casefold()]] = coded.get(names[rec[1].casefold()], 0) + 1
    counts = [r for r in rows if r["Mål-id"] == figures.RESPONDENTS and r["Runde"] == latest]
    shown = {r["Enhed-id"] for r in counts if r["Svar (n)"]}
    assert derivable_small_groups(parents, coded, shown, book.min_group) == []
    for r in counts:
        if r["Svar (n)"]:
            assert int(r["Svar (n)"]) == sum(coded.get(v, 0) for v in parents if _under(parents, v, r["Enhed-id"]))
    small = {r["Status"] for r in rows if r["Enhed-id"] == "adm_oekonomi"}
    assert small == {"Skjult: færre end 5 svar", "Skjult: færre end 10 svar"}
    assert any(r["Status"] == "Skjult, så en mindre gruppe ikke kan regnes ud" for r in rows)
    assert not any(r["Andel"] or r["Gennemsnit (0–100)"] for r in rows if r["Status"] != "vist")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_figures_neutralises_formula_like_names(tmp_path, suffix):
    book_dir = copy_example(tmp_path / "ex")
    text = (book_dir / "institution.yaml").read_text(encoding="utf-8")
    (book_dir / "institution.yaml").write_text(
        text.replace("- id: fjordby\n  name: Fjordby Gymnasium", "- id: fjordby\n  name: '=HYPERLINK(\"http://x\")'"),
        encoding="utf-8",
    )
    out = tmp_path / f"tal{suffix}"
    from stresskit.cli import main

    assert main(["export-figures", str(book_dir), "--out", str(out)]) == 0
    if suffix == ".csv":
        assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    else:
        import openpyxl

        ws = openpyxl.load_workbook(out).active
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert cells and all(c.data_type == "s" for c in cells)


def test_signals_of_small_units_are_withheld_and_not_derivable(tmp_path):
    """Signals (sick leave, turnover) follow the same rule with headcount as the group."""
    from stresskit import signals

    book = Workbook.open(copy_example(tmp_path / "ex"))
    assert signals.withheld(book, "kommunikation") and signals.for_unit(book, "kommunikation") == {}
    assert signals.for_unit(book, "hum")["stress_sygemeldinger"] == 3
    parents = {u.id: u.parent for u in book.units.values()}
    staff = {u: book.units[u].headcount - sum(book.units[c].headcount for c in book.children[u]) for u in parents}
    shown = {u for u in parents if not signals.withheld(book, u)}
    assert derivable_small_groups(parents, staff, shown, book.min_group) == []
    # the institution's figures still count Kommunikation's
    assert signals.for_unit(book, book.root_unit)["stress_sygemeldinger"] == 10


def test_large_trees_decide_exactly_whatever_the_integer_type():
    """The costs grow past 64 bits on thousands of units; counts handed over as numpy integers
    must give the same (exact) decision as Python integers."""
    rng = random.Random(9)
    children, total = {"r": []}, {}
    for d in range(300):
        children["r"].append(f"d{d}")
        children[f"d{d}"] = [f"d{d}t{t}" for t in range(12)]
        for t in children[f"d{d}"]:
            children[t] = []
            total[t] = rng.choice([0, 2, 3, 6, 9, 14, 30])
        total[f"d{d}"] = sum(total[t] for t in children[f"d{d}"]) + rng.choice([0, 0, 2])
    total["r"] = sum(total[d] for d in children["r"])
    exact = anonymity.suppress(children, "r", total, 5)
    assert anonymity.suppress(children, "r", {u: np.int64(n) for u, n in total.items()}, 5) == exact
    parents = {c: p for p, kids in children.items() for c in kids} | {"r": None}
    shown = {u for u, s in exact.items() if s in (apv.SHOWN, apv.NO_ANSWERS)}
    # regions of shown units hold 0 or at least 5 (checked directly: the tree is too big to enumerate)
    for u in shown:
        below = [v for v in parents if v != u and _under(parents, v, u)]
        covered = {v for v in below if v in shown and not any(a in shown for a in _between(parents, v, u))}
        region = total[u] - sum(total[v] for v in covered)
        assert region == 0 or region >= 5, u


def _between(parents, v, u):
    """The units strictly between v and its ancestor u."""
    out, a = [], parents[v]
    while a != u:
        out.append(a)
        a = parents[a]
    return out


def test_signals_of_a_parent_without_a_row_count_only_the_staff_behind_its_rows(tmp_path):
    """Found by review: with Administration's headcount 15 (one manager placed in it), its figures were
    shown beside Studieadministration's though they are only the sum of its two children's rows — so
    Økonomi og løn's (4 staff) followed by subtraction."""
    from stresskit import signals

    root = copy_example(tmp_path / "ex")
    text = (root / "institution.yaml").read_text(encoding="utf-8")
    text = text.replace("headcount: 14", "headcount: 15", 1).replace(
        "headcount: 136", "headcount: 137", 1
    )  # the root holds adm
    (root / "institution.yaml").write_text(text, encoding="utf-8")
    book = Workbook.open(root)
    assert book.units["adm"].headcount == 15
    for period in signals.periods(book):
        shown = [u for u in ("adm", "adm_studie") if not signals.withheld(book, u, period)]
        assert len(shown) < 2, period


# --- across measures: the integer audit (tests/audit.py) ----------------------------
import audit as cross  # noqa: E402
import audit_cases  # noqa: E402


def _issue_case(small: int, violent: int) -> list[dict]:
    """Issue 19.1: the institution's «vold + arbejdsmængde» beside every unit's workload share. A (small,
    everyone exposed to workload, ``violent`` of them to violence), B (20, mixed), C (5, nobody exposed to
    workload): the institution's combination minus B's is A's violence count."""
    people = (
        [("a", 100.0, 100.0 if i < violent else 0.0) for i in range(small)]
        + [("b", 100.0 if i % 2 else 0.0, 100.0 if i % 3 == 0 else 0.0) for i in range(20)]
        + [("c", 0.0, 100.0 if i % 2 else 0.0) for i in range(5)]
    )
    return people


@pytest.mark.parametrize("small, violent", [(5, 2), (5, 5), (10, 10), (6, 2)])
def test_a_combination_no_longer_gives_away_a_small_units_violence(small, violent):
    """On main's rule the audit finds the leak the issue reproduced (the withheld violence count of A is
    pinned to its true value, or everyone in A is known to be exposed); on the rule across measures it
    finds none, and A's count can take several values."""
    book = audit_cases.book_of({"inst": None, "a": "inst", "b": "inst", "c": "inst"})
    survey = audit_cases.survey_of(_issue_case(small, violent))
    with audit_cases.old_rule():
        old = audit_cases.published(book, survey)
    leaks = cross.audit(old)
    assert any(leak.atoms == ("a",) and leak.measure in ("vold", audit_cases.COMBO) for leak in leaks), leaks
    if violent < small:
        assert cross.bounds(old, "r", "a", "vold") == (violent, violent)
    assert {r["Status"] for r in old if r["Enhed-id"] == "inst" and r["Mål-id"] == audit_cases.COMBO} == {"vist"}
    new = audit_cases.published(book, survey)
    assert cross.audit(new) == []
    low, high = cross.bounds(new, "r", "a", "vold")
    assert low < high
    # the unit's workload share is still shown: the combination gives way, not the unit's own figures
    assert [r["Andel"] for r in new if r["Enhed-id"] in "abc" and r["Mål-id"] == "arbejdsmaengde"] == ["1", "0,5", "0"]


def test_random_institutions_leak_nothing_across_measures():
    """200 random institutions (random trees, respondents at random, inner units too, whole units at 0 %
    and 100 %, unanswered questions), each published by export-figures' rows and read back: the audit
    finds no leak. On main's rule the same generator finds leaks (so the check is not vacuous)."""
    rng = random.Random(19)
    cases = [audit_cases.random_institution(rng) for _ in range(200)]
    old_leaky = 0
    for book, survey in cases[:30]:
        with audit_cases.old_rule():
            old_leaky += bool(cross.audit(audit_cases.published(book, survey)))
    assert old_leaky >= 2
    for book, survey in cases:
        rows = audit_cases.published(book, survey)
        assert cross.audit(rows) == [], [r for r in rows if r["Status"] == "vist"][:3]


@pytest.fixture(scope="module")
def example_export(tmp_path_factory):
    book_dir = copy_example(tmp_path_factory.mktemp("ex") / "ex")
    out = book_dir.parent / "tal.csv"
    from stresskit.cli import main

    assert main(["export-figures", str(book_dir), "--out", str(out)]) == 0
    return book_dir, out


def test_the_examples_exported_figures_pass_the_cross_measure_audit(example_export):
    """Everything export-figures publishes for the example, read back from the file: no leak, in either
    round; the own group of Undervisning (3 coded to it itself in 2026) is in the file, under its unit."""
    _book_dir, out = example_export
    rows = cross.read(out)
    assert cross.audit(rows) == []
    own = [r for r in rows if r["Enhed-id"] == "undervisning:egen"]
    assert own and {r["Runde"] for r in own} == {"2026"} and {r["Overenhed-id"] for r in own} == {"undervisning"}
    assert {r["Status"] for r in own if r["Mål-id"] == figures.RESPONDENTS} == {"Skjult: færre end 5 svar"}


def test_stress_sick_leave_follows_the_sensitive_threshold(tmp_path):
    """Issue 19.5: sick leave is health data. Kantine (7 staff), Teknisk service (6) and Ledelse (7) showed
    their signals on main (threshold 5); now every unit with fewer than min_group_sensitive staff is
    withheld, says why in the overblik, and no group of fewer than 10 staff follows by subtraction."""
    from stresskit import overblik, signals

    book = Workbook.open(copy_example(tmp_path / "ex"))
    assert book.min_group_sensitive == 10
    for period in signals.periods(book):
        for unit in ("kantine", "teknisk", "ledelse", "rengoering"):
            assert signals.for_unit(book, unit, period) == {}
            assert "helbredsoplysninger" in signals.withheld(book, unit, period)
            assert f"mindst {book.min_group_sensitive} ansatte" in signals.withheld(book, unit, period)
        parents = {u.id: u.parent for u in book.units.values()}
        staff = {u: book.units[u].headcount - sum(book.units[c].headcount for c in book.children[u]) for u in parents}
        shown = {u for u in parents if not signals.withheld(book, u, period)}
        assert derivable_small_groups(parents, staff, shown, book.min_group_sensitive) == []
        assert signals.for_unit(book, "service", period)  # 21 staff: shown, the sum of its three small units
    note = overblik.summarize(book, "kantine").signals_note
    assert "helbredsoplysninger" in note and "10 ansatte" in note


# --- respondents coded to an inner unit: its own group (issue 21.3) -------------------
def test_respondents_coded_to_an_inner_unit_are_its_own_group():
    """6 coded to a department itself, 20 and 12 in its teams: the 6 are shown as the department's «svar
    uden afdeling», and the department's total (38) as well — every region is then empty or large. With
    3 coded to it, the own group is «færre end 5» and one figure around it gives way; the audit agrees."""
    parents = {"inst": None, "dept": "inst", "t1": "dept", "t2": "dept", "other": "inst"}
    book = audit_cases.book_of(parents)
    people = (
        [("dept", 100.0, 0.0)] * 6 + [("t1", 0.0, 0.0)] * 20 + [("t2", 100.0, 0.0)] * 12 + [("other", 0.0, 0.0)] * 15
    )
    results = apv.aggregate(book, audit_cases.survey_of(people))
    own = apv.own_group("dept")
    assert results.respondents[own] == 6 and results.respondents["dept"] == 38
    assert results.table.at[(own, "arbejdsmaengde"), "share"] == 1.0
    assert apv.owner(own) == "dept" and apv.owner("dept") is None
    rows = figures.rows_of(book, [results])
    assert [r[:5] for r in rows if r[1] == own][0] == ["r", own, "dept – svar uden afdeling", "dept", 2]
    few = apv.aggregate(book, audit_cases.survey_of(people[3:]))
    assert few.respondent_status[own] == apv.SMALL and few.respondents_text(own) == "færre end 5 besvarelser"
    # the 3 must lie in a shown region of at least 5: the smaller team gives way, the department's total stays
    assert few.respondents["dept"] == 35 and few.respondents["t1"] == 20 and few.respondents["t2"] is None
    assert cross.audit(audit_cases.published(book, audit_cases.survey_of(people[3:]))) == []


def test_the_overblik_and_validate_name_the_own_group(tmp_path):
    """Undervisning has 3 respondents coded to it itself in 2026: the overblik says so in its own words,
    and validate's warning says where they are shown."""
    from stresskit import overblik

    book = Workbook.open(copy_example(tmp_path / "ex"))
    line = overblik.summarize(book, "undervisning").apv.respondents
    assert line == (
        "Antallet af besvarelser er skjult, så en mindre gruppe ikke kan regnes ud; "
        "heraf svar uden afdeling: færre end 5 besvarelser"
    )
    assert "heraf" not in overblik.summarize(book, "hum").apv.respondents
    [warning] = apv.coded_to_parents(book, apv.load(book))
    assert "Undervisning (3)" in warning and "«svar uden afdeling», hvor de er mindst 5" in warning


def test_the_index_legend_separates_the_three_reasons(tmp_path):
    """Main's legend said «–» means no answers while withheld figures showed as «skjult» or «–» alike.
    Now: «–» no answers, «under k» fewer than k, «skjult» hidden so small groups can't be worked out."""
    import re
    from datetime import date

    from stresskit.batch import pages as site

    book = Workbook.open(copy_example(tmp_path / "ex"))
    html = site.index_page(book, book.ordered(), [], ["01_apv"], 1.0, "nu", today=date(2026, 11, 1))
    legend = re.search(r"<p class='sk-legend'>(.*?)</p>", html, re.S).group(1)
    assert "«–» betyder ingen svar" in legend and "«under 5»" in legend and "«under 10»" in legend
    assert "«skjult» betyder skjult, så små grupper ikke kan regnes ud" in legend
    row = re.search(r"Kommunikation</a></th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td class=w>([^<]*)</td>", row)
    assert "under 5" in cells and "under 10" in cells and "skjult" not in cells  # 3 respondents: fewer than k
    row = re.search(r"Administration</a></th>(.*?)</tr>", html, re.S).group(1)
    assert set(re.findall(r"<td class=w>([^<]*)</td>", row)) == {"skjult"}  # hidden to protect Økonomi og løn


def test_recommendation_3s_combinations_are_what_export_figures_publishes(monkeypatch, example_export):
    """Every combination share rec. 3 prints for Humaniora and for the institution is the exported share
    (rounded as printed); each withheld one is withheld in the file too, and the unit's report says why
    the institution's is withheld."""
    import re

    from stresskit.views import base, paavirkninger

    book_dir, out = example_export
    rows = cross.read(out)
    latest = max(r["Runde"] for r in rows)
    exported = {(r["Enhed-id"], r["Mål"]): r for r in rows if r["Runde"] == latest and r["Art"] == "kombination"}
    seen = []
    monkeypatch.setattr(base, "display", lambda obj: seen.append(getattr(obj, "data", "")))
    paavirkninger.open(book_dir, "hum", "report").combinations()
    html = "".join(x for x in seen if isinstance(x, str))
    table = re.findall(r"<tr><th scope='row'>([^<]+)</th>(.*?)</tr>", html)
    assert len(table) == 4
    for title, cells in table:
        values = re.findall(r"<td class='sk-num[^']*'>([^<]*)</td>", cells)[:2]  # Humaniora, the institution
        for unit, value in zip(("hum", "fjordby"), values):
            row = exported[(unit, title.replace("&amp;", "&"))]
            if row["Status"] == "vist":
                assert value == f"{float(row['Andel'].replace(',', '.')) * 100:.0f}\u00a0%", (unit, title)
            else:
                assert value == "skjult" and not row["Andel"], (unit, title)
        if exported[("fjordby", title)]["Status"] != "vist":  # the row's note says why
            note = re.search(r"<td class='sk-num'>(\d+)</td>$", cells).group(1)
            assert re.search(rf"<p class='sk-footnote'>{note}\. [^<]*Hele institutionen: skjult", html), (title, note)
    assert any(exported[("fjordby", t)]["Status"] != "vist" for t, _ in table)  # vold's combinations, here
