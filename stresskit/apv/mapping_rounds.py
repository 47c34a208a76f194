"""mapping.yaml's ``rounds:`` checked into RoundSpecs, and the settings that say how a round's file
is read, for all rounds at the top level or for one round under ``rounds:`` (sheet, header_row,
labels, completed).
"""

from __future__ import annotations

from datetime import date as _date
from pathlib import Path

from ..errors import Problem
from ..yamlcheck import listed
from . import labels as value_labels
from .mapping import SURVEY_SUFFIXES, Completion, RoundSpec


def check_label_file(spec: dict, file: str, where: str, problems: list[Problem]) -> str | None:
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


def check_completion(spec: dict, file: str, where: str, problems: list[Problem]) -> Completion | None:
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


def check_layout(
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


def check_rounds(raw: list, file: str, sheet, header_row, problems: list[Problem]) -> list[RoundSpec]:
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
        r_sheet, r_header = check_layout(spec, file, f"{where}.", problems, sheet, header_row)
        not_asked = listed(
            spec, "not_asked", file, where, "forventede en liste af spørgsmål (item), runden ikke havde.", problems
        )
        out.append(
            RoundSpec(
                str(spec.get("name") or Path(name_of).stem),
                name_of,
                day,
                r_sheet,
                r_header,
                frozenset(str(x) for x in not_asked),
                check_label_file(spec, file, f"{where}.", problems),
                check_completion(spec, file, f"{where}.", problems),
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
