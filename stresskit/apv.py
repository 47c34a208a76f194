"""APV survey rounds: load, validate, score, aggregate per unit, and anonymise.

Respondent rows and free-text answers never leave this module: callers get only
aggregates in which the anonymity contract of DESIGN.md is already applied.

Rounds: every .csv/.xlsx in apv/ is a round, ordered by file name, or as mapping.yaml's
``rounds:`` lists them (name, file, date, sheet, header_row, not_asked). A construct is
reported for a round only when the round asked all its items. Answers are numbers on an
item's ``scale: [low, high]`` or labels of a named scale (``scales:``), matched case- and
whitespace-insensitively. Each round is aggregated and anonymised on its own
(``aggregate(book, survey, round_name)``; ``history(book)`` gives every round).

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
from dataclasses import asdict, dataclass, field
from datetime import date as _date
from pathlib import Path

import numpy as np
import pandas as pd

from . import anonymity
from . import guide as guide_module
from . import memo, tables, yamlfile
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
    scale: str | None = None  # a named, labelled scale; None for numeric answers in [low, high]


@dataclass(frozen=True)
class Scale:
    """Answer labels and their numbers, e.g. «Altid» = 5; matched case- and whitespace-insensitively."""
    name: str
    labels: dict[str, float]  # normalised label -> number
    shown: tuple[str, ...]    # the labels as written, for messages
    missing: frozenset[str] = frozenset()  # normalised labels meaning «not answered»


def normalise(label: str) -> str:
    return " ".join(str(label).split()).casefold()


@dataclass(frozen=True)
class RoundSpec:
    """A round as mapping.yaml's ``rounds:`` names it."""
    name: str
    file: str
    date: str | None = None
    sheet: str | None = None
    header_row: int = 1
    not_asked: frozenset[str] = frozenset()  # item columns this round's survey did not have


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
    scales: dict[str, Scale] = field(default_factory=dict)
    rounds: list[RoundSpec] = field(default_factory=list)  # empty: every file in apv/, by name
    sheet: str | None = None
    header_row: int = 1


@dataclass
class Round:
    """One survey round. Respondent-level frames are private to this module."""
    name: str
    file: str
    _units: pd.Series = field(repr=False)
    _scores: pd.DataFrame = field(repr=False)
    _flags: pd.DataFrame = field(repr=False)
    date: str | None = None
    constructs: dict[str, Construct] = field(default_factory=dict)  # those this round measures


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
def _section(data: dict, key: str, kind: type, file: str, expected: str, problems: list[Problem]):
    """A top-level section of mapping.yaml, or an empty one of the right type when it has the wrong type."""
    value = data.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        problems.append(Problem(file, column=key, expected=f"{key} skal være {expected}."))
        return kind()
    return value


def _flag(spec: dict, key: str, file: str, where: str, problems: list[Problem]) -> bool:
    """A yes/no setting must be a YAML boolean: «nej» in quotes is text, and text would count as yes."""
    value = spec.get(key, False)
    if not isinstance(value, bool):
        problems.append(Problem(file, column=f"{where}.{key}", value=value,
                                expected="forventede true eller false (uden anførselstegn)."))
        return False
    return value


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
    raw_constructs = _section(data, "constructs", dict, file, "en ordbog med én påvirkning eller ressource pr. nøgle, "
                              "fx «arbejdsmaengde: {exposed_from: 62.5}»", problems)
    raw_items = _section(data, "items", list, file, "en liste med ét punkt pr. spørgsmålskolonne", problems)
    raw_scales = _section(data, "scales", dict, file, "en ordbog med navngivne svarskalaer", problems)
    raw_rounds = _section(data, "rounds", list, file, "en liste af runder med name, file og date", problems)
    raw_missing = _section(data, "missing_values", list, file, "en liste af svar, der betyder «ikke besvaret»", problems)

    constructs: dict[str, Construct] = {}
    for cid, spec in raw_constructs.items():
        where = f"constructs.{cid}"
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            problems.append(Problem(file, column=where, expected="forventede en ordbog med grænsen, fx {exposed_from: 62.5}."))
            continue
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

    scales = _scales(raw_scales, file, problems)
    items = _items(raw_items, constructs, scales, file, problems)
    if not items:
        problems.append(Problem(file, column="items", expected="forventede mindst ét spørgsmål."))
    unit_column = data.get("unit_column")
    if not isinstance(unit_column, str) or not unit_column:
        problems.append(Problem(file, column="unit_column", value=unit_column, expected="forventede navnet på kolonnen med enheden."))
    for cid in constructs:
        if not any(i.construct == cid for i in items):
            problems.append(Problem(file, column=f"constructs.{cid}", expected="ingen spørgsmål måler denne konstruktion."))
    sheet, header_row = _layout(data, file, "", problems)
    rounds = _rounds(raw_rounds, file, sheet, header_row, problems)

    # The guide's four NFA combinations, wherever both exposures are mapped.
    for combo in guide.combinations:
        a, b = combo["exposures"]
        if a in constructs and b in constructs:
            title = f"{known[a]['short']} + {known[b]['short']}"
            constructs[f"kombination.{combo['id']}"] = Construct(
                f"kombination.{combo['id']}", title, "combination",
                constructs[a].sensitive or constructs[b].sensitive, parts=(a, b))
    missing = tuple(normalise(x) for x in raw_missing if x is not None)
    if problems:
        return None, problems
    return Mapping(unit_column, items, constructs, missing, scales, rounds, sheet, header_row), []


def _scales(raw: dict, file: str, problems: list[Problem]) -> dict[str, Scale]:
    out = {}
    for name, spec in raw.items():
        where = f"scales.{name}"
        labels = spec.get("labels") if isinstance(spec, dict) else None
        if not isinstance(labels, dict) or len(labels) < 2:
            problems.append(Problem(file, column=f"{where}.labels",
                                    expected="forventede mindst to svar med hvert sit tal, fx {Altid: 5, Ofte: 4, …}."))
            continue
        numbers = {}
        for label, value in labels.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(Problem(file, column=f"{where}.labels.{label}", value=value, expected="forventede et tal."))
            elif normalise(label) in numbers:
                problems.append(Problem(file, column=f"{where}.labels", value=label, expected="svaret står to gange."))
            else:
                numbers[normalise(label)] = float(value)
        missing = spec.get("missing") or []
        if not isinstance(missing, list):
            problems.append(Problem(file, column=f"{where}.missing", expected="forventede en liste af svar, der betyder «ikke besvaret»."))
            missing = []
        clash = [m for m in missing if normalise(m) in numbers]
        if clash:
            problems.append(Problem(file, column=f"{where}.missing", value=clash[0], expected="svaret står både som svar med tal og som manglende."))
        if len(set(numbers.values())) < 2:
            problems.append(Problem(file, column=f"{where}.labels", expected="svarene skal have mindst to forskellige tal."))
            continue
        shown = tuple(str(x) for x in sorted(labels, key=lambda x: -float(labels[x]) if not isinstance(labels[x], bool)
                                              and isinstance(labels[x], (int, float)) else 0))
        out[str(name)] = Scale(str(name), numbers, shown, frozenset(normalise(m) for m in missing))
    return out


def _items(raw: list, constructs: dict, scales: dict[str, Scale], file: str, problems: list[Problem]) -> list[Item]:
    items: list[Item] = []
    for n, spec in enumerate(raw, start=1):
        where = f"items[{n}]"
        if not isinstance(spec, dict) or not spec.get("item"):
            problems.append(Problem(file, column=where, expected="forventede item, construct og scale."))
            continue
        reverse = _flag(spec, "reverse", file, where, problems)
        if spec.get("construct") not in constructs:
            problems.append(Problem(file, column=f"{where}.construct", value=spec.get("construct"),
                                    expected="forventede en konstruktion, der er defineret under constructs."))
            continue
        scale = spec.get("scale")
        if isinstance(scale, str):
            if scale not in scales:
                problems.append(Problem(file, column=f"{where}.scale", value=scale,
                                        expected=f"forventede en skala under scales ({', '.join(scales) or 'ingen defineret'}) eller [laveste, højeste]."))
                continue
            values = scales[scale].labels.values()
            items.append(Item(str(spec["item"]), spec["construct"], min(values), max(values), reverse,
                              str(spec.get("text", "")), scale))
            continue
        if (not isinstance(scale, list) or len(scale) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scale)
                or scale[0] >= scale[1]):
            problems.append(Problem(file, column=f"{where}.scale", value=scale,
                                    expected="forventede [laveste, højeste], fx [1, 5], eller navnet på en skala under scales."))
            continue
        items.append(Item(str(spec["item"]), spec["construct"], float(scale[0]), float(scale[1]),
                          reverse, str(spec.get("text", ""))))
    seen = set()
    for item in items:
        if item.column in seen:
            problems.append(Problem(file, column="items", value=item.column, expected="spørgsmålet står to gange."))
        seen.add(item.column)
    return items


def _layout(spec: dict, file: str, where: str, problems: list[Problem], sheet=None, header_row=1) -> tuple[str | None, int]:
    """``sheet`` and ``header_row``: where in a spreadsheet the answers are."""
    if spec.get("sheet") is not None:
        sheet = spec["sheet"]
        if not isinstance(sheet, (str, int)) or isinstance(sheet, bool):
            problems.append(Problem(file, column=f"{where}sheet", value=sheet, expected="forventede arkets navn."))
            sheet = None
        else:
            sheet = str(sheet)
    if spec.get("header_row") is not None:
        value = spec["header_row"]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
            problems.append(Problem(file, column=f"{where}header_row", value=value,
                                    expected="forventede nummeret på rækken med overskrifterne (1 = første række)."))
        else:
            header_row = value
    return sheet, header_row


def _rounds(raw: list, file: str, sheet, header_row, problems: list[Problem]) -> list[RoundSpec]:
    out: list[RoundSpec] = []
    for n, spec in enumerate(raw, start=1):
        where = f"rounds[{n}]"
        name_of = spec.get("file") if isinstance(spec, dict) else None
        if not isinstance(name_of, str) or Path(name_of).name != name_of or Path(name_of).suffix.lower() not in tables.SUFFIXES:
            problems.append(Problem(file, column=f"{where}.file", value=name_of,
                                    expected="forventede navnet på en .csv- eller .xlsx-fil i mappen apv/ (uden mappe foran)."))
            continue
        day = spec.get("date")
        if day is not None:
            try:
                day = (day if isinstance(day, _date) else _date.fromisoformat(str(day))).isoformat()
            except ValueError:
                problems.append(Problem(file, column=f"{where}.date", value=day, expected="forventede en dato som 2026-03-15."))
                day = None
        r_sheet, r_header = _layout(spec, file, f"{where}.", problems, sheet, header_row)
        not_asked = spec.get("not_asked") or []
        if not isinstance(not_asked, list):
            problems.append(Problem(file, column=f"{where}.not_asked", expected="forventede en liste af spørgsmål (item), runden ikke havde."))
            not_asked = []
        out.append(RoundSpec(str(spec.get("name") or Path(name_of).stem), name_of, day, r_sheet, r_header,
                             frozenset(str(x) for x in not_asked)))
    names = [r.name for r in out]
    for dup in sorted({x for x in names if names.count(x) > 1}):
        problems.append(Problem(file, column="rounds", value=dup, expected="to runder har samme navn; hver runde skal have sit eget."))
    dates = [r.date for r in out if r.date]
    if dates != sorted(dates):
        problems.append(Problem(file, column="rounds", expected="runderne skal stå i tidsorden, ældste først."))
    return out


# --- rounds ----------------------------------------------------------------------
def round_files(book: Workbook) -> list[Path]:
    """Every survey file in apv/, by name (a `rounds:` list in mapping.yaml may order them otherwise)."""
    if not book.apv_dir.is_dir():
        return []
    return sorted(p for p in book.apv_dir.iterdir()
                  if p.suffix.lower() in tables.SUFFIXES and not p.name.startswith(("~$", ".")))


def round_specs(book: Workbook, mapping: Mapping) -> tuple[list[tuple[Path, RoundSpec]], list[Problem]]:
    """The rounds oldest first: as `rounds:` lists them, or every file by name."""
    files = round_files(book)
    if not mapping.rounds:
        return [(p, RoundSpec(p.stem, p.name, None, mapping.sheet, mapping.header_row)) for p in files], []
    file = display_name(book.apv_dir / MAPPING, book.root)
    listed = {r.file for r in mapping.rounds}
    problems = [Problem(file, column="rounds", value=p.name,
                        expected="filen ligger i apv/, men står ikke under rounds; tilføj den, eller flyt den ud af mappen.")
                for p in files if p.name not in listed]
    out = []
    for spec in [*mapping.rounds, *(RoundSpec(p.stem, p.name, None, mapping.sheet, mapping.header_row)
                                    for p in files if p.name not in listed)]:
        # an unlisted file is read too, so validate also tells what else is wrong with it
        path = book.apv_dir / spec.file
        if not path.is_file():
            problems.append(Problem(file, column="rounds", value=spec.file, expected="filen står under rounds, men findes ikke i apv/."))
            continue
        out.append((path, spec))
    return out, problems


def read_round(book: Workbook, mapping: Mapping, path: Path, spec: RoundSpec | None = None) -> tuple[Round | None, list[Problem]]:
    spec = spec or RoundSpec(path.stem, path.name, None, mapping.sheet, mapping.header_row)
    file = display_name(path, book.root)
    try:
        frame = tables.read(path, file, spec.sheet, spec.header_row, mapping.unit_column, strip=False)
    except InputError as exc:
        return None, exc.problems
    problems: list[Problem] = []
    if frame.empty:
        return None, [Problem(file, expected="filen har ingen besvarelser; der forventes én række pr. besvarelse under overskriften.")]
    header = spec.header_row
    columns = list(frame.columns)
    if mapping.unit_column not in columns:
        return None, [Problem(file, row=header, column=mapping.unit_column,
                              expected=f"kolonnen med enheden mangler (mapping.yaml: unit_column); fandt kolonnerne {', '.join(columns[:12])}.")]

    def where(col: str) -> str:
        return f"{col} ({tables.column_letter(columns.index(col))})"

    # The unit column may hold unit ids or unit names, current or earlier ones.
    lookup = book.unit_lookup
    raw_units = frame[mapping.unit_column]
    codes, names = pd.factorize(raw_units.to_numpy(dtype=object))  # a few names, many rows
    ids = np.array([lookup.get(str(n).strip().casefold()) for n in names] + [None], dtype=object)
    units = pd.Series(ids[codes], index=raw_units.index, dtype=object)
    for row in np.flatnonzero(units.isna().to_numpy())[:MAX_LISTED]:
        problems.append(Problem(file, row=int(row) + header + 1, column=where(mapping.unit_column),
                                value=str(raw_units.iat[row]).strip(),
                                expected="forventede id eller navn på en enhed i institution.yaml. Hed enheden sådan i en "
                                         "tidligere runde, så skriv navnet under previous_names for enheden, den hedder nu."))
    problems += _more(file, int(units.isna().sum()), "ukendte enheder")

    for item in mapping.items:
        if item.column not in columns and item.column not in spec.not_asked:
            problems.append(Problem(file, row=header, column=item.column,
                                    expected="spørgsmålet står i mapping.yaml, men kolonnen findes ikke i filen. Havde runden ikke "
                                             "spørgsmålet, så skriv det under not_asked for runden under rounds."))
    present = [i for i in mapping.items if i.column in columns and i.column not in spec.not_asked]
    scaled = {}
    bad_total = 0
    for item in present:
        values, bad = _values(mapping, item, frame[item.column])
        for row in np.flatnonzero(bad.to_numpy()):
            if bad_total < MAX_LISTED:
                problems.append(_bad_answer(mapping, item, file, int(row) + header + 1, where(item.column),
                                            str(frame[item.column].iat[row]).strip()))
            bad_total += 1
        score = (values - item.low) / (item.high - item.low) * 100
        scaled[item.column] = 100 - score if item.reverse else score
    problems += _more(file, bad_total, "ugyldige svar")
    if problems:
        return None, problems

    # A construct is reported for a round only when every one of its items was asked in it.
    asked = {i.column for i in present}
    measured = {cid for cid, c in mapping.constructs.items() if c.kind != "combination"
                and all(i.column in asked for i in mapping.items if i.construct == cid)}
    constructs = {cid: c for cid, c in mapping.constructs.items()
                  if cid in measured or (c.kind == "combination" and set(c.parts) <= measured)}
    scores, flags = _score(constructs, mapping.items, pd.DataFrame(scaled, index=frame.index))
    return Round(spec.name, file, units.reset_index(drop=True), scores, flags, spec.date, constructs), []


def _values(mapping: Mapping, item: Item, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """An item's answers as numbers (NaN when not answered), and where an answer is invalid."""
    # Work on the distinct answers: a column of 100,000 answers holds a handful of them.
    codes, uniques = pd.factorize(text.to_numpy(dtype=object), sort=False)
    keys = [normalise(u) for u in uniques]
    blank = np.array([k == "" or k in mapping.missing for k in keys], dtype=bool)
    if item.scale is not None:
        scale = mapping.scales[item.scale]
        blank |= np.array([k in scale.missing for k in keys], dtype=bool)
        number = np.array([scale.labels.get(k, np.nan) for k in keys], dtype=float)
    else:
        number = tables.numbers(pd.Series(keys, dtype=object)).to_numpy(dtype=float)
        number = np.where((number < item.low) | (number > item.high), np.nan, number)
    bad_u = ~blank & np.isnan(number)
    number = np.where(blank, np.nan, number)
    values = pd.Series(number[codes] if len(uniques) else np.full(len(text), np.nan), index=text.index)
    bad = pd.Series(bad_u[codes] if len(uniques) else np.zeros(len(text), dtype=bool), index=text.index)
    return values, bad


def _bad_answer(mapping: Mapping, item: Item, file: str, row: int, column: str, value: str) -> Problem:
    if item.scale is None:
        return Problem(file, row=row, column=column, value=value,
                       expected=f"forventede et tal fra {_num(item.low)} til {_num(item.high)} eller et tomt felt.")
    scale = mapping.scales[item.scale]
    # The cell is not quoted: a label column may hold what someone typed.
    return Problem(file, row=row, column=column,
                   expected=f"ukendt svar; skalaen «{scale.name}» kender {', '.join(scale.shown)}"
                            + (" (og tomt felt som ikke besvaret)." if not scale.missing else
                               f", og {', '.join(sorted(scale.missing))} som ikke besvaret."))


def _score(constructs: dict[str, Construct], items: list[Item], scaled: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    scores, flags = {}, {}
    for cid, construct in constructs.items():
        if construct.kind == "combination":
            continue
        cols = [i.column for i in items if i.construct == cid]
        block = scaled[cols]
        if construct.rule == "any":
            score = block.max(axis=1)
        else:
            answered = block.notna().sum(axis=1)
            score = block.mean(axis=1).where(answered >= math.ceil(len(cols) / 2))
        scores[cid] = score
        flag = score >= construct.exposed_from if construct.kind == "exposure" else score < construct.low_below
        flags[cid] = flag.astype("float").where(score.notna())
    for cid, construct in constructs.items():
        if construct.kind == "combination":
            a, b = (flags[p] for p in construct.parts)
            flags[cid] = (a * b).where(a.notna() & b.notna())
            scores[cid] = pd.Series(np.nan, index=scaled.index)
    return (pd.DataFrame(scores, index=scaled.index).reset_index(drop=True),
            pd.DataFrame(flags, index=scaled.index).reset_index(drop=True))


def _more(file: str, count: int, what: str) -> list[Problem]:
    if count <= MAX_LISTED:
        return []
    return [Problem(file, expected=f"… og {count - MAX_LISTED} {what} mere end de viste.")]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


NBSP = "\u00a0"  # between a figure and its sign: «64 %» never breaks across two lines in print


def percent(share: float) -> str:
    """A share as every report and chart writes it: «64 %», the space a no-break space."""
    return f"{share * 100:.0f}{NBSP}%"


def _read_all(book: Workbook) -> tuple[Mapping | None, list[Round], list[Problem]]:
    mapping, problems = read_mapping(book)
    if mapping is None:
        return None, [], problems
    specs, problems = round_specs(book, mapping)
    rounds = []
    for path, spec in specs:
        rnd, found = read_round(book, mapping, path, spec)
        problems += found
        if rnd is not None:
            rounds.append(rnd)
    return mapping, rounds, problems


def check(book: Workbook) -> list[Problem]:
    """Every problem in apv/: the mapping and each round file. No survey yet is fine."""
    if not round_files(book):
        return []
    return _read_all(book)[2]


def _fingerprint(book: Workbook) -> tuple:
    """What the survey's figures depend on: the unit tree, the thresholds and the apv/ files as they are now."""
    files = [book.root / "institution.yaml", book.apv_dir / MAPPING, *round_files(book)]
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())
    return (str(book.root.resolve()), stats)


def results(book: Workbook) -> Results | None:
    """The latest round's anonymised results (see history)."""
    rounds = history(book)
    return rounds[-1] if rounds else None


def history(book: Workbook) -> list[Results]:
    """Every round's anonymised results, oldest first, each round anonymised on its own;
    computed once per process while the files are unchanged (every notebook of a unit reads them)."""
    def compute() -> list[Results]:
        survey = load(book)
        return [aggregate(book, survey, r.name) for r in survey.rounds] if survey else []

    return memo.once("apv", _fingerprint(book), compute)


def preload(book: Workbook, rounds: list[Results]) -> None:
    """Take every round's results as computed once for a whole batch (see batch), so that
    results() and history() in this process need not read or aggregate the survey again.
    They hold for the files as they are now; a changed file is computed afresh as before."""
    memo.put("apv", _fingerprint(book), rounds)


def results_data(rounds: list[Results]) -> list[dict]:
    """Rounds' anonymised results as plain data (JSON): the aggregates a report may show and
    their statuses; withheld figures are already NaN. No respondent row is in a Results."""
    out = []
    for r in rounds:
        units = list(r.table.index.get_level_values("unit").unique())
        cids = list(r.table.index.get_level_values("construct").unique())
        out.append({"round": r.round, "units": units, "constructs": [asdict(r.constructs[c]) for c in cids],
                    "n": r.table["n"].tolist(), "mean": r.table["mean"].tolist(), "share": r.table["share"].tolist(),
                    "status": r.table["status"].tolist(), "k": r.k, "k_sensitive": r.k_sensitive,
                    "respondents": r.respondents, "respondent_status": r.respondent_status})
    return out


def results_from_data(data: list[dict]) -> list[Results]:
    out = []
    for d in data:
        constructs = {c["id"]: Construct(**{**c, "parts": tuple(c["parts"])}) for c in d["constructs"]}
        index = pd.MultiIndex.from_product([d["units"], list(constructs)], names=["unit", "construct"])
        table = pd.DataFrame({"n": np.array(d["n"], dtype=float), "mean": np.array(d["mean"], dtype=float),
                              "share": np.array(d["share"], dtype=float), "status": np.array(d["status"], dtype=object)},
                             index=index)
        out.append(Results(d["round"], table, constructs, d["k"], d["k_sensitive"], d["respondents"], d["respondent_status"]))
    return out


def load(book: Workbook) -> Survey | None:
    """All rounds, oldest first; None when the workbook has no survey. Raise InputError on bad input."""
    if not round_files(book):
        return None
    mapping, rounds, problems = _read_all(book)
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
        return status_text(self.table.at[(unit_id, construct), "status"], self.threshold(construct),
                           self.constructs[construct].sensitive)

    def respondents_text(self, unit_id: str) -> str:
        """The unit's respondent count, or the true reason it is withheld."""
        n = self.respondents[unit_id]
        if n is not None:
            return "1 besvarelse" if n == 1 else f"{n} besvarelser"
        if self.respondent_status[unit_id] == SMALL:
            return f"færre end {self.k} besvarelser"
        return "antallet af besvarelser er skjult, så en mindre gruppe ikke kan regnes ud"


OWN = ":egen"  # an own group's id: the inner unit's id and this (never a unit id: ids have no colon)
OWN_NAME = "svar uden afdeling"  # how a report names an own group


def own_group(unit_id: str) -> str:
    """The id of the group of respondents coded to an inner unit itself («svar uden afdeling»)."""
    return unit_id + OWN


def owner(group_id: str) -> str | None:
    """The inner unit an own group belongs to; None for a unit id."""
    return group_id[:-len(OWN)] if group_id.endswith(OWN) else None


def _tree(book: Workbook, own: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The unit tree with a leaf for the own group of each inner unit in ``own``, depth-first."""
    children = {u: list(book.children[u]) + ([own_group(u)] if u in own else []) for u in book.units}
    children.update({own_group(u): [] for u in own})
    nodes: list[str] = []
    todo = [book.root_unit]
    while todo:
        u = todo.pop()
        nodes.append(u)
        todo.extend(reversed(children[u]))
    return nodes, children


def _subtree_sums(nodes: list[str], children: dict[str, list[str]], codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per node, the column sums of ``values`` over the node's subtree, given each row's own
    node as an index into ``nodes`` (depth-first: every child comes after its parent)."""
    out = np.zeros((len(nodes), values.shape[1]))
    np.add.at(out, codes, values)
    position = {u: i for i, u in enumerate(nodes)}
    for i in range(len(nodes) - 1, -1, -1):  # descendants before their ancestor
        for c in children[nodes[i]]:
            out[i] += out[position[c]]
    return out


def aggregate(book: Workbook, survey: Survey, round_name: str | None = None) -> Results:
    rnd = survey.round(round_name)
    cids = list(rnd.constructs)
    direct = rnd._units.value_counts()
    own = [u for u in book.ordered() if book.children[u] and direct.get(u, 0)]
    nodes, children = _tree(book, own)
    code_of = {u: i for i, u in enumerate(nodes)} | {u: nodes.index(own_group(u)) for u in own}
    codes = rnd._units.map(code_of).to_numpy(dtype=int)
    flags = rnd._flags[cids].to_numpy(dtype=float)
    scores = rnd._scores[cids].to_numpy(dtype=float)
    answered = ~np.isnan(flags)
    n, exposed, score_sum = (_subtree_sums(nodes, children, codes, x) for x in
                             (answered.astype(float), np.nan_to_num(flags), np.nan_to_num(scores)))
    with np.errstate(invalid="ignore", divide="ignore"):
        share, mean = exposed / n, score_sum / n
    no_mean = [i for i, c in enumerate(cids) if rnd.constructs[c].kind == "combination"
               or rnd.constructs[c].rule == "any"]
    mean[:, no_mean] = np.nan

    cheap = {own_group(u) for u in own}
    root = book.root_unit
    everyone = _subtree_sums(nodes, children, codes, np.ones((len(codes), 1)))[:, 0].astype(int)
    counts = dict(zip(nodes, everyone.tolist()))
    resp_status = anonymity.suppress(children, root, counts, book.min_group, cheap=cheap)
    respondents = {u: counts[u] if resp_status[u] in (SHOWN, NO_ANSWERS) else None for u in nodes}

    # Linked measures withhold at least what they build on (see anonymity): counts, then
    # exposures and resources, then combinations of two exposures.
    uncounted = {u for u in nodes if respondents[u] is None}
    decided: dict[str, dict[str, str]] = {}
    for cid in sorted(cids, key=lambda c: rnd.constructs[c].kind == "combination"):
        construct = rnd.constructs[cid]
        j = cids.index(cid)
        k = book.min_group_sensitive if construct.sensitive else book.min_group
        total = dict(zip(nodes, n[:, j].astype(int).tolist()))
        everyone_exposed = dict(zip(nodes, exposed[:, j].astype(int).tolist())) if construct.sensitive else None
        linked = set(uncounted)
        for part in construct.parts:
            linked |= {u for u in nodes if decided[part][u] not in (SHOWN, NO_ANSWERS)}
        parts = [decided[p] for p in construct.parts]
        while True:  # a combination only where it and its parts are shown alike all the way down
            status = anonymity.suppress(children, root, total, k, hidden=linked, exposed=everyone_exposed, cheap=cheap)
            opened = anonymity.unlike_below(children, root, [status, *parts]) if parts else set()
            if opened <= linked:
                break
            linked |= opened
        decided[cid] = _linked_reasons(status, nodes, resp_status, parts)
    status = np.array([[decided[c][u] for c in cids] for u in nodes], dtype=object).reshape(n.shape)
    hidden = status != SHOWN
    table = pd.DataFrame({
        "n": np.where(hidden, np.nan, n).ravel(),
        "mean": np.where(hidden, np.nan, mean).ravel(),
        "share": np.where(hidden, np.nan, share).ravel(),
        "status": status.ravel(),
    }, index=pd.MultiIndex.from_product([nodes, cids], names=["unit", "construct"]))
    return Results(rnd.name, table, rnd.constructs, book.min_group, book.min_group_sensitive,
                   respondents, resp_status)


def _linked_reasons(status: dict[str, str], nodes: list[str], counted: dict[str, str], parts: list[dict[str, str]]) -> dict[str, str]:
    """A figure withheld because a figure it builds on is withheld (the unit's respondent count, a
    combination's part) gives that figure's reason: «færre end k» of its own would say that some
    respondents skipped the questions, and with other figures that can pin a small group down."""
    out = dict(status)
    for u in nodes:
        if status[u] in (SHOWN, NO_ANSWERS):
            continue
        linked = [counted[u]] + [p[u] for p in parts]
        linked = [x for x in linked if x not in (SHOWN, NO_ANSWERS)]
        if linked:
            out[u] = SMALL if SMALL in linked else COMPLEMENT
    return out


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
        keep = ~rnd._units.isin(placed).to_numpy()
        without = Round(rnd.name, rnd.file, *(x[keep].reset_index(drop=True) for x in (rnd._units, rnd._scores, rnd._flags)),
                        rnd.date, rnd.constructs)
        with_them = aggregate(book, Survey(survey.mapping, [rnd]))
        baseline = aggregate(book, Survey(survey.mapping, [without]))
        lost = [u for u in book.ordered()
                if (with_them.table.xs(u, level="unit")["status"] == COMPLEMENT).to_numpy().any()
                and not (baseline.table.xs(u, level="unit")["status"] == COMPLEMENT).to_numpy().any()]
        where = ", ".join(f"{book.unit_name(u)} ({n})" for u, n in placed.items())
        text = (f"{rnd.file}: {sum(placed.values())} besvarelser er kodet til en enhed, der har underenheder: {where}. "
                f"De vises som enhedens «{OWN_NAME}», hvor de er mindst {book.min_group}, og ellers kun sammen med andre")
        if lost:
            text += "; derfor skjules nogle tal for " + ", ".join(book.unit_name(u) for u in lost)
        out.append(text + ". Kod dem til den enhed, hvor de arbejder, hvis det er muligt.")
    return out
