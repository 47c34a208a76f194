"""A first mapping.yaml written from a survey file (`stresskit mapping draft`).

The draft never copies a cell: respondents' answers, free text, e-mail addresses and ids stay in
the export. What it writes comes from column names, from the survey tool's value labels (a
SurveyXact label file beside the export, or an SPSS file's own labels; those are the tool's
words, not a respondent's) and from the answer scales stresskit knows.

- Metadata columns (ids, timestamps, status, e-mail, IP, language) are recognised and left out;
  free-text columns are named, never quoted.
- Which rows count: a SurveyXact export's ``statoverall_4`` (1 = completed) becomes
  ``completed: {column: statoverall_4, equals: 1}``; another status-like column is a TODO.
- Answers: words of a known Danish or English answer scale (spelling variants included) get
  that scale, whose numbers say its direction («Altid» = 5). Answers that mean «don't know»
  («Ved ikke», «Jeg har ingen leder», «I do not have a supervisor», …) are not answered, even
  when the label file codes them as the highest number. Plain numbers get a common range, and
  their direction is a TODO, for nothing says whether 1 means «Altid» or «Aldrig».
- What only a person can know (which exposure or resource an item measures) is TODO, so
  `stresskit validate` then says what is still missing; validate also warns when an item runs
  against the rest of its measure.

What a column holds is read in columns, against the answer scales in known_scales.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import guide as guide_module
from .. import tables
from . import labels as value_labels
from .columns import STATUS_WORDS, classify, is_metadata
from .known_scales import DIRECTION, KNOWN_MISSING, KNOWN_SCALES, MISSING
from .mapping import normalise

UNIT_WORDS = ("afdeling", "enhed", "unit", "team", "område", "arbejdssted", "department")
SURVEYXACT_COMPLETED = ("statoverall_4", "stato_4")  # 1 = completed (SurveyXact's overall status 4)
# Numeric answer scales in common use; a column gets the smallest that holds every answer seen.
COMMON_RANGES = [(1, 5), (1, 7), (0, 10), (1, 10), (0, 100)]
DONE_WORDS = {"gennemført", "fuldført", "besvaret", "completed", "complete", "finished"}


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def draft(
    frame: pd.DataFrame,
    source: str,
    sheet: str | None = None,
    header_row: int = 1,
    labels: value_labels.ValueLabels | None = None,
    label_file: str | None = None,
) -> str:
    """The text of a draft mapping.yaml for the survey in ``frame`` (``labels``: its value labels)."""
    labels = labels or {}
    columns = list(frame.columns)
    metadata = [c for c in columns if is_metadata(c)]
    rest = [c for c in columns if c not in metadata]
    unit = next((c for c in rest if any(w in c.casefold() for w in UNIT_WORDS)), None)
    kinds = {c: classify(frame[c], c, labels.get(c), bool(labels)) for c in rest if c != unit}
    out = _head(source, label_file)
    out += _unit_lines(frame, unit, labels)
    if sheet is not None:
        out.append(f"sheet: {_q(sheet)}")
    if header_row != 1:
        out.append(f"header_row: {header_row}")
    if label_file:
        out.append(f"labels: {_q(label_file)}  # etiketfilen: giver hver kode sine ord")
    out += _completed_lines(frame, labels)
    canonical = {normalise(m): m for m in KNOWN_MISSING}  # a cell's own spelling is not copied either
    seen_missing = sorted(
        {w for codes in labels.values() for w in codes.values() if normalise(w) in MISSING}
        | {canonical[normalise(v)] for c in rest for v in frame[c].unique() if normalise(v) in MISSING},
        key=str.casefold,
    )
    out.append(f"missing_values: [{', '.join(_q(m) for m in seen_missing)}]  # svar, der betyder «ikke besvaret»")
    out += _scale_lines(kinds)
    out.append("constructs: {}  # TODO: fx arbejdsmaengde: {exposed_from: 62.5}")
    out += _item_lines(kinds)
    out += _left_out(metadata, kinds)
    return "\n".join(out) + "\n"


def _head(source: str, label_file: str | None) -> list[str]:
    g = guide_module.default()
    exposures = ", ".join(c["id"] for c in g.constructs() if c["kind"] == "exposure")
    resources = ", ".join(c["id"] for c in g.constructs() if c["kind"] == "resource")
    return [
        f"# Udkast til mapping.yaml, skrevet af «stresskit mapping draft» ud fra {source}"
        + (f" og etiketfilen {label_file}." if label_file else "."),
        "# Ret alle steder, der står TODO, og kør så «stresskit validate», der siger, hvad der mangler.",
        "# Ingen celler fra filen er skrevet her: kun kolonnernes navne og spørgeskemaværktøjets svarord.",
        "#",
        "# constructs: de påvirkninger og ressourcer, skemaet måler, med grænsen på 0–100:",
        "#   exposed_from: fra denne score tæller en besvarelse som udsat (påvirkninger)",
        "#   low_below:    under denne score tæller en ressource som lav",
        "#   rule: any     ét spørgsmål over grænsen er nok (fx vold)",
        f"# Påvirkninger: {exposures}.",
        f"# Ressourcer: {resources}.",
        "# items: construct siger, hvad spørgsmålet måler (TODO for hvert). reverse: true, hvis et højt tal",
        "#   på skalaen betyder mindre af det, spørgsmålet måler (fx «Har du tid nok?» under arbejdsmængde).",
        "#   Hvor skalaens ord siger retningen, står reverse: false; validate advarer, hvis et spørgsmål går",
        "#   den modsatte vej af de andre om det samme. Står der reverse: TODO, ved stresskit ikke, om 1 er",
        "#   det mindste eller det meste: se spørgeskemaet.",
    ]


def _unit_lines(frame: pd.DataFrame, unit: str | None, labels: value_labels.ValueLabels) -> list[str]:
    if unit is None:
        return ["unit_column: TODO  # navnet på kolonnen med enhedens id, navn eller kode"]
    out = [f"unit_column: {_q(unit)}"]
    if labels.get(unit):
        out.append(
            f"# Kolonnen {_q(unit)} har koder, som etiketfilen giver navne; et navn skal være en enheds navn i "
            "institution.yaml (eller stå under dens previous_names). Ellers: unit_codes: {kode: enhedens id}."
        )
    elif tables.numbers(pd.Series([v for v in frame[unit].unique() if str(v).strip()], dtype=str)).notna().all():
        out.append(f"unit_codes: TODO  # kolonnen {_q(unit)} har tal: giv hver kode sin enhed, fx {{1: hum, 2: nat}}")
    return out


def _completed_lines(frame: pd.DataFrame, labels: value_labels.ValueLabels) -> list[str]:
    """``completed:`` where a known status column says it (SurveyXact's statoverall_4, or a status
    column whose value labels name «Gennemført»), else a TODO naming the status columns seen."""
    done = next((c for c in SURVEYXACT_COMPLETED if c in frame.columns), None)
    if done is not None:
        values = {value_labels.code_key(v) for v in frame[done].unique()}
        if values <= {"0", "1", ""}:
            return [
                f"completed: {{column: {done}, equals: 1}}  # SurveyXact: {done} = 1 er en gennemført besvarelse; "
                "andre rækker tæller ikke"
            ]
    status = [
        c
        for c in frame.columns
        if STATUS_WORDS.match(c.strip().casefold())
        or c in SURVEYXACT_COMPLETED
        or c.casefold().startswith(("statoverall_", "statinternal_", "stato_"))
    ]
    for column in status:
        codes = [c for c, w in labels.get(column, {}).items() if normalise(w) in DONE_WORDS]
        if len(codes) == 1:
            word = labels[column][codes[0]]
            return [
                f"completed: {{column: {_q(column)}, equals: {_q(codes[0])}}}  # {codes[0]} = «{word}» i "
                "værdietiketterne; andre rækker tæller ikke"
            ]
    if status:
        return [
            f"completed: TODO  # fx {{column: {status[0]}, equals: <værdien for gennemført>}}: hvilke rækker er "
            f"gennemførte besvarelser? (statuskolonner: {', '.join(status[:6])})"
        ]
    return ["# completed: ingen statuskolonne fundet, så alle rækker tæller som gennemførte besvarelser."]


def _scale_lines(kinds: dict) -> list[str]:
    used = sorted(
        {v for k, v in kinds.values() if k == "known"} | {v[0] for k, v in kinds.values() if k == "coded" and v[0]}
    )
    unknown = _unknown_coded(kinds)
    if not used and not unknown:
        return []
    out = ["scales:"]
    for name in used:
        out.append(f"  {name}:  # {DIRECTION[name]}")
        out.append("    labels: {" + ", ".join(f"{_q(lab)}: {value}" for lab, value in KNOWN_SCALES[name]) + "}")
    for name, (columns, words) in unknown.items():
        out.append(
            f"  {name}:  # TODO: ordene i etiketfilen for {', '.join(columns[:4])}{' …' if len(columns) > 4 else ''} "
            "er ikke en kendt skala; giv hvert ord et tal (højt = mere af det, spørgsmålet spørger om)"
        )
        out.append("    labels: {" + ", ".join(f"{_q(w)}: TODO" for w in words) + "}")
    return out


def _unknown_coded(kinds: dict) -> dict[str, tuple[list[str], list[str]]]:
    """Label-file scales that are no known scale: one named scale per distinct set of words."""
    out: dict[tuple, list[str]] = {}
    for column, (kind, value) in kinds.items():
        if kind == "coded" and value[0] is None and value[1]:
            words = tuple(dict.fromkeys(value[1].values()))
            out.setdefault(words, []).append(column)
    return {f"skala_{n}": (columns, list(words)) for n, (words, columns) in enumerate(out.items(), start=1)}


def _item_lines(kinds: dict) -> list[str]:
    out = ["items:"]
    scale_of = {c: name for name, (columns, _) in _unknown_coded(kinds).items() for c in columns}
    for column, (kind, value) in kinds.items():
        if kind == "numbers":
            low, high = value
            scale = next(([a, b] for a, b in COMMON_RANGES if a <= low and high <= b), [low, high])
            out.append(
                f"  - {{item: {_q(column)}, construct: TODO, scale: [{_num_text(scale[0])}, {_num_text(scale[1])}], "
                f"reverse: TODO}}  # tal fra {_num_text(low)} til {_num_text(high)} set; tjek skalaen og om "
                f"{_num_text(scale[1])} er det meste"
            )
        elif kind == "known" or (kind == "coded" and value[0]):
            name = value if kind == "known" else value[0]
            out.append(f"  - {{item: {_q(column)}, construct: TODO, scale: {name}, reverse: false}}")
        elif kind == "coded" and value[1]:
            out.append(f"  - {{item: {_q(column)}, construct: TODO, scale: {scale_of[column]}, reverse: TODO}}")
        elif kind == "words":
            out.append(
                f"  - {{item: {_q(column)}, construct: TODO, scale: TODO, reverse: TODO}}  # svar i ord, der ikke "
                "er en kendt skala: skriv en skala under scales med ordene fra spørgeskemaet og hvert sit tal"
            )
    return out


def _left_out(metadata: list[str], kinds: dict) -> list[str]:
    out = []
    if metadata:
        out.append("# Metadata, ikke svar (id, tidspunkter, status, e-mail, IP, sprog), og derfor ikke under items:")
        out.append("#   " + ", ".join(_q(c) for c in metadata))
    skipped = [(c, k) for c, (k, v) in kinds.items() if k in ("text", "empty") or (k == "coded" and not v[1])]
    if skipped:
        out.append("# Kolonner, der ikke ligner svar på en skala, og derfor ikke står under items:")
        for column, kind in skipped:
            why = {"empty": "tom", "coded": "kun svar, der betyder «ikke besvaret»"}.get(
                kind, "fritekst, id'er eller mange forskellige værdier (indholdet er ikke skrevet her)"
            )
            out.append(f"#   {_q(column)}: {why}")
    return out


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def label_file_for(path: Path) -> Path | None:
    """The value-label file beside a SurveyXact dataset: labels_<same suffix>.csv, else the one
    *label*.csv in the folder."""
    siblings = sorted(p for p in path.parent.glob("*.csv") if "label" in p.name.casefold() and p != path)
    stem = path.stem.casefold()
    for p in siblings:
        tail = p.stem.casefold().replace("labels", "").replace("label", "")
        if tail and stem.endswith(tail):
            return p
    return siblings[0] if len(siblings) == 1 else None


def draft_file(
    path: Path | str, sheet: str | None = None, header_row: int = 1, labels: Path | str | None = None
) -> str:
    """Read a survey file (and its value labels) and return its draft mapping; raise InputError
    when it cannot be read."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx" and sheet is None and labels is None and _surveyxact_workbook(path):
        sheet, labels = "Dataset", path  # SurveyXact's Excel export: answers and labels in one file
    frame, carried = value_labels.read_survey(path, path.name, sheet=sheet, header_row=header_row)
    label_path = Path(labels) if labels else (label_file_for(path) if path.suffix.lower() == ".csv" else None)
    found = value_labels.read_label_file(label_path, label_path.name) if label_path else {}
    return draft(frame, path.name, sheet, header_row, {**carried, **found}, label_path.name if label_path else None)


def _surveyxact_workbook(path: Path) -> bool:
    """An .xlsx with SurveyXact's sheets «Dataset» and «Labels»."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:
        return False  # tables.read says what is wrong with it
    try:
        return {"Dataset", value_labels.LABELS_SHEET} <= set(book.sheetnames)
    finally:
        book.close()
