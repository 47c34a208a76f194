"""Reading institution.yaml into a Workbook: its fields, units, AMO groups and anonymity
thresholds, with every problem in the file listed (the unit tree's own checks are in workbook)."""

from __future__ import annotations

from pathlib import Path

from . import guide as guide_module
from . import yamlfile
from .errors import InputError, Problem
from .workbook import (
    INSTITUTION,
    MIN_GROUP,
    MIN_GROUP_SENSITIVE,
    UNIT_ID,
    AmoGroup,
    Unit,
    Workbook,
    check_cycles,
    check_headcounts,
    check_names,
    check_previous_names,
)


def read_institution(root: Path) -> tuple[Workbook | None, list[Problem]]:
    file = INSTITUTION
    path = root / INSTITUTION
    if not path.is_file():
        return None, [
            Problem(file, expected=f"filen mangler i mappen {root}; opret en arbejdsbog med «stresskit new».")
        ]
    try:
        data = yamlfile.read(path, file, "forventede felterne name, sector og units.")
    except InputError as exc:
        return None, exc.problems

    problems: list[Problem] = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(file, column="name", value=name, expected="forventede institutionens navn."))
    sectors = [s["id"] for s in guide_module.default().sectors]
    sector = data.get("sector")
    if sector not in sectors:
        problems.append(
            Problem(file, column="sector", value=sector, expected=f"forventede en af {', '.join(sectors)}.")
        )

    units: dict[str, Unit] = {}
    seen: dict[str, int] = {}  # casefolded id -> its place in the list
    raw_units = data.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        problems.append(
            Problem(file, column="units", expected="forventede en liste af enheder med id, name, parent og headcount.")
        )
        raw_units = []
    for n, raw in enumerate(raw_units, start=1):
        where = f"units[{n}]"
        if not isinstance(raw, dict):
            problems.append(
                Problem(
                    file, column=where, value=raw, expected="forventede en enhed med id, name, parent og headcount."
                )
            )
            continue
        unit_id = str(raw.get("id") or "").strip()
        if not unit_id:
            problems.append(Problem(file, column=f"{where}.id", expected="hver enhed skal have et id."))
            continue
        if not UNIT_ID.fullmatch(unit_id):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.id",
                    value=unit_id,
                    expected="et id må kun indeholde bogstaverne a–z og A–Z, cifre, _ og - "
                    "(ikke - først, ingen mellemrum, æ/ø/å, / eller punktum), fx «adm_studie».",
                )
            )
            continue
        if unit_id.casefold() in seen:
            problems.append(
                Problem(
                    file,
                    column=f"{where}.id",
                    value=unit_id,
                    expected=f"id'et er brugt af enheden på plads {seen[unit_id.casefold()]} (store og små "
                    "bogstaver regnes for ens); hvert id skal være entydigt.",
                )
            )
            continue
        seen[unit_id.casefold()] = n
        headcount = raw.get("headcount")
        if headcount is not None and (not isinstance(headcount, int) or isinstance(headcount, bool) or headcount < 0):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.headcount",
                    value=headcount,
                    expected="forventede et helt antal ansatte (0 eller mere).",
                )
            )
            headcount = None
        parent = raw.get("parent")
        previous = raw.get("previous_names") or []
        if not isinstance(previous, list) or not all(isinstance(x, (str, int)) and str(x).strip() for x in previous):
            problems.append(
                Problem(
                    file,
                    column=f"{where}.previous_names",
                    expected="forventede en liste af de navne eller id'er, enheden havde i tidligere APV-runder.",
                )
            )
            previous = []
        raw_name = raw.get("name")
        if raw_name is not None and not isinstance(raw_name, (str, int, float)):
            problems.append(Problem(file, column=f"{where}.name", expected="forventede enhedens navn som tekst."))
            raw_name = None
        units[unit_id] = Unit(
            unit_id,
            str(raw_name or unit_id).strip() or unit_id,
            None if parent in (None, "") else str(parent),
            headcount,
            tuple(str(x).strip() for x in previous),
        )

    problems += check_names(units, file)
    roots = [u.id for u in units.values() if u.parent is None]
    if units and len(roots) != 1:
        problems.append(
            Problem(
                file,
                column="units",
                value=", ".join(roots) or "ingen",
                expected="præcis én enhed, institutionen selv, skal være uden parent.",
            )
        )
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            problems.append(
                Problem(
                    file,
                    column=f"units ({unit.id}).parent",
                    value=unit.parent,
                    expected="forventede id'et på en enhed, der findes i units.",
                )
            )
    if not problems:
        problems += check_cycles(units, file)
    if not problems:
        problems += check_headcounts(units, file)
    problems += check_previous_names(units, file)

    groups = []
    for n, raw in enumerate(data.get("amo_groups") or [], start=1):
        where = f"amo_groups[{n}]"
        covered = [str(u) for u in (raw or {}).get("units") or []] if isinstance(raw, dict) else []
        if not isinstance(raw, dict) or not raw.get("id") or not covered:
            problems.append(
                Problem(file, column=where, expected="forventede id, name og units (de enheder, gruppen dækker).")
            )
            continue
        for unit_id in covered:
            if unit_id not in units:
                problems.append(
                    Problem(
                        file,
                        column=f"{where}.units",
                        value=unit_id,
                        expected="forventede id'et på en enhed, der findes i units.",
                    )
                )
        groups.append(AmoGroup(str(raw["id"]), str(raw.get("name") or raw["id"]), tuple(covered)))

    anonymity = data.get("anonymity") or {}
    thresholds = {}
    for key, default in (("min_group", MIN_GROUP), ("min_group_sensitive", MIN_GROUP_SENSITIVE)):
        value = anonymity.get(key, default) if isinstance(anonymity, dict) else default
        if not isinstance(value, int) or isinstance(value, bool) or value < MIN_GROUP:
            problems.append(
                Problem(
                    file,
                    column=f"anonymity.{key}",
                    value=value,
                    expected=f"forventede et helt tal på mindst {MIN_GROUP}; færre svar kan udpege enkeltpersoner.",
                )
            )
            value = default
        thresholds[key] = value
    if thresholds["min_group_sensitive"] < thresholds["min_group"]:
        problems.append(
            Problem(
                file,
                column="anonymity.min_group_sensitive",
                value=thresholds["min_group_sensitive"],
                expected=f"forventede mindst samme værdi som min_group ({thresholds['min_group']}).",
            )
        )
    if problems:
        return None, problems
    return Workbook(root, name.strip(), sector, units, groups, **thresholds), []
