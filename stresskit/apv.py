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

from . import anonymity, danish
from . import guide as guide_module
from . import labels as value_labels
from . import memo, tables, yamlfile
from .problems import InputError, Problem, display_name
from .workbook import Workbook

MAPPING = "mapping.yaml"
MAX_LISTED = 25  # problems listed per file before summing up the rest
SURVEY_SUFFIXES = (*tables.SUFFIXES, value_labels.SPSS)
# Answers that say «no answer» in other words. They never become a score, whatever number a
# survey tool gave them (SurveyXact codes «Ved ikke» as the scale's next number, e.g. 6 on 1–5).
DONT_KNOW = ("Ved ikke", "Ved ikke / ikke relevant", "Ikke relevant", "Vil ikke svare", "Ønsker ikke at svare",
             "Jeg har ingen leder", "Jeg har ingen nærmeste leder", "Har ingen leder", "Ikke aktuelt",
             "Don't know", "Do not know", "Not applicable", "N/A", "Prefer not to say", "Prefer not to answer",
             "I do not have a supervisor", "I don't have a supervisor", "I have no supervisor")

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
class Completion:
    """Which rows are completed responses: those whose ``column`` holds ``equals``. ``others`` are
    the values that mean «not completed»; any other value is an error, never a silent drop."""
    column: str
    equals: str  # as value_labels.code_key writes it
    others: frozenset[str] | None = None  # None: 0 and empty beside 1, or the label file's other codes


@dataclass(frozen=True)
class RoundSpec:
    """A round as mapping.yaml's ``rounds:`` names it."""
    name: str
    file: str
    date: str | None = None
    sheet: str | None = None
    header_row: int = 1
    not_asked: frozenset[str] = frozenset()  # item columns this round's survey did not have
    labels: str | None = None  # this round's value-label file in apv/ (else the mapping's)
    completed: Completion | None = None  # (else the mapping's)


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
    labels: str | None = None  # a value-label file in apv/ (SurveyXact's variable;value;label)
    completed: Completion | None = None  # None: every row is a completed response
    unit_codes: dict[str, str] = field(default_factory=dict)  # code in the unit column -> unit id or name

    def label_files(self) -> set[str]:
        """The value-label files the mapping names: they sit in apv/ but are not rounds (an Excel
        export holds its labels beside its answers, so an .xlsx may be both)."""
        return {f for f in [self.labels, *(r.labels for r in self.rounds)] if f and f.lower().endswith(".csv")}


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
    _items: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # 0–100 per item, reversed where set
    rows: int = 0  # rows in the file; those not completed are left out of everything else


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
    label_file = _label_file(data, file, "", problems)
    completed = _completion(data, file, "", problems)
    unit_codes = _unit_codes(data.get("unit_codes"), file, problems)

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
    return Mapping(unit_column, items, constructs, missing, scales, rounds, sheet, header_row,
                   label_file, completed, unit_codes), []


def _label_file(spec: dict, file: str, where: str, problems: list[Problem]) -> str | None:
    """``labels:``: the name of a value-label file in apv/ (SurveyXact's variable;value;label)."""
    value = spec.get("labels")
    if value is None:
        return None
    if not isinstance(value, str) or Path(value).name != value or Path(value).suffix.lower() not in (".csv", ".xlsx"):
        problems.append(Problem(file, column=f"{where}labels", value=value,
                                expected="forventede navnet på etiketfilen i mappen apv/, uden mappe foran: en .csv med "
                                         "variabel;værdi;etiket, eller SurveyXacts Excel-eksport med arket Labels."))
        return None
    return value


def _completion(spec: dict, file: str, where: str, problems: list[Problem]) -> Completion | None:
    """``completed: {column: statoverall_4, equals: 1}``: which rows are completed responses."""
    value = spec.get("completed")
    if value is None:
        return None
    expected = ("forventede {column: <statuskolonnen>, equals: <værdien for gennemført>}, fx "
                "{column: statoverall_4, equals: 1} i en SurveyXact-eksport.")
    if not isinstance(value, dict) or not isinstance(value.get("column"), str) or not value["column"].strip() \
            or value.get("equals") is None or isinstance(value.get("equals"), (bool, list, dict)):
        problems.append(Problem(file, column=f"{where}completed", expected=expected))
        return None
    others = value.get("others")
    if others is not None and not isinstance(others, list):
        problems.append(Problem(file, column=f"{where}completed.others",
                                expected="forventede en liste af de værdier, der betyder «ikke gennemført»."))
        others = None
    return Completion(value["column"].strip(), value_labels.code_key(value["equals"]),
                      None if others is None else frozenset(value_labels.code_key(x) for x in others if x is not None))


def _unit_codes(raw, file: str, problems: list[Problem]) -> dict[str, str]:
    """``unit_codes: {1: ledelse, 2: hum}``: the unit a code in the unit column stands for."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem(file, column="unit_codes", expected="forventede en ordbog fra kode til enhedens id, "
                                                                     "fx {1: ledelse, 2: hum}."))
        return {}
    out = {}
    for code, unit in raw.items():
        if not isinstance(unit, (str, int)) or isinstance(unit, bool) or str(unit).strip() == "":
            problems.append(Problem(file, column=f"unit_codes.{code}", expected="forventede id eller navn på en enhed."))
            continue
        out[value_labels.code_key(code)] = str(unit).strip()
    return out


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
        if not isinstance(name_of, str) or Path(name_of).name != name_of or Path(name_of).suffix.lower() not in SURVEY_SUFFIXES:
            problems.append(Problem(file, column=f"{where}.file", value=name_of,
                                    expected="forventede navnet på en .csv-, .xlsx- eller .sav-fil i mappen apv/ (uden mappe foran)."))
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
                             frozenset(str(x) for x in not_asked), _label_file(spec, file, f"{where}.", problems),
                             _completion(spec, file, f"{where}.", problems)))
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
                  if p.suffix.lower() in SURVEY_SUFFIXES and not p.name.startswith(("~$", ".")))


def round_specs(book: Workbook, mapping: Mapping) -> tuple[list[tuple[Path, RoundSpec]], list[Problem]]:
    """The rounds oldest first: as `rounds:` lists them, or every file by name (the value-label
    files the mapping names are not rounds)."""
    label_files = mapping.label_files()
    files = [p for p in round_files(book) if p.name not in label_files]
    if not mapping.rounds:
        return [(p, RoundSpec(p.stem, p.name, None, mapping.sheet, mapping.header_row)) for p in files], []
    file = display_name(book.apv_dir / MAPPING, book.root)
    listed = {r.file for r in mapping.rounds}
    problems = [Problem(file, column="rounds", value=p.name,
                        expected="filen ligger i apv/, men står ikke under rounds; tilføj den, eller flyt den ud af mappen."
                        + (" Er det en etiketfil, så skriv den under labels (for runden eller for hele mapping.yaml)."
                           if "label" in p.name.casefold() else ""))
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
        frame, carried = value_labels.read_survey(path, file, spec.sheet, spec.header_row, mapping.unit_column, strip=False)
    except InputError as exc:
        return None, exc.problems
    if frame.empty:
        return None, [Problem(file, expected="filen har ingen besvarelser; der forventes én række pr. besvarelse under overskriften.")]
    header = spec.header_row
    columns = list(frame.columns)
    if mapping.unit_column not in columns:
        hint = (" Er filen en etiketfil, så skriv den under labels i mapping.yaml, så læses den ikke som en runde."
                if "label" in path.name.casefold() else "")
        return None, [Problem(file, row=header, column=mapping.unit_column,
                              expected=f"kolonnen med enheden mangler (mapping.yaml: unit_column); fandt kolonnerne "
                                       f"{', '.join(columns[:12])}.{hint}")]
    labels, label_name, problems = _round_labels(book, mapping, spec, carried, file, columns)
    if problems:
        return None, problems

    def where(col: str) -> str:
        return f"{col} ({tables.column_letter(columns.index(col))})"

    rows = len(frame)
    done, problems = _completed_rows(spec.completed or mapping.completed, frame, labels, file, header, where)
    if problems:
        return None, problems
    frame = frame[done]  # rows not completed never count, anywhere; the index keeps the file's row
    units, problems = _unit_ids(book, mapping, frame, labels, file, header, where)

    for item in mapping.items:
        if item.column not in columns and item.column not in spec.not_asked:
            problems.append(Problem(file, row=header, column=item.column,
                                    expected="spørgsmålet står i mapping.yaml, men kolonnen findes ikke i filen. Havde runden ikke "
                                             "spørgsmålet, så skriv det under not_asked for runden under rounds."))
    present = [i for i in mapping.items if i.column in columns and i.column not in spec.not_asked]
    scaled = {}
    bad_total = 0
    for item in present:
        codes = labels.get(item.column)
        values, bad = _values(mapping, item, frame[item.column], codes)
        for pos in np.flatnonzero(bad.to_numpy()):
            if bad_total < MAX_LISTED:
                cell = frame[item.column].iat[pos]
                problems.append(_bad_answer(mapping, item, file, int(frame.index[pos]) + header + 1, where(item.column),
                                            codes, label_name, str(cell).strip()))
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
    items = pd.DataFrame(scaled, index=frame.index)
    scores, flags = _score(constructs, mapping.items, items)
    return Round(spec.name, file, units.reset_index(drop=True), scores, flags, spec.date, constructs,
                 items.reset_index(drop=True), rows), []


def _round_labels(book: Workbook, mapping: Mapping, spec: RoundSpec, carried: value_labels.ValueLabels, file: str,
                  columns: list[str]) -> tuple[value_labels.ValueLabels, str | None, list[Problem]]:
    """The round's value labels: those an SPSS file carries, and the label file the mapping names."""
    name = spec.labels or mapping.labels
    if name is None:
        return carried, None, []
    path = book.apv_dir / name
    shown = display_name(path, book.root)
    if not path.is_file():
        return {}, name, [Problem(display_name(book.apv_dir / MAPPING, book.root), column="labels", value=name,
                                  expected="etiketfilen står i mapping.yaml, men findes ikke i apv/.")]
    try:
        found = memo.once("labels", (str(path.resolve()), path.stat().st_mtime_ns, path.stat().st_size),
                          lambda: value_labels.read_label_file(path, shown))
    except InputError as exc:
        return {}, name, exc.problems
    if not set(found) & set(columns):
        return {}, name, [Problem(shown, expected=f"etiketfilen passer ikke til {file}: ingen af dens variabler "
                                                  f"({', '.join(sorted(found)[:6])}) er en kolonne i den fil. "
                                                  "Hører etiketfilen til en anden runde?")]
    return {**carried, **found}, name, []


def _completed_rows(rule: Completion | None, frame: pd.DataFrame, labels: value_labels.ValueLabels, file: str,
                    header: int, where) -> tuple[np.ndarray, list[Problem]]:
    """Which rows are completed responses (``completed:`` in mapping.yaml); every row without a rule."""
    if rule is None:
        return np.ones(len(frame), dtype=bool), []
    if rule.column not in frame.columns:
        return np.zeros(len(frame), dtype=bool), [Problem(
            file, row=header, column=rule.column,
            expected="statuskolonnen, som completed i mapping.yaml nævner, findes ikke i filen.")]
    codes, uniques = pd.factorize(frame[rule.column].to_numpy(dtype=object))
    keys = np.array([normalise(value_labels.code_key(u)) for u in uniques] + [""], dtype=object)[codes]
    others = rule.others
    if others is None:
        known = labels.get(rule.column)
        others = frozenset(known) - {rule.equals} if known else frozenset({"0", ""} if rule.equals == "1" else {""})
    done = keys == normalise(rule.equals)  # «Gennemført» and «gennemført» alike
    odd = ~done & ~np.isin(keys, [normalise(x) for x in others])
    expected = (f"{rule.equals} betyder gennemført, {', '.join(sorted(others - {''})) or 'intet'}"
                f"{' eller tomt felt' if '' in others else ''} ikke gennemført")
    if odd.any():
        first = int(np.flatnonzero(odd)[0])
        return done, [Problem(file, row=int(frame.index[first]) + header + 1, column=where(rule.column),
                              expected=f"{int(odd.sum())} rækker har en anden værdi i statuskolonnen end forventet "
                                       f"({expected}). Betyder værdien «ikke gennemført», så skriv den under "
                                       "completed.others i mapping.yaml.")]
    if not done.any():
        return done, [Problem(file, column=where(rule.column),
                              expected=f"ingen række er en gennemført besvarelse ({expected}); tjek completed i mapping.yaml.")]
    return done, []


def _unit_ids(book: Workbook, mapping: Mapping, frame: pd.DataFrame, labels: value_labels.ValueLabels, file: str,
              header: int, where) -> tuple[pd.Series, list[Problem]]:
    """Each row's unit id. The unit column may hold unit ids or names (current or earlier ones),
    or codes: named by ``unit_codes:`` in mapping.yaml, or by the label file's words for them.
    An unknown value is one problem, naming it and how many rows hold it."""
    lookup = book.unit_lookup
    coded = labels.get(mapping.unit_column, {})
    raw = frame[mapping.unit_column]
    codes, names = pd.factorize(raw.to_numpy(dtype=object))  # a few names, many rows
    ids, why = [], {}
    for n in names:
        text = str(n).strip()
        key = value_labels.code_key(text)
        if key in mapping.unit_codes:
            unit = lookup.get(mapping.unit_codes[key].casefold())
            reason = f"unit_codes i mapping.yaml giver koden enheden «{mapping.unit_codes[key]}», som ikke findes i institution.yaml."
        elif key in coded:
            unit = lookup.get(coded[key].casefold())
            reason = (f"etiketfilen kalder koden «{coded[key]}», men ingen enhed i institution.yaml hedder sådan. Skriv navnet "
                      "under previous_names for enheden, eller giv koden en enhed under unit_codes i mapping.yaml.")
        else:
            unit = lookup.get(text.casefold())
            reason = ("forventede id eller navn på en enhed i institution.yaml. Hed enheden sådan i en tidligere runde, så "
                      "skriv navnet under previous_names for enheden, den hedder nu. Er det en kode, så giv den en enhed "
                      "under unit_codes i mapping.yaml.")
        ids.append(unit)
        if unit is None:
            why[len(ids) - 1] = reason
    units = pd.Series(np.array(ids + [None], dtype=object)[codes], index=raw.index, dtype=object)
    problems = []
    for k, reason in list(why.items())[:MAX_LISTED]:
        rows = np.flatnonzero(codes == k)
        problems.append(Problem(file, row=int(raw.index[rows[0]]) + header + 1, column=where(mapping.unit_column),
                                value=str(names[k]).strip() or None,
                                expected=("enheden mangler" if not str(names[k]).strip() else reason)
                                + f" ({len(rows)} {'række' if len(rows) == 1 else 'rækker'})"))
    problems += _more(file, len(why), "ukendte enheder")
    return units, problems


def _values(mapping: Mapping, item: Item, text: pd.Series, codes: dict[str, str] | None = None) -> tuple[pd.Series, pd.Series]:
    """An item's answers as numbers (NaN when not answered), and where an answer is invalid.
    With value labels (``codes``: code -> words), a code stands for its words: words that mean
    «don't know» are not answered, and a named scale scores the words."""
    # Work on the distinct answers: a column of 100,000 answers holds a handful of them.
    found, uniques = pd.factorize(text.to_numpy(dtype=object), sort=False)
    keys = [normalise(u) for u in uniques]
    words = [codes.get(value_labels.code_key(u)) if codes and k else None for u, k in zip(uniques, keys)]
    scale = mapping.scales[item.scale] if item.scale is not None else None
    dont_know = _DONT_KNOW - set(scale.labels if scale else ())

    def missing(key: str) -> bool:
        return key in mapping.missing or key in dont_know or (scale is not None and key in scale.missing)

    blank = np.array([k == "" or missing(k) or (w is not None and missing(normalise(w))) for k, w in zip(keys, words)],
                     dtype=bool)
    if scale is not None:
        number = np.array([scale.labels.get(normalise(w) if w is not None else k, np.nan) for k, w in zip(keys, words)],
                          dtype=float)
    else:
        number = tables.numbers(pd.Series(keys, dtype=object)).to_numpy(dtype=float)
        number = np.where((number < item.low) | (number > item.high), np.nan, number)
        if codes:  # a code the label file does not know is not an answer we can vouch for
            number = np.where(np.array([w is None for w in words], dtype=bool), np.nan, number)
    bad_u = ~blank & np.isnan(number)
    number = np.where(blank, np.nan, number)
    values = pd.Series(number[found] if len(uniques) else np.full(len(text), np.nan), index=text.index)
    bad = pd.Series(bad_u[found] if len(uniques) else np.zeros(len(text), dtype=bool), index=text.index)
    return values, bad


_DONT_KNOW = frozenset(normalise(x) for x in DONT_KNOW)


def _bad_answer(mapping: Mapping, item: Item, file: str, row: int, column: str, codes: dict[str, str] | None,
                label_file: str | None, cell: str) -> Problem:
    # A cell is not quoted where it may hold what someone typed; the label file's words may be.
    if codes:
        word = codes.get(value_labels.code_key(cell))
        if word is None:
            known = ", ".join(f"{c} = {w}" for c, w in list(codes.items())[:8])
            source = f"etiketfilen «{label_file}»" if label_file else "filens værdietiketter"
            return Problem(file, row=row, column=column, expected=f"koden har ingen etiket i {source}; den kender {known}.")
        if item.scale is None:
            return Problem(file, row=row, column=column,
                           expected=f"svaret betyder «{word}» i etiketfilen, og koden ligger uden for skalaen "
                                    f"{_num(item.low)}–{_num(item.high)}. Betyder det «ikke besvaret», så skriv "
                                    "ordet under missing_values.")
        scale = mapping.scales[item.scale]
        return Problem(file, row=row, column=column,
                       expected=f"svaret betyder «{word}» i etiketfilen, men skalaen «{scale.name}» kender "
                                f"{', '.join(scale.shown)}. Tilføj ordet til skalaen, eller under missing.")
    if item.scale is None:  # as before label files: a numeric column's cell is named, as the analyst sees it
        return Problem(file, row=row, column=column, value=cell,
                       expected=f"forventede et tal fra {_num(item.low)} til {_num(item.high)} eller et tomt felt.")
    scale = mapping.scales[item.scale]
    note = f" Etiketfilen «{label_file}» har ingen etiketter for variablen." if label_file else ""
    return Problem(file, row=row, column=column,
                   expected=f"ukendt svar; skalaen «{scale.name}» kender {', '.join(scale.shown)}"
                            + (" (og tomt felt som ikke besvaret)." if not scale.missing else
                               f", og {', '.join(sorted(scale.missing))} som ikke besvaret.") + note)


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


NBSP, percent = danish.NBSP, danish.percent  # a share as every report and chart writes it: «64 %»


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
    """What the survey's figures depend on: the unit tree, the thresholds and the apv/ files
    (mapping, rounds, label files) as they are now, by content (a file replaced within the same second by one of the same size
    has another digest, where its mtime and size would not tell). sha256 reads well over
    1 GB/s here: a 100,000-row export costs a few milliseconds per look."""
    from .workbook import file_digest  # (local: keeps this change to the one function)

    files = [book.root / "institution.yaml"]  # and every file in apv/: mapping, rounds, label files
    if book.apv_dir.is_dir():
        files += sorted(p for p in book.apv_dir.iterdir() if p.is_file())
    digests = []
    for p in files:
        try:
            digests.append((str(p), file_digest(p)))
        except OSError:
            continue  # a missing file: load() says what is wrong
    return (str(book.root.resolve()), tuple(digests))


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
NOT_MEASURED = "ikke målt i jeres APV"
NOT_MEASURED_LEAD = "Ikke målt i jeres APV"  # at the start of a sentence


def measured(results: "Results | None", construct: str) -> bool:
    """Whether a round's figures hold a construct: the mapping measures it and the round asked
    all its items. A mapping may measure any subset of the exposures and resources (an
    instrument such as the HSE Indicator Tool has no violence item); every view, page and
    export asks this before it looks a figure up, and says NOT_MEASURED where it is false."""
    return results is not None and construct in results.constructs


def unmeasured_parts(results: "Results | None", parts) -> list[str]:
    """Of a combination's exposures (ids), those the round does not measure."""
    return [p for p in parts if not measured(results, p)]


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
        if not measured(self, construct):
            return NOT_MEASURED
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


MIN_ITEM_REST = 10  # rows with the item and another of its measure answered, before a direction is judged
AGAINST_BELOW = -0.1  # an item-rest correlation below this points the other way (noise stays near 0)


def item_rest(rnd: Round, mapping: Mapping) -> dict[tuple[str, str], float]:
    """Per (construct, item) of the round: the correlation of the item's 0–100 values (reversed
    where the mapping says so) with the mean of the construct's other items, over the round's
    completed rows. An item that measures its construct the same way as the others correlates
    positively; a negative value says the item runs the other way."""
    out = {}
    for cid in rnd.constructs:
        cols = [i.column for i in mapping.items if i.construct == cid and i.column in rnd._items.columns]
        if len(cols) < 2:
            continue
        block = rnd._items[cols]
        for col in cols:
            rest = block.drop(columns=col).mean(axis=1)
            both = block[col].notna() & rest.notna()
            if both.sum() < MIN_ITEM_REST or block.loc[both, col].std() == 0 or rest[both].std() == 0:
                continue
            out[(cid, col)] = float(np.corrcoef(block.loc[both, col], rest[both])[0, 1])
    return out


def direction_warnings(survey: Survey) -> list[str]:
    """Warnings (Danish) for items that run against the rest of their measure in some round:
    a direction is never taken on trust (a scale coded 1 = «Altid», an item worded the other
    way). No cell is quoted; the item, its measure and the correlation are named. With two
    items, either may be the one turned, so both are named together."""
    against: dict[str, dict[str, list[str]]] = {}
    for rnd in survey.rounds:
        for (cid, col), r in item_rest(rnd, survey.mapping).items():
            if r < AGAINST_BELOW:
                against.setdefault(cid, {}).setdefault(col, []).append(f"{_decimal(r)} i {rnd.name}")
    out = []
    for cid, cols in against.items():
        title = survey.mapping.constructs[cid].title
        n_items = sum(1 for i in survey.mapping.items if i.construct == cid)
        reversed_now = {i.column for i in survey.mapping.items if i.reverse}
        if n_items == 2:
            out.append(f"Retning: de to spørgsmål om «{title}», {', '.join(f'«{c}»' for c in cols)}, går hver sin vej "
                       f"(sammenhæng: {', '.join(cols[next(iter(cols))])}): et højt svar på det ene følger et lavt på det "
                       "andet. Det ene er formentlig vendt; tjek ordlyden og skalaens retning, og ret reverse i mapping.yaml.")
            continue
        for col, where in cols.items():
            now = "står allerede med reverse: true" if col in reversed_now else "står uden reverse"
            out.append(f"Retning: spørgsmålet «{col}» går den modsatte vej af de andre spørgsmål om «{title}» "
                       f"(sammenhæng med dem: {', '.join(where)}); det {now}. Tjek spørgsmålets ordlyd og skalaens "
                       "retning; går det den anden vej (fx «Har du tid nok?»), så skift reverse for det i mapping.yaml.")
    return out


def completion_notes(survey: Survey) -> list[str]:
    """Per round with rows that are not completed responses: how many count and how many don't."""
    return [f"{rnd.file}: {len(rnd._units)} af {rnd.rows} rækker er gennemførte besvarelser og tæller med; "
            f"de {rnd.rows - len(rnd._units)} andre tæller ingen steder (mapping.yaml: completed)."
            for rnd in survey.rounds if rnd.rows > len(rnd._units)]


def _decimal(x: float) -> str:
    return danish.decimal(x, 2).replace("-", "−")


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
