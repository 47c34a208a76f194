"""A first mapping.yaml written from a survey file (`stresskit mapping draft`).

Every column is listed. A column of numbers gets its range as scale; a column of labels that
a known Danish answer scale covers gets that scale, ordered as the scale orders its answers;
other label columns get a scale whose numbers are left as TODO (their labels are written
into the draft, the analyst's own file, never a report, so they can be numbered). What
stresskit cannot know (which exposure or resource an item measures, whether it is reversed)
is left as TODO with a Danish comment, so `stresskit validate` then says what is still
missing. Free-text and id columns are named in a comment but never quoted: their cells may
hold what people wrote.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import guide as guide_module
from . import tables
from .apv import normalise

# Known Danish answer scales, highest first (the order a survey tool lists them in), with the
# spellings tools use for the same answer.
KNOWN_SCALES = {
    "hyppighed": [("Altid", 5), ("Ofte", 4), ("Somme tider", 3), ("Sjældent", 2), ("Aldrig/næsten aldrig", 1),
                  ("Aldrig / næsten aldrig", 1), ("Aldrig", 1)],
    "grad": [("I meget høj grad", 5), ("I høj grad", 4), ("Delvis", 3), ("Delvist", 3), ("I ringe grad", 2),
             ("I meget ringe grad", 1)],
    "enighed": [("Helt enig", 5), ("Delvist enig", 4), ("Hverken enig eller uenig", 3), ("Delvist uenig", 2), ("Helt uenig", 1)],
    "tilfredshed": [("Meget tilfreds", 5), ("Tilfreds", 4), ("Hverken tilfreds eller utilfreds", 3), ("Utilfreds", 2),
                    ("Meget utilfreds", 1)],
    "haendelser": [("Ja, dagligt", 5), ("Ja, ugentligt", 4), ("Ja, månedligt", 3), ("Ja, et par gange", 2), ("Nej", 1)],
}
KNOWN_MISSING = ["Ved ikke", "Ikke relevant", "Vil ikke svare", "Ønsker ikke at svare"]
UNIT_WORDS = ("afdeling", "enhed", "unit", "team", "område", "arbejdssted")
TEXT_WORDS = ("kommentar", "fritekst", "bemærk", "uddyb", "andet", "tekst", "comment")
# Numeric answer scales in common use; a column gets the smallest that holds every answer seen.
COMMON_RANGES = [(1, 5), (1, 7), (0, 10), (1, 10), (0, 100)]
MAX_LABELS = 12  # more distinct texts than this is free text, not an answer scale
MAX_NUMBERS = 20  # more distinct numbers than this is an id or a count, not an answer scale


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _known(labels: set[str]) -> str | None:
    for name, scale in KNOWN_SCALES.items():
        if labels <= {normalise(x) for x, _ in scale}:
            return name
    return None


def classify(column: pd.Series, name: str = "") -> tuple[str, object]:
    """What a column holds: ("numbers", (low, high)), ("known", scale name), ("labels", [labels]),
    ("text", None) for free text or ids, ("empty", None)."""
    if any(w in name.casefold() for w in TEXT_WORDS):
        return "text", None
    seen = [v for v in column.unique() if v != ""]
    missing = {normalise(m) for m in KNOWN_MISSING}
    answers = [v for v in seen if normalise(v) not in missing]
    if not answers:
        return "empty", None
    numbers = tables.numbers(pd.Series(answers, dtype=str))
    if numbers.notna().all():
        if len(answers) > MAX_NUMBERS or numbers.min() == numbers.max():
            return "text", None
        return "numbers", (float(numbers.min()), float(numbers.max()))
    keys = {normalise(v) for v in answers}
    if len(keys) > MAX_LABELS or max(len(v) for v in answers) > 60:
        return "text", None
    name = _known(keys)
    if name is not None:
        return "known", name
    return "labels", sorted({" ".join(v.split()) for v in answers}, key=str.casefold)


def draft(frame: pd.DataFrame, source: str, sheet: str | None = None, header_row: int = 1) -> str:
    """The text of a draft mapping.yaml for the survey in ``frame``."""
    g = guide_module.default()
    exposures = ", ".join(c["id"] for c in g.constructs() if c["kind"] == "exposure")
    resources = ", ".join(c["id"] for c in g.constructs() if c["kind"] == "resource")
    columns = list(frame.columns)
    unit = next((c for c in columns if any(w in c.casefold() for w in UNIT_WORDS)), None)
    kinds = {c: classify(frame[c], c) for c in columns if c != unit}
    used_known = sorted({v for k, v in kinds.values() if k == "known"})
    seen_missing = sorted({v for c in columns for v in frame[c].unique()
                           if normalise(v) in {normalise(m) for m in KNOWN_MISSING}}, key=str.casefold)

    out = [f"# Udkast til mapping.yaml, skrevet af «stresskit mapping draft» ud fra {source}.",
           "# Ret alle steder, der står TODO, og kør så «stresskit validate», der siger, hvad der mangler.",
           "#",
           "# constructs: de påvirkninger og ressourcer, skemaet måler, med grænsen på 0–100:",
           "#   exposed_from: fra denne score tæller en besvarelse som udsat (påvirkninger)",
           "#   low_below:    under denne score tæller en ressource som lav",
           "#   rule: any     ét spørgsmål over grænsen er nok (fx vold)",
           f"# Påvirkninger: {exposures}.",
           f"# Ressourcer: {resources}.",
           "# items: construct siger, hvad spørgsmålet måler; reverse: true, hvis et højt svar er godt",
           "#   for en påvirkning (fx «Har du tid nok?») eller dårligt for en ressource."]
    if unit is not None:
        out.append(f"unit_column: {_q(unit)}")
    else:
        out.append("unit_column: TODO  # navnet på kolonnen med enhedens id eller navn")
    if sheet is not None:
        out.append(f"sheet: {_q(sheet)}")
    if header_row != 1:
        out.append(f"header_row: {header_row}")
    out.append(f"missing_values: [{', '.join(_q(m) for m in seen_missing)}]")

    label_scales = {c: v for c, (k, v) in kinds.items() if k == "labels"}
    if used_known or label_scales:
        out.append("scales:")
        for name in used_known:
            numbers = ", ".join(f"{_q(lab)}: {value}" for lab, value in KNOWN_SCALES[name])
            out.append(f"  {name}:")
            out.append(f"    labels: {{{numbers}}}")
        for n, (column, labels) in enumerate(label_scales.items(), start=1):
            out.append(f"  skala_{n}:  # TODO: svarene i kolonnen {_q(column)} er ikke en kendt skala; giv hvert svar et tal")
            out.append("    labels: {" + ", ".join(f"{_q(lab)}: TODO" for lab in labels) + "}")
    out.append("constructs: {}  # TODO: fx arbejdsmaengde: {exposed_from: 62.5}")
    out.append("items:")
    scale_of = {c: f"skala_{n}" for n, c in enumerate(label_scales, start=1)}
    skipped = []
    for column, (kind, value) in kinds.items():
        note = ""
        if kind == "numbers":
            low, high = value
            scale = next(([a, b] for a, b in COMMON_RANGES if a <= low and high <= b), [low, high])
            note = f"  # svar fra {_num_text(low)} til {_num_text(high)} set; tjek skalaen"
            scale = f"[{_num_text(scale[0])}, {_num_text(scale[1])}]"
        elif kind == "known":
            scale = value
        elif kind == "labels":
            scale = scale_of[column]
        else:
            skipped.append((column, kind))
            continue
        out.append(f"  - {{item: {_q(column)}, construct: TODO, scale: {scale}, reverse: false}}{note}")
    if skipped:
        out.append("# Kolonner, der ikke ligner svar på en skala, og derfor ikke står under items:")
        for column, kind in skipped:
            why = "tom" if kind == "empty" else "fritekst, id'er eller mange forskellige værdier"
            out.append(f"#   {_q(column)}: {why}")
    return "\n".join(out) + "\n"


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def draft_file(path: Path | str, sheet: str | None = None, header_row: int = 1) -> str:
    """Read a survey file and return its draft mapping; raise InputError when it cannot be read."""
    path = Path(path)
    frame = tables.read(path, path.name, sheet, header_row)
    return draft(frame, path.name, sheet, header_row)
