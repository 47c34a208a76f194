"""APV survey rounds: load, validate, score, aggregate per unit, and anonymise.

Respondent rows and free-text answers never leave this module: callers get only
aggregates in which the anonymity contract of DESIGN.md is already applied.

Scoring: each item is put on 0–100 (reverse-scored items turned around). A respondent's
construct score is the mean of the construct's answered items when at least half of
them are answered, otherwise missing (the respondent then does not count in that
construct's n). A construct with rule ``any`` (used for violence and offensive acts)
scores the highest answered item, so one reported incident counts. A respondent is
exposed when the score is at or above ``exposed_from``; for a resource, the respondent
has a low resource when the score is below ``low_below``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import guide as guide_module
from . import tables, yamlfile
from .problems import InputError, Problem, display_name
from .workbook import Workbook

MAPPING = "mapping.yaml"
MAX_LISTED = 25  # problems listed per file before summing up the rest

# Why a figure is or is not shown; the Danish text is what a report prints.
SHOWN, NO_ANSWERS, SMALL, COMPLEMENT = "shown", "none", "small", "complement"


def status_text(status: str, k: int) -> str:
    return {
        SHOWN: "",
        NO_ANSWERS: "Ingen besvarelser",
        SMALL: f"Skjult: færre end {k} svar",
        COMPLEMENT: "Skjult, så en mindre gruppe ikke kan regnes ud",
    }[status]


@dataclass(frozen=True)
class Item:
    column: str
    construct: str
    low: float
    high: float
    reverse: bool = False
    text: str = ""


@dataclass(frozen=True)
class Construct:
    id: str
    title: str
    kind: str  # exposure | resource | combination
    sensitive: bool
    rule: str = "mean"
    exposed_from: float | None = None
    low_below: float | None = None
    parts: tuple[str, ...] = ()  # for a combination: the two exposures


@dataclass
class Mapping:
    unit_column: str
    items: list[Item]
    constructs: dict[str, Construct]
    missing: tuple[str, ...] = ()


@dataclass
class Round:
    """One survey round. Respondent-level frames are private to this module."""
    name: str
    file: str
    _units: pd.Series = field(repr=False)
    _scores: pd.DataFrame = field(repr=False)
    _flags: pd.DataFrame = field(repr=False)


@dataclass
class Survey:
    mapping: Mapping
    rounds: list[Round]

    @property
    def latest(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    def round(self, name: str | None) -> Round | None:
        if name is None:
            return self.latest
        return next((r for r in self.rounds if r.name == name), None)


# --- mapping ---------------------------------------------------------------------
def read_mapping(book: Workbook) -> tuple[Mapping | None, list[Problem]]:
    path = book.apv_dir / MAPPING
    file = display_name(path, book.root)
    try:
        data = yamlfile.read(path, file, "den skal sige, hvilket spørgsmål der måler hvilken påvirkning eller ressource.")
    except InputError as exc:
        return None, exc.problems

    guide = guide_module.default()
    known = {c["id"]: c for c in guide.constructs()}
    problems: list[Problem] = []
    constructs: dict[str, Construct] = {}
    for cid, spec in (data.get("constructs") or {}).items():
        spec = spec or {}
        where = f"constructs.{cid}"
        if cid not in known:
            problems.append(Problem(file, column=where, value=cid,
                                    expected=f"forventede en påvirkning eller ressource: {', '.join(known)}."))
            continue
        content = known[cid]
        rule = spec.get("rule", "mean")
        if rule not in ("mean", "any"):
            problems.append(Problem(file, column=f"{where}.rule", value=rule, expected="forventede mean eller any."))
        key = "exposed_from" if content["kind"] == "exposure" else "low_below"
        cut = spec.get(key)
        if not isinstance(cut, (int, float)) or isinstance(cut, bool) or not 0 <= cut <= 100:
            problems.append(Problem(file, column=f"{where}.{key}", value=cut, expected="forventede en grænse fra 0 til 100."))
            continue
        constructs[cid] = Construct(cid, content["short"], content["kind"], bool(content.get("sensitive")), rule,
                                    exposed_from=cut if key == "exposed_from" else None,
                                    low_below=cut if key == "low_below" else None)

    items: list[Item] = []
    for n, spec in enumerate(data.get("items") or [], start=1):
        where = f"items[{n}]"
        if not isinstance(spec, dict) or not spec.get("item"):
            problems.append(Problem(file, column=where, expected="forventede item, construct og scale."))
            continue
        if spec.get("construct") not in constructs:
            problems.append(Problem(file, column=f"{where}.construct", value=spec.get("construct"),
                                    expected="forventede en konstruktion, der er defineret under constructs."))
            continue
        scale = spec.get("scale")
        if (not isinstance(scale, list) or len(scale) != 2 or not all(isinstance(x, (int, float)) for x in scale)
                or scale[0] >= scale[1]):
            problems.append(Problem(file, column=f"{where}.scale", value=scale, expected="forventede [laveste, højeste], fx [1, 5]."))
            continue
        items.append(Item(str(spec["item"]), spec["construct"], float(scale[0]), float(scale[1]),
                          bool(spec.get("reverse", False)), str(spec.get("text", ""))))
    if not items:
        problems.append(Problem(file, column="items", expected="forventede mindst ét spørgsmål."))
    unit_column = data.get("unit_column")
    if not isinstance(unit_column, str) or not unit_column:
        problems.append(Problem(file, column="unit_column", value=unit_column, expected="forventede navnet på kolonnen med enheden."))
    for cid in constructs:
        if not any(i.construct == cid for i in items):
            problems.append(Problem(file, column=f"constructs.{cid}", expected="ingen spørgsmål måler denne konstruktion."))

    # The guide's four NFA combinations, wherever both exposures are mapped.
    for combo in guide.combinations:
        a, b = combo["exposures"]
        if a in constructs and b in constructs:
            title = f"{known[a]['short']} + {known[b]['short']}"
            constructs[f"kombination.{combo['id']}"] = Construct(
                f"kombination.{combo['id']}", title, "combination",
                constructs[a].sensitive or constructs[b].sensitive, parts=(a, b))
    missing = tuple(str(x).strip().casefold() for x in data.get("missing_values") or [])
    if problems:
        return None, problems
    return Mapping(unit_column, items, constructs, missing), []


# --- rounds ----------------------------------------------------------------------
def round_files(book: Workbook) -> list[Path]:
    if not book.apv_dir.is_dir():
        return []
    return sorted(p for p in book.apv_dir.iterdir()
                  if p.suffix.lower() in tables.SUFFIXES and not p.name.startswith(("~$", ".")))


def read_round(book: Workbook, mapping: Mapping, path: Path) -> tuple[Round | None, list[Problem]]:
    file = display_name(path, book.root)
    try:
        frame = tables.read(path, file)
    except InputError as exc:
        return None, exc.problems
    problems: list[Problem] = []
    if frame.empty:
        return None, [Problem(file, expected="filen har ingen besvarelser; der forventes én række pr. besvarelse under overskriften.")]
    columns = list(frame.columns)
    if mapping.unit_column not in columns:
        problems.append(Problem(file, row=1, column=mapping.unit_column,
                                expected=f"kolonnen med enheden mangler (mapping.yaml: unit_column); fandt kolonnerne {', '.join(columns[:12])}."))
    for item in mapping.items:
        if item.column not in columns:
            problems.append(Problem(file, row=1, column=item.column, expected="spørgsmålet står i mapping.yaml, men kolonnen findes ikke i filen."))
    if problems:
        return None, problems

    def where(col: str) -> str:
        return f"{col} ({tables.column_letter(columns.index(col))})"

    # The unit column may hold unit ids or unit names.
    lookup = {u.id.casefold(): u.id for u in book.units.values()}
    lookup.update({u.name.casefold(): u.id for u in book.units.values()})
    units = frame[mapping.unit_column].str.casefold().map(lookup)
    for row in np.flatnonzero(units.isna().to_numpy())[:MAX_LISTED]:
        problems.append(Problem(file, row=int(row) + 2, column=where(mapping.unit_column),
                                value=frame[mapping.unit_column].iat[row],
                                expected="forventede id eller navn på en enhed i institution.yaml."))
    problems += _more(file, int(units.isna().sum()), "ukendte enheder")

    scaled = {}
    bad_total = 0
    for item in mapping.items:
        text = frame[item.column]
        if mapping.missing:
            text = text.mask(text.str.casefold().isin(mapping.missing), "")
        values = tables.numbers(text)
        bad = (text != "") & (values.isna() | (values < item.low) | (values > item.high))
        for row in np.flatnonzero(bad.to_numpy()):
            if bad_total < MAX_LISTED:
                problems.append(Problem(file, row=int(row) + 2, column=where(item.column), value=text.iat[row],
                                        expected=f"forventede et tal fra {_num(item.low)} til {_num(item.high)} eller et tomt felt."))
            bad_total += 1
        score = (values - item.low) / (item.high - item.low) * 100
        scaled[item.column] = 100 - score if item.reverse else score
    problems += _more(file, bad_total, "ugyldige svar")
    if problems:
        return None, problems

    scores, flags = _score(mapping, pd.DataFrame(scaled))
    return Round(path.stem, file, units.reset_index(drop=True), scores, flags), []


def _score(mapping: Mapping, scaled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    scores, flags = {}, {}
    for cid, construct in mapping.constructs.items():
        if construct.kind == "combination":
            continue
        cols = [i.column for i in mapping.items if i.construct == cid]
        block = scaled[cols]
        if construct.rule == "any":
            score = block.max(axis=1)
        else:
            answered = block.notna().sum(axis=1)
            score = block.mean(axis=1).where(answered >= math.ceil(len(cols) / 2))
        scores[cid] = score
        flag = score >= construct.exposed_from if construct.kind == "exposure" else score < construct.low_below
        flags[cid] = flag.astype("float").where(score.notna())
    for cid, construct in mapping.constructs.items():
        if construct.kind == "combination":
            a, b = (flags[p] for p in construct.parts)
            flags[cid] = (a * b).where(a.notna() & b.notna())
            scores[cid] = pd.Series(np.nan, index=scaled.index)
    return pd.DataFrame(scores), pd.DataFrame(flags)


def _more(file: str, count: int, what: str) -> list[Problem]:
    if count <= MAX_LISTED:
        return []
    return [Problem(file, expected=f"… og {count - MAX_LISTED} {what} mere end de viste.")]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


def check(book: Workbook) -> list[Problem]:
    """Every problem in apv/: the mapping and each round file. No survey yet is fine."""
    files = round_files(book)
    if not files:
        return []
    mapping, problems = read_mapping(book)
    if mapping is None:
        return problems
    for path in files:
        problems += read_round(book, mapping, path)[1]
    return problems


def _fingerprint(book: Workbook) -> tuple:
    """What the survey's figures depend on: the unit tree, the thresholds and the apv/ files as they are now."""
    files = [book.root / "institution.yaml", book.apv_dir / MAPPING, *round_files(book)]
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())
    return (str(book.root.resolve()), stats)


_cache: dict[tuple, object] = {}


def results(book: Workbook) -> Results | None:
    """The latest round's anonymised results, computed once per process while the files are unchanged
    (the notebooks of one unit share a kernel, and three of them read the APV)."""
    key = _fingerprint(book)
    if key not in _cache:
        survey = load(book)
        _cache.clear()
        _cache[key] = aggregate(book, survey) if survey and survey.rounds else None
    return _cache[key]


def load(book: Workbook) -> Survey | None:
    """All rounds, oldest first; None when the workbook has no survey. Raise InputError on bad input."""
    files = round_files(book)
    if not files:
        return None
    mapping, problems = read_mapping(book)
    if mapping is None:
        raise InputError(problems)
    rounds = []
    for path in files:
        rnd, found = read_round(book, mapping, path)
        problems += found
        if rnd is not None:
            rounds.append(rnd)
    if problems:
        raise InputError(problems)
    return Survey(mapping, rounds)


# --- aggregation and anonymity --------------------------------------------------
@dataclass
class Results:
    """Aggregates of one round per unit and construct, already anonymised.

    ``table`` has one row per (unit, construct): n, mean (0–100), share (0–1, exposed or
    low resource) and status; n, mean and share are NaN unless status is SHOWN.
    """
    round: str
    table: pd.DataFrame
    constructs: dict[str, Construct]
    k: int
    k_sensitive: int
    respondents: dict[str, int | None]  # None when withheld

    def threshold(self, construct: str) -> int:
        return self.k_sensitive if self.constructs[construct].sensitive else self.k

    def status_text(self, unit_id: str, construct: str) -> str:
        return status_text(self.table.at[(unit_id, construct), "status"], self.threshold(construct))


def aggregate(book: Workbook, survey: Survey, round_name: str | None = None) -> Results:
    rnd = survey.round(round_name)
    units = book.ordered()
    # Each respondent counts in their own unit and in every unit above it.
    ancestors = {u: book.ancestors(u) for u in units}
    member = rnd._units.map(ancestors).explode()
    member.name = "unit"
    scores = rnd._scores.loc[member.index].assign(unit=member.to_numpy())
    flags = rnd._flags.loc[member.index].assign(unit=member.to_numpy())
    n = flags.groupby("unit").count().reindex(units, fill_value=0)
    mean = scores.groupby("unit").mean().reindex(units)
    share = flags.groupby("unit").mean().reindex(units)
    direct = rnd._flags.assign(unit=rnd._units.to_numpy()).groupby("unit").count().reindex(units, fill_value=0)

    rows = []
    for cid, construct in survey.mapping.constructs.items():
        k = book.min_group_sensitive if construct.sensitive else book.min_group
        status = suppress(book, n[cid].to_dict(), direct[cid].to_dict(), k)
        for u in units:
            shown = status[u] == SHOWN
            rows.append((u, cid, n.at[u, cid] if shown else np.nan, mean.at[u, cid] if shown else np.nan,
                         share.at[u, cid] if shown else np.nan, status[u]))
    table = pd.DataFrame(rows, columns=["unit", "construct", "n", "mean", "share", "status"]).set_index(["unit", "construct"])

    total = rnd._units.value_counts().reindex(units, fill_value=0)  # every row is a respondent
    everyone = {u: int(total[book.subtree(u)].sum()) for u in units}
    resp_status = suppress(book, everyone, total.to_dict(), book.min_group)
    respondents = {u: everyone[u] if resp_status[u] in (SHOWN, NO_ANSWERS) else None for u in units}
    return Results(rnd.name, table, survey.mapping.constructs, book.min_group, book.min_group_sensitive, respondents)


def suppress(book: Workbook, n: dict[str, int], direct: dict[str, int], k: int) -> dict[str, str]:
    """Decide per unit whether its figure may be shown.

    Primary suppression withholds every group of 1..k-1 respondents. Complementary
    suppression then withholds more until no withheld group — nor any sum of withheld
    groups of fewer than k — can be worked out from the shown ones. A unit's total is
    its own respondents ("direct", never shown on their own) plus its children, so each
    parent gives one equation; a reader who knows all but one term of an equation knows
    that one too, which we follow to a fixed point before checking.
    """
    status = {u: (NO_ANSWERS if n[u] == 0 else SMALL if n[u] < k else SHOWN) for u in n}
    relations = [(p, kids) for p, kids in book.children.items() if kids]

    def size(cell):
        return direct[cell[1]] if isinstance(cell, tuple) else n[cell]

    while True:
        known = {u for u, s in status.items() if s in (SHOWN, NO_ANSWERS)}
        known |= {("direct", p) for p in n if direct.get(p, 0) == 0}
        leak = None
        changed = True
        while changed and leak is None:  # what a reader can subtract their way to
            changed = False
            for p, kids in relations:
                unknown = [m for m in (p, *kids, ("direct", p)) if m not in known]
                hidden = sum(size(m) for m in unknown if m != p)
                if (p in known and 0 < hidden < k) or (len(unknown) == 1 and 0 < size(unknown[0]) < k):
                    leak = (p, kids)
                    break
                if len(unknown) == 1:
                    known.add(unknown[0])
                    changed = True
        if leak is None:
            return status
        p, kids = leak
        candidates = sorted((c for c in kids if status[c] == SHOWN and n[c] > 0), key=lambda c: n[c])
        if candidates:
            status[candidates[0]] = COMPLEMENT
        elif status[p] == SHOWN:
            status[p] = COMPLEMENT
        else:  # nothing left to hide in this equation: hide the nearest shown unit above
            shown_up = [a for a in book.ancestors(p)[1:] if status[a] == SHOWN]
            if not shown_up:
                return status
            status[shown_up[0]] = COMPLEMENT
