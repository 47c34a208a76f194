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

from . import anonymity
from . import guide as guide_module
from . import tables, yamlfile
from .problems import InputError, Problem, display_name
from .workbook import Workbook

MAPPING = "mapping.yaml"
MAX_LISTED = 25  # problems listed per file before summing up the rest

# Why a figure is or is not shown (re-exported: views compare statuses through apv).
SHOWN, NO_ANSWERS, SMALL, COMPLEMENT = anonymity.SHOWN, anonymity.NO_ANSWERS, anonymity.SMALL, anonymity.COMPLEMENT
status_text = anonymity.status_text


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
    """Aggregates of one round per unit and construct, already anonymised (see anonymity).

    ``table`` has one row per (unit, construct): n, mean (0–100), share (0–1, exposed or
    low resource) and status; n, mean and share are NaN unless status is SHOWN. A mean is
    never given for a rule-``any`` construct or a combination: there it says nothing.
    """
    round: str
    table: pd.DataFrame
    constructs: dict[str, Construct]
    k: int
    k_sensitive: int
    respondents: dict[str, int | None]  # None when withheld
    respondent_status: dict[str, str] = field(default_factory=dict)

    def threshold(self, construct: str) -> int:
        return self.k_sensitive if self.constructs[construct].sensitive else self.k

    def status_text(self, unit_id: str, construct: str) -> str:
        return status_text(self.table.at[(unit_id, construct), "status"], self.threshold(construct))

    def respondents_text(self, unit_id: str) -> str:
        """The unit's respondent count, or the true reason it is withheld."""
        n = self.respondents[unit_id]
        if n is not None:
            return "1 besvarelse" if n == 1 else f"{n} besvarelser"
        if self.respondent_status[unit_id] == SMALL:
            return f"færre end {self.k} besvarelser"
        return "antallet af besvarelser er skjult, så en mindre gruppe ikke kan regnes ud"


def _subtree_sums(book: Workbook, codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per unit (book.ordered()), the column sums of ``values`` over the unit's subtree,
    given each row's own unit as an index into book.ordered()."""
    units = book.ordered()
    out = np.zeros((len(units), values.shape[1]))
    np.add.at(out, codes, values)
    position = {u: i for i, u in enumerate(units)}
    for i in range(len(units) - 1, 0, -1):  # depth-first order: every child comes after its parent
        out[position[book.units[units[i]].parent]] += out[i]
    return out


def aggregate(book: Workbook, survey: Survey, round_name: str | None = None) -> Results:
    rnd = survey.round(round_name)
    units = book.ordered()
    cids = list(survey.mapping.constructs)
    codes = rnd._units.map({u: i for i, u in enumerate(units)}).to_numpy(dtype=int)
    flags = rnd._flags[cids].to_numpy(dtype=float)
    scores = rnd._scores[cids].to_numpy(dtype=float)
    answered = ~np.isnan(flags)
    n, exposed, score_sum = (_subtree_sums(book, codes, x) for x in
                             (answered.astype(float), np.nan_to_num(flags), np.nan_to_num(scores)))
    with np.errstate(invalid="ignore", divide="ignore"):
        share, mean = exposed / n, score_sum / n
    no_mean = [i for i, c in enumerate(cids) if survey.mapping.constructs[c].kind == "combination"
               or survey.mapping.constructs[c].rule == "any"]
    mean[:, no_mean] = np.nan

    status = np.empty(n.shape, dtype=object)
    for j, cid in enumerate(cids):
        k = book.min_group_sensitive if survey.mapping.constructs[cid].sensitive else book.min_group
        decided = anonymity.suppress(book.children, book.root_unit, dict(zip(units, n[:, j].astype(int))), k)
        status[:, j] = [decided[u] for u in units]
    hidden = status != SHOWN
    table = pd.DataFrame({
        "n": np.where(hidden, np.nan, n).ravel(),
        "mean": np.where(hidden, np.nan, mean).ravel(),
        "share": np.where(hidden, np.nan, share).ravel(),
        "status": status.ravel(),
    }, index=pd.MultiIndex.from_product([units, cids], names=["unit", "construct"]))

    everyone = _subtree_sums(book, codes, np.ones((len(codes), 1)))[:, 0].astype(int)
    counts = dict(zip(units, (int(x) for x in everyone)))
    resp_status = anonymity.suppress(book.children, book.root_unit, counts, book.min_group)
    respondents = {u: counts[u] if resp_status[u] in (SHOWN, NO_ANSWERS) else None for u in units}
    return Results(rnd.name, table, survey.mapping.constructs, book.min_group, book.min_group_sensitive,
                   respondents, resp_status)


def coded_to_parents(book: Workbook, survey: Survey) -> list[str]:
    """Warnings (Danish) for respondents coded to a unit that has sub-units: they can only be
    shown inside a larger group, so units around them may be hidden. Per round, say how many
    and which units are hidden because of them (compared with the same round without them)."""
    out = []
    inner = [u for u in book.ordered() if book.children[u]]
    for rnd in survey.rounds:
        direct = rnd._units.value_counts()
        placed = {u: int(direct.get(u, 0)) for u in inner if direct.get(u, 0)}
        if not placed:
            continue
        without = Round(rnd.name, rnd.file, *(x[~rnd._units.isin(placed).to_numpy()].reset_index(drop=True)
                                              for x in (rnd._units, rnd._scores, rnd._flags)))
        with_them = aggregate(book, Survey(survey.mapping, [rnd]))
        baseline = aggregate(book, Survey(survey.mapping, [without]))
        lost = [u for u in book.ordered()
                if (with_them.table.xs(u, level="unit")["status"] == COMPLEMENT).to_numpy().any()
                and not (baseline.table.xs(u, level="unit")["status"] == COMPLEMENT).to_numpy().any()]
        where = ", ".join(f"{book.unit_name(u)} ({n})" for u, n in placed.items())
        text = (f"{rnd.file}: {sum(placed.values())} besvarelser er kodet til en enhed, der har underenheder: {where}. "
                "De kan kun vises sammen med andre")
        if lost:
            text += "; derfor skjules nogle tal for " + ", ".join(book.unit_name(u) for u in lost)
        out.append(text + ". Kod dem til den enhed, hvor de arbejder, hvis det er muligt.")
    return out
