"""APV survey rounds: load, validate, score, aggregate per unit, and anonymise.

Respondent rows and free-text answers never leave this package: callers get only
aggregates in which the anonymity contract of DESIGN.md is already applied.

- mapping: which column and item measures what (Mapping and its parts)
- mapping_file: mapping.yaml read and checked (read_mapping), with mapping_items (scales:, items:)
  and mapping_rounds (rounds:, and how a round's file is read)
- labels: value-label files and SPSS files (codes and their words)
- scoring: answers to 0–100 and construct scores and flags
- rounds: each round's file read and checked (Round, Survey, load, check)
- round_rows: which rows of a round count and each row's unit
- aggregates: each round aggregated and anonymised (Results, aggregate, history)
- anonymity: which figures may be shown (the suppression rules)
- trend: a change between two rounds and whether it is clear
- diagnostics: warnings worth knowing before reports are made
- draft: a first mapping.yaml drafted from a survey export, from what each column holds
  (columns) and the answer scales stresskit knows (known_scales)

The names callers use are re-exported here: ``apv.history(book)``, ``apv.SHOWN``.
"""

from .aggregates import (
    COMPLEMENT,
    NBSP,
    NO_ANSWERS,
    NOT_MEASURED,
    NOT_MEASURED_LEAD,
    OWN,
    OWN_NAME,
    SHOWN,
    SMALL,
    Results,
    aggregate,
    history,
    measured,
    own_group,
    owner,
    percent,
    preload,
    results,
    results_data,
    results_from_data,
    status_text,
    unmeasured_parts,
)
from .diagnostics import coded_to_parents, completion_notes, direction_warnings, item_rest
from .mapping import MAPPING, Completion, Construct, Item, Mapping, RoundSpec, Scale, normalise
from .mapping_file import read_mapping
from .rounds import Round, Survey, check, load, read_round, round_files, round_specs
from .scoring import DONT_KNOW, _values

__all__ = [
    "COMPLEMENT",
    "DONT_KNOW",
    "MAPPING",
    "NBSP",
    "NO_ANSWERS",
    "NOT_MEASURED",
    "NOT_MEASURED_LEAD",
    "OWN",
    "OWN_NAME",
    "SHOWN",
    "SMALL",
    "Completion",
    "Construct",
    "Item",
    "Mapping",
    "Results",
    "Round",
    "RoundSpec",
    "Scale",
    "Survey",
    "aggregate",
    "check",
    "coded_to_parents",
    "completion_notes",
    "direction_warnings",
    "history",
    "item_rest",
    "load",
    "measured",
    "normalise",
    "own_group",
    "owner",
    "percent",
    "preload",
    "read_mapping",
    "read_round",
    "results",
    "results_data",
    "results_from_data",
    "round_files",
    "round_specs",
    "status_text",
    "unmeasured_parts",
    "_values",
]
