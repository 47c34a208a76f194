"""Every «tydeligt bedre/værre» and «markant højere» the example's reports print is true, and every
difference that holds is claimed where both figures are shown.

The check does not call stresskit's scoring or test: it reads the raw APV files, the mapping and the
unit tree itself, counts who is exposed (or has a low resource) in each unit's subtree, and runs
Fisher's exact test (two-sided, p < 0.05) with scipy. «Markant højere» compares the unit with the
REST of the institution (the institution without the unit). Whether a figure is shown is read from
the printed report (a percentage, not «skjult» or «–»)."""

import math
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from scipy.stats import fisher_exact

from conftest import EXAMPLE_TODAY, ROOT

TODAY = "2026-11-21"
LEVEL = 0.05


# --- the example built once ----------------------------------------------------------------
@pytest.fixture(scope="module")
def built(example_batch):
    """The example's batch as of TODAY, shared by the session (conftest)."""
    assert TODAY == EXAMPLE_TODAY
    book, summary = example_batch
    return book, summary.out


# --- the raw data, read here and nowhere else ------------------------------------------------
def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def tree(book: Path) -> tuple[dict, dict, dict, str]:
    """Parent per unit id, name per id, the id for every name a round may use, and the root."""
    units = read_yaml(book / "institution.yaml")["units"]
    parent = {u["id"]: u.get("parent") for u in units}
    name = {u["id"]: u["name"] for u in units}
    lookup = {}
    for u in units:
        for old in u.get("previous_names") or []:
            lookup[old.casefold()] = u["id"]
    for u in units:
        lookup[u["name"].casefold()] = lookup[u["id"].casefold()] = u["id"]
    root = next(u for u, p in parent.items() if p is None)
    return parent, name, lookup, root


def counts(book: Path) -> dict[str, dict[tuple[str, str], tuple[int, int]]]:
    """Per round name, per (unit, construct): (how many exposed or with a low resource, how many scored),
    over the unit and every unit below it."""
    mapping = read_yaml(book / "apv" / "mapping.yaml")
    parent, _name, lookup, _root = tree(book)
    missing = {str(v).casefold() for v in mapping.get("missing_values") or []}
    constructs = mapping["constructs"]
    out = {}
    for spec in mapping["rounds"]:
        frame = pd.read_csv(
            book / "apv" / spec["file"], sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False
        )
        asked = [i for i in mapping["items"] if i["item"] not in (spec.get("not_asked") or [])]
        table = {}
        for cid, rule in constructs.items():
            items = [i for i in mapping["items"] if i["construct"] == cid]
            if any(i not in asked for i in items):
                continue  # not asked this round: no figure
            for _, row in frame.iterrows():
                values = []
                for i in items:
                    cell = row[i["item"]].strip()
                    if cell == "" or cell.casefold() in missing:
                        continue
                    low, high = i["scale"]
                    value = (float(cell) - low) / (high - low) * 100
                    values.append(100 - value if i.get("reverse") else value)
                if rule.get("rule") == "any":
                    score = max(values) if values else None
                else:
                    score = sum(values) / len(values) if len(values) >= math.ceil(len(items) / 2) else None
                if score is None:
                    continue
                flag = score >= rule["exposed_from"] if "exposed_from" in rule else score < rule["low_below"]
                unit = lookup[row[mapping["unit_column"]].strip().casefold()]
                while unit is not None:  # the respondent counts in every unit above too
                    x, n = table.get((unit, cid), (0, 0))
                    table[(unit, cid)] = (x + int(flag), n + 1)
                    unit = parent[unit]
        out[str(spec["name"])] = table
    return out


def titles() -> dict[str, str]:
    """Short and long titles of the exposures and resources → construct id (as the reports print them)."""
    guide = read_yaml(ROOT / "stresskit" / "content" / "guide.yaml")
    out = {}
    for item in [*guide["exposures"], *guide["resources"]]:
        for key in ("short", "title"):
            if item.get(key):
                out[item[key]] = item["id"]
    return out


def p_value(a: tuple[int, int], b: tuple[int, int]) -> float:
    return fisher_exact([[a[0], a[1] - a[0]], [b[0], b[1] - b[0]]]).pvalue


# --- the printed report, read back ---------------------------------------------------------
def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def table_rows(html: str, css: str) -> list[tuple[str, list[str]]]:
    """Per row of every table with class ``css``: the row heading and the cells, as text."""
    rows = []
    for table in re.findall(rf"<table class=['\"][^'\"]*\b{css}\b[^'\"]*['\"].*?</table>", html, flags=re.S):
        for head, cells in re.findall(r"<th scope=['\"]row['\"][^>]*>(.*?)</th>(.*?)</tr>", table, flags=re.S):
            rows.append((text(head), [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, flags=re.S)]))
    return rows


def share(cell: str) -> float | None:
    found = re.match(r"(\d+)\s*%", cell.replace("\u00a0", " "))
    return int(found[1]) / 100 if found else None


def printed(share_value: float, figure: tuple[int, int]) -> bool:
    return round(share_value * 100) == round(figure[0] / figure[1] * 100)


# --- the checks -------------------------------------------------------------------------------
def test_markant_hoejere_is_printed_exactly_where_fishers_test_against_the_rest_holds(built):
    book, out = built
    parent, name, _lookup, root = tree(book)
    rounds = counts(book)
    latest = rounds[list(rounds)[-1]]
    ids = titles()
    claimed, checked = [], 0
    for unit in parent:
        if unit == root:
            continue
        html = (out / unit / "overblik.html").read_text(encoding="utf-8")
        for title, cells in table_rows(html, "sk-ob-apv"):
            cid = ids[title]
            mine, theirs = share(cells[0]), share(cells[1])
            higher = "markant højere" in cells[0]
            if mine is None or theirs is None:
                assert not higher, (unit, title)  # only where both figures are shown
                continue
            x, n = latest[(unit, cid)]
            total = latest[(root, cid)]
            assert printed(mine, (x, n)) and printed(theirs, total), (unit, title, cells)
            rest = (total[0] - x, total[1] - n)
            holds = rest[1] > 0 and x / n > rest[0] / rest[1] and p_value((x, n), rest) < LEVEL
            assert higher == holds, (name[unit], title, (x, n), rest, p_value((x, n), rest))
            checked += 1
            if higher:
                claimed.append((unit, cid))
    print("markant højere:", claimed, "af", checked, "viste par")
    assert checked > 50 and claimed  # the example has both kinds


def changes_from_overblik(book: Path, out: Path) -> dict[str, dict[str, str]]:
    """Per unit, per construct whose change is shown: the change cell's text."""
    parent, _name, _lookup, _root = tree(book)
    ids = titles()
    found = {}
    for unit in parent:
        html = (out / unit / "overblik.html").read_text(encoding="utf-8")
        for title, cells in table_rows(html, "sk-ob-apv"):
            if "point" in cells[-1]:
                found.setdefault(unit, {})[ids[title]] = cells[-1]
    return found


def test_tydeligt_bedre_or_vaerre_is_printed_exactly_where_fishers_test_between_rounds_holds(built):
    book, out = built
    _parent, name, _lookup, _root = tree(book)
    rounds = counts(book)
    before, now = (rounds[r] for r in list(rounds)[-2:])
    claimed, checked = [], 0
    for unit, cells in changes_from_overblik(book, out).items():
        for cid, cell in cells.items():
            a, b = before[(unit, cid)], now[(unit, cid)]
            p = p_value(a, b)
            word = "tydeligt værre" if b[0] / b[1] > a[0] / a[1] else "tydeligt bedre"
            assert ("tydeligt" in cell) == (p < LEVEL), (name[unit], cid, a, b, p, cell)
            if p < LEVEL:
                assert word in cell, (name[unit], cid, cell)
                claimed.append((unit, cid, word))
            checked += 1
    print("tydelige ændringer:", claimed, "af", checked)
    assert checked > 50 and claimed


def test_recommendation_1_and_the_index_claim_the_same_changes(built):
    """The trend table of each unit's recommendation 1, the institution's lists of units that got
    better or worse, and the index's counts, against the test recomputed from the APV files."""
    book, out = built
    parent, name, _lookup, root = tree(book)
    rounds = counts(book)
    before, now = (rounds[r] for r in list(rounds)[-2:])
    ids = titles()
    holds = {}
    changes_shown = changes_from_overblik(book, out)
    for unit, cells in changes_shown.items():
        for cid in cells:
            a, b = before[(unit, cid)], now[(unit, cid)]
            if p_value(a, b) < LEVEL:
                holds[(unit, cid)] = "værre" if b[0] / b[1] > a[0] / a[1] else "bedre"
    for unit in parent:
        rows = table_rows((out / unit / "01_apv.html").read_text(encoding="utf-8"), "sk-trend")
        for title, cells in rows:
            cid, cell = ids[title], cells[-1]
            if "procentpoint" not in cell:
                continue
            expected = holds.get((unit, cid))
            assert (f"tydeligt {expected}" in cell) if expected else ("ikke tydeligt" in cell), (
                name[unit],
                title,
                cell,
            )
    institution = (out / root / "01_apv.html").read_text(encoding="utf-8")
    for word in ("bedre", "værre"):
        listed = re.search(rf"Enheder, der blev tydeligt {word}</h3>(.*?)(?:<h3>|</div>)", institution, flags=re.S)[1]
        said = {
            (u, c)
            for u in parent
            for c in set(ids.values())
            if re.search(
                rf"<b>{re.escape(name[u])}</b>:[^<]*{re.escape(next(t for t, i in ids.items() if i == c and t))}",
                listed,
            )
        }
        units_said = {u for u, _c in said}
        assert units_said == {u for (u, _c), w in holds.items() if w == word and u != root}, word
    index = (out / "index.html").read_text(encoding="utf-8")
    for unit in parent:
        row = re.search(rf"<a href=[^>]*>{re.escape(name[unit])}</a></th>(.*?)</tr>", index, flags=re.S)
        cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], flags=re.S)]
        change = [c for c in cells if re.fullmatch(r"ingen tydelig|\d+ bedre(, \d+ værre)?|\d+ værre", c)]
        better = sum(1 for (u, _c), w in holds.items() if u == unit and w == "bedre")
        worse = sum(1 for (u, _c), w in holds.items() if u == unit and w == "værre")
        expected = ", ".join(x for x in (f"{better} bedre" if better else "", f"{worse} værre" if worse else "") if x)
        if unit in changes_shown:  # a unit with changes shown has its count; one without has «–»
            assert change == [expected or "ingen tydelig"], (name[unit], cells, better, worse)
        else:
            assert change == [], (name[unit], cells)


def test_the_rule_is_said_in_plain_danish_where_the_claims_are(built):
    _book, out = built
    overblik = text((out / "hum" / "overblik.html").read_text(encoding="utf-8"))
    assert "resten af institutionen" in overblik and "Fishers eksakte test" in overblik
    assert "under 5 % af gangene" in overblik.replace("\u00a0", " ")
    assert "test for to andele" not in overblik  # the z-test is gone
    apv = text((out / "hum" / "01_apv.html").read_text(encoding="utf-8"))
    assert "Fishers eksakte test" in apv
