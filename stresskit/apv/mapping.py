"""The survey mapping: mapping.yaml read and checked into a Mapping, which says which
column is the unit, which item measures which construct on which scale (numbers on
``scale: [low, high]`` or the labels of a named scale under ``scales:``), where the
rounds are (``rounds:``: name, file, date, sheet, header_row, not_asked), which value-label
file names the codes (``labels:``) and which rows are completed responses (``completed:``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path

from .. import guide as guide_module
from .. import tables, yamlfile
from ..errors import InputError, Problem, display_name
from ..workbook import Workbook
from . import labels as value_labels

MAPPING = "mapping.yaml"
SURVEY_SUFFIXES = (*tables.SUFFIXES, value_labels.SPSS)


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
    shown: tuple[str, ...]  # the labels as written, for messages
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
        problems.append(
            Problem(
                file, column=f"{where}.{key}", value=value, expected="forventede true eller false (uden anførselstegn)."
            )
        )
        return False
    return value


def read_mapping(book: Workbook) -> tuple[Mapping | None, list[Problem]]:
    path = book.apv_dir / MAPPING
    file = display_name(path, book.root)
    try:
        data = yamlfile.read(
            path, file, "den skal sige, hvilket spørgsmål der måler hvilken påvirkning eller ressource."
        )
    except InputError as exc:
        return None, exc.problems

    guide = guide_module.default()
    known = {c["id"]: c for c in guide.constructs()}
    problems: list[Problem] = []
    raw_constructs = _section(
        data,
        "constructs",
        dict,
        file,
        "en ordbog med én påvirkning eller ressource pr. nøgle, fx «arbejdsmaengde: {exposed_from: 62.5}»",
        problems,
    )
    raw_items = _section(data, "items", list, file, "en liste med ét punkt pr. spørgsmålskolonne", problems)
    raw_scales = _section(data, "scales", dict, file, "en ordbog med navngivne svarskalaer", problems)
    raw_rounds = _section(data, "rounds", list, file, "en liste af runder med name, file og date", problems)
    raw_missing = _section(
        data, "missing_values", list, file, "en liste af svar, der betyder «ikke besvaret»", problems
    )

    constructs: dict[str, Construct] = {}
    for cid, spec in raw_constructs.items():
        where = f"constructs.{cid}"
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            problems.append(
                Problem(file, column=where, expected="forventede en ordbog med grænsen, fx {exposed_from: 62.5}.")
            )
            continue
        if cid not in known:
            problems.append(
                Problem(
                    file,
                    column=where,
                    value=cid,
                    expected=f"forventede en påvirkning eller ressource: {', '.join(known)}.",
                )
            )
            continue
        content = known[cid]
        rule = spec.get("rule", "mean")
        if rule not in ("mean", "any"):
            problems.append(Problem(file, column=f"{where}.rule", value=rule, expected="forventede mean eller any."))
        key = "exposed_from" if content["kind"] == "exposure" else "low_below"
        cut = spec.get(key)
        if not isinstance(cut, (int, float)) or isinstance(cut, bool) or not 0 <= cut <= 100:
            problems.append(
                Problem(file, column=f"{where}.{key}", value=cut, expected="forventede en grænse fra 0 til 100.")
            )
            continue
        constructs[cid] = Construct(
            cid,
            content["short"],
            content["kind"],
            bool(content.get("sensitive")),
            rule,
            exposed_from=cut if key == "exposed_from" else None,
            low_below=cut if key == "low_below" else None,
        )

    scales = _scales(raw_scales, file, problems)
    items = _items(raw_items, constructs, scales, file, problems)
    if not items:
        problems.append(Problem(file, column="items", expected="forventede mindst ét spørgsmål."))
    unit_column = data.get("unit_column")
    if not isinstance(unit_column, str) or not unit_column:
        problems.append(
            Problem(
                file, column="unit_column", value=unit_column, expected="forventede navnet på kolonnen med enheden."
            )
        )
    for cid in constructs:
        if not any(i.construct == cid for i in items):
            problems.append(
                Problem(file, column=f"constructs.{cid}", expected="ingen spørgsmål måler denne konstruktion.")
            )
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
                f"kombination.{combo['id']}",
                title,
                "combination",
                constructs[a].sensitive or constructs[b].sensitive,
                parts=(a, b),
            )
    missing = tuple(normalise(x) for x in raw_missing if x is not None)
    if problems:
        return None, problems
    return Mapping(
        unit_column, items, constructs, missing, scales, rounds, sheet, header_row, label_file, completed, unit_codes
    ), []


def _label_file(spec: dict, file: str, where: str, problems: list[Problem]) -> str | None:
    """``labels:``: the name of a value-label file in apv/ (SurveyXact's variable;value;label)."""
    value = spec.get("labels")
    if value is None:
        return None
    if not isinstance(value, str) or Path(value).name != value or Path(value).suffix.lower() not in (".csv", ".xlsx"):
        problems.append(
            Problem(
                file,
                column=f"{where}labels",
                value=value,
                expected="forventede navnet på etiketfilen i mappen apv/, uden mappe foran: en .csv med "
                "variabel;værdi;etiket, eller SurveyXacts Excel-eksport med arket Labels.",
            )
        )
        return None
    return value


def _completion(spec: dict, file: str, where: str, problems: list[Problem]) -> Completion | None:
    """``completed: {column: statoverall_4, equals: 1}``: which rows are completed responses."""
    value = spec.get("completed")
    if value is None:
        return None
    expected = (
        "forventede {column: <statuskolonnen>, equals: <værdien for gennemført>}, fx "
        "{column: statoverall_4, equals: 1} i en SurveyXact-eksport."
    )
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("column"), str)
        or not value["column"].strip()
        or value.get("equals") is None
        or isinstance(value.get("equals"), (bool, list, dict))
    ):
        problems.append(Problem(file, column=f"{where}completed", expected=expected))
        return None
    others = value.get("others")
    if others is not None and not isinstance(others, list):
        problems.append(
            Problem(
                file,
                column=f"{where}completed.others",
                expected="forventede en liste af de værdier, der betyder «ikke gennemført».",
            )
        )
        others = None
    return Completion(
        value["column"].strip(),
        value_labels.code_key(value["equals"]),
        None if others is None else frozenset(value_labels.code_key(x) for x in others if x is not None),
    )


def _unit_codes(raw, file: str, problems: list[Problem]) -> dict[str, str]:
    """``unit_codes: {1: ledelse, 2: hum}``: the unit a code in the unit column stands for."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                file,
                column="unit_codes",
                expected="forventede en ordbog fra kode til enhedens id, fx {1: ledelse, 2: hum}.",
            )
        )
        return {}
    out = {}
    for code, unit in raw.items():
        if not isinstance(unit, (str, int)) or isinstance(unit, bool) or str(unit).strip() == "":
            problems.append(
                Problem(file, column=f"unit_codes.{code}", expected="forventede id eller navn på en enhed.")
            )
            continue
        out[value_labels.code_key(code)] = str(unit).strip()
    return out


def _scales(raw: dict, file: str, problems: list[Problem]) -> dict[str, Scale]:
    out = {}
    for name, spec in raw.items():
        where = f"scales.{name}"
        labels = spec.get("labels") if isinstance(spec, dict) else None
        if not isinstance(labels, dict) or len(labels) < 2:
            problems.append(
                Problem(
                    file,
                    column=f"{where}.labels",
                    expected="forventede mindst to svar med hvert sit tal, fx {Altid: 5, Ofte: 4, …}.",
                )
            )
            continue
        numbers = {}
        for label, value in labels.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(
                    Problem(file, column=f"{where}.labels.{label}", value=value, expected="forventede et tal.")
                )
            elif normalise(label) in numbers:
                problems.append(Problem(file, column=f"{where}.labels", value=label, expected="svaret står to gange."))
            else:
                numbers[normalise(label)] = float(value)
        missing = spec.get("missing") or []
        if not isinstance(missing, list):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.missing",
                    expected="forventede en liste af svar, der betyder «ikke besvaret».",
                )
            )
            missing = []
        clash = [m for m in missing if normalise(m) in numbers]
        if clash:
            problems.append(
                Problem(
                    file,
                    column=f"{where}.missing",
                    value=clash[0],
                    expected="svaret står både som svar med tal og som manglende.",
                )
            )
        if len(set(numbers.values())) < 2:
            problems.append(
                Problem(file, column=f"{where}.labels", expected="svarene skal have mindst to forskellige tal.")
            )
            continue
        shown = tuple(
            str(x)
            for x in sorted(
                labels,
                key=lambda x: (
                    -float(labels[x]) if not isinstance(labels[x], bool) and isinstance(labels[x], (int, float)) else 0
                ),
            )
        )
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
            problems.append(
                Problem(
                    file,
                    column=f"{where}.construct",
                    value=spec.get("construct"),
                    expected="forventede en konstruktion, der er defineret under constructs.",
                )
            )
            continue
        scale = spec.get("scale")
        if isinstance(scale, str):
            if scale not in scales:
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.scale",
                        value=scale,
                        expected=f"forventede en skala under scales ({', '.join(scales) or 'ingen defineret'}) eller [laveste, højeste].",
                    )
                )
                continue
            values = scales[scale].labels.values()
            items.append(
                Item(
                    str(spec["item"]),
                    spec["construct"],
                    min(values),
                    max(values),
                    reverse,
                    str(spec.get("text", "")),
                    scale,
                )
            )
            continue
        if (
            not isinstance(scale, list)
            or len(scale) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scale)
            or scale[0] >= scale[1]
        ):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.scale",
                    value=scale,
                    expected="forventede [laveste, højeste], fx [1, 5], eller navnet på en skala under scales.",
                )
            )
            continue
        items.append(
            Item(
                str(spec["item"]),
                spec["construct"],
                float(scale[0]),
                float(scale[1]),
                reverse,
                str(spec.get("text", "")),
            )
        )
    seen = set()
    for item in items:
        if item.column in seen:
            problems.append(Problem(file, column="items", value=item.column, expected="spørgsmålet står to gange."))
        seen.add(item.column)
    return items


def _layout(
    spec: dict, file: str, where: str, problems: list[Problem], sheet=None, header_row=1
) -> tuple[str | None, int]:
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
            problems.append(
                Problem(
                    file,
                    column=f"{where}header_row",
                    value=value,
                    expected="forventede nummeret på rækken med overskrifterne (1 = første række).",
                )
            )
        else:
            header_row = value
    return sheet, header_row


def _rounds(raw: list, file: str, sheet, header_row, problems: list[Problem]) -> list[RoundSpec]:
    out: list[RoundSpec] = []
    for n, spec in enumerate(raw, start=1):
        where = f"rounds[{n}]"
        name_of = spec.get("file") if isinstance(spec, dict) else None
        if (
            not isinstance(name_of, str)
            or Path(name_of).name != name_of
            or Path(name_of).suffix.lower() not in SURVEY_SUFFIXES
        ):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.file",
                    value=name_of,
                    expected="forventede navnet på en .csv-, .xlsx- eller .sav-fil i mappen apv/ (uden mappe foran).",
                )
            )
            continue
        day = spec.get("date")
        if day is not None:
            try:
                day = (day if isinstance(day, _date) else _date.fromisoformat(str(day))).isoformat()
            except ValueError:
                problems.append(
                    Problem(file, column=f"{where}.date", value=day, expected="forventede en dato som 2026-03-15.")
                )
                day = None
        r_sheet, r_header = _layout(spec, file, f"{where}.", problems, sheet, header_row)
        not_asked = spec.get("not_asked") or []
        if not isinstance(not_asked, list):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.not_asked",
                    expected="forventede en liste af spørgsmål (item), runden ikke havde.",
                )
            )
            not_asked = []
        out.append(
            RoundSpec(
                str(spec.get("name") or Path(name_of).stem),
                name_of,
                day,
                r_sheet,
                r_header,
                frozenset(str(x) for x in not_asked),
                _label_file(spec, file, f"{where}.", problems),
                _completion(spec, file, f"{where}.", problems),
            )
        )
    names = [r.name for r in out]
    for dup in sorted({x for x in names if names.count(x) > 1}):
        problems.append(
            Problem(
                file, column="rounds", value=dup, expected="to runder har samme navn; hver runde skal have sit eget."
            )
        )
    dates = [r.date for r in out if r.date]
    if dates != sorted(dates):
        problems.append(Problem(file, column="rounds", expected="runderne skal stå i tidsorden, ældste først."))
    return out
