"""APV survey rounds: each round's file read, checked and scored.

Rounds: every .csv/.xlsx in apv/ is a round, ordered by file name, or as mapping.yaml's
``rounds:`` lists them (name, file, date, sheet, header_row, not_asked). A construct is
reported for a round only when the round asked all its items. Answers are numbers on an
item's ``scale: [low, high]`` or labels of a named scale (``scales:``), matched case- and
whitespace-insensitively (see scoring); which rows count and whose they are: round_rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import memo, tables
from ..errors import InputError, Problem, display_name
from ..workbook import Workbook
from . import labels as value_labels
from .mapping import MAPPING, SURVEY_SUFFIXES, Construct, Mapping, RoundSpec
from .mapping_file import read_mapping
from .round_rows import MAX_LISTED, completed_rows, more, unit_ids
from .scoring import _bad_answer, _score, _values


@dataclass
class Round:
    """One survey round. Respondent-level frames are private to the apv package."""

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


def round_files(book: Workbook) -> list[Path]:
    """Every survey file in apv/, by name (a `rounds:` list in mapping.yaml may order them otherwise)."""
    if not book.apv_dir.is_dir():
        return []
    return sorted(
        p for p in book.apv_dir.iterdir() if p.suffix.lower() in SURVEY_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def round_specs(book: Workbook, mapping: Mapping) -> tuple[list[tuple[Path, RoundSpec]], list[Problem]]:
    """The rounds oldest first: as `rounds:` lists them, or every file by name (the value-label
    files the mapping names are not rounds)."""
    label_files = mapping.label_files()
    files = [p for p in round_files(book) if p.name not in label_files]
    if not mapping.rounds:
        return [(p, RoundSpec(p.stem, p.name, None, mapping.sheet, mapping.header_row)) for p in files], []
    file = display_name(book.apv_dir / MAPPING, book.root)
    listed = {r.file for r in mapping.rounds}
    problems = [
        Problem(
            file,
            column="rounds",
            value=p.name,
            expected="filen ligger i apv/, men står ikke under rounds; tilføj den, eller flyt den ud af mappen."
            + (
                " Er det en etiketfil, så skriv den under labels (for runden eller for hele mapping.yaml)."
                if "label" in p.name.casefold()
                else ""
            ),
        )
        for p in files
        if p.name not in listed
    ]
    out = []
    for spec in [
        *mapping.rounds,
        *(RoundSpec(p.stem, p.name, None, mapping.sheet, mapping.header_row) for p in files if p.name not in listed),
    ]:
        # an unlisted file is read too, so validate also tells what else is wrong with it
        path = book.apv_dir / spec.file
        if not path.is_file():
            problems.append(
                Problem(
                    file, column="rounds", value=spec.file, expected="filen står under rounds, men findes ikke i apv/."
                )
            )
            continue
        out.append((path, spec))
    return out, problems


def read_round(
    book: Workbook, mapping: Mapping, path: Path, spec: RoundSpec | None = None
) -> tuple[Round | None, list[Problem]]:
    spec = spec or RoundSpec(path.stem, path.name, None, mapping.sheet, mapping.header_row)
    file = display_name(path, book.root)
    try:
        frame, carried = value_labels.read_survey(
            path, file, sheet=spec.sheet, header_row=spec.header_row, want_column=mapping.unit_column, strip=False
        )
    except InputError as exc:
        return None, exc.problems
    if frame.empty:
        return None, [
            Problem(
                file, expected="filen har ingen besvarelser; der forventes én række pr. besvarelse under overskriften."
            )
        ]
    header = spec.header_row
    columns = list(frame.columns)
    if mapping.unit_column not in columns:
        hint = (
            " Er filen en etiketfil, så skriv den under labels i mapping.yaml, så læses den ikke som en runde."
            if "label" in path.name.casefold()
            else ""
        )
        return None, [
            Problem(
                file,
                row=header,
                column=mapping.unit_column,
                expected=f"kolonnen med enheden mangler (mapping.yaml: unit_column); fandt kolonnerne "
                f"{', '.join(columns[:12])}.{hint}",
            )
        ]
    labels, label_name, problems = _round_labels(book, mapping, spec, carried, file, columns)
    if problems:
        return None, problems

    def where(col: str) -> str:
        return f"{col} ({tables.column_letter(columns.index(col))})"

    rows = len(frame)
    done, problems = completed_rows(spec.completed or mapping.completed, frame, labels, file, header, where)
    if problems:
        return None, problems
    frame = frame[done]  # rows not completed never count, anywhere; the index keeps the file's row
    units, problems = unit_ids(book, mapping, frame, labels, file, header, where)

    for item in mapping.items:
        if item.column not in columns and item.column not in spec.not_asked:
            problems.append(
                Problem(
                    file,
                    row=header,
                    column=item.column,
                    expected="spørgsmålet står i mapping.yaml, men kolonnen findes ikke i filen. Havde runden ikke "
                    "spørgsmålet, så skriv det under not_asked for runden under rounds.",
                )
            )
    present = [i for i in mapping.items if i.column in columns and i.column not in spec.not_asked]
    scaled = {}
    bad_total = 0
    for item in present:
        codes = labels.get(item.column)
        values, bad = _values(mapping, item, frame[item.column], codes)
        for pos in np.flatnonzero(bad.to_numpy()):
            if bad_total < MAX_LISTED:
                cell = frame[item.column].iat[pos]
                problems.append(
                    _bad_answer(
                        mapping,
                        item,
                        file,
                        int(frame.index[pos]) + header + 1,
                        where(item.column),
                        codes,
                        label_name,
                        str(cell).strip(),
                    )
                )
            bad_total += 1
        score = (values - item.low) / (item.high - item.low) * 100
        scaled[item.column] = 100 - score if item.reverse else score
    problems += more(file, bad_total, "ugyldige svar")
    if problems:
        return None, problems

    # A construct is reported for a round only when every one of its items was asked in it.
    asked = {i.column for i in present}
    measured = {
        cid
        for cid, c in mapping.constructs.items()
        if c.kind != "combination" and all(i.column in asked for i in mapping.items if i.construct == cid)
    }
    constructs = {
        cid: c
        for cid, c in mapping.constructs.items()
        if cid in measured or (c.kind == "combination" and set(c.parts) <= measured)
    }
    items = pd.DataFrame(scaled, index=frame.index)
    scores, flags = _score(constructs, mapping.items, items)
    return Round(
        spec.name,
        file,
        units.reset_index(drop=True),
        scores,
        flags,
        spec.date,
        constructs,
        items.reset_index(drop=True),
        rows,
    ), []


def _round_labels(
    book: Workbook, mapping: Mapping, spec: RoundSpec, carried: value_labels.ValueLabels, file: str, columns: list[str]
) -> tuple[value_labels.ValueLabels, str | None, list[Problem]]:
    """The round's value labels: those an SPSS file carries, and the label file the mapping names."""
    name = spec.labels or mapping.labels
    if name is None:
        return carried, None, []
    path = book.apv_dir / name
    shown = display_name(path, book.root)
    if not path.is_file():
        return (
            {},
            name,
            [
                Problem(
                    display_name(book.apv_dir / MAPPING, book.root),
                    column="labels",
                    value=name,
                    expected="etiketfilen står i mapping.yaml, men findes ikke i apv/.",
                )
            ],
        )
    try:
        found = memo.once(
            "labels",
            (str(path.resolve()), path.stat().st_mtime_ns, path.stat().st_size),
            lambda: value_labels.read_label_file(path, shown),
        )
    except InputError as exc:
        return {}, name, exc.problems
    if not set(found) & set(columns):
        return (
            {},
            name,
            [
                Problem(
                    shown,
                    expected=f"etiketfilen passer ikke til {file}: ingen af dens variabler "
                    f"({', '.join(sorted(found)[:6])}) er en kolonne i den fil. "
                    "Hører etiketfilen til en anden runde?",
                )
            ],
        )
    return {**carried, **found}, name, []


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


def load(book: Workbook) -> Survey | None:
    """All rounds, oldest first; None when the workbook has no survey. Raise InputError on bad input."""
    if not round_files(book):
        return None
    mapping, rounds, problems = _read_all(book)
    if problems:
        raise InputError(problems)
    return Survey(mapping, rounds)
