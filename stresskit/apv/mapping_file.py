"""mapping.yaml read and checked into a Mapping (see mapping): its constructs and their cut-offs,
the unit column and its codes; scales and items (mapping_items) and rounds (mapping_rounds) are
checked beside them, so one run lists every problem in the file.
"""

from __future__ import annotations

from .. import guide as guide_module
from .. import yamlfile
from ..errors import InputError, Problem, display_name
from ..workbook import Workbook
from ..yamlcheck import one_of, section
from . import labels as value_labels
from .mapping import MAPPING, Construct, Mapping, normalise
from .mapping_items import check_items, check_scales
from .mapping_rounds import check_completion, check_label_file, check_layout, check_rounds


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
    raw_constructs = section(
        data,
        "constructs",
        dict,
        file,
        "en ordbog med én påvirkning eller ressource pr. nøgle, fx «arbejdsmaengde: {exposed_from: 62.5}»",
        problems,
    )
    raw_items = section(data, "items", list, file, "en liste med ét punkt pr. spørgsmålskolonne", problems)
    raw_scales = section(data, "scales", dict, file, "en ordbog med navngivne svarskalaer", problems)
    raw_rounds = section(data, "rounds", list, file, "en liste af runder med name, file og date", problems)
    raw_missing = section(data, "missing_values", list, file, "en liste af svar, der betyder «ikke besvaret»", problems)

    constructs = _constructs(raw_constructs, known, file, problems)
    scales = check_scales(raw_scales, file, problems)
    items = check_items(raw_items, constructs, scales, file, problems)
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
    sheet, header_row = check_layout(data, file, "", problems)
    rounds = check_rounds(raw_rounds, file, sheet, header_row, problems)
    label_file = check_label_file(data, file, "", problems)
    completed = check_completion(data, file, "", problems)
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


def _constructs(raw: dict, known: dict, file: str, problems: list[Problem]) -> dict[str, Construct]:
    """``constructs:``: each a construct of the guide's, with its cut-off on 0–100."""
    constructs: dict[str, Construct] = {}
    for cid, spec in raw.items():
        where = f"constructs.{cid}"
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            problems.append(
                Problem(file, column=where, expected="forventede en ordbog med grænsen, fx {exposed_from: 62.5}.")
            )
            continue
        if not one_of(
            cid, known, file, where, f"forventede en påvirkning eller ressource: {', '.join(known)}.", problems
        ):
            continue
        content = known[cid]
        rule = spec.get("rule", "mean")
        one_of(rule, ("mean", "any"), file, f"{where}.rule", "forventede mean eller any.", problems)
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
    return constructs


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
