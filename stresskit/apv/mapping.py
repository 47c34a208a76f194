"""The survey mapping as stresskit holds it: which column is the unit, which item measures which
construct on which scale (numbers on ``scale: [low, high]`` or the labels of a named scale under
``scales:``), where the rounds are (``rounds:``: name, file, date, sheet, header_row, not_asked),
which value-label file names the codes (``labels:``) and which rows are completed responses
(``completed:``). mapping_file reads and checks mapping.yaml into a Mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import tables
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
