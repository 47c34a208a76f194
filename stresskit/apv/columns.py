"""What a survey export's column holds, read from its name and its distinct answers (never
copied): metadata the tool adds, free text, numbers, words of a known scale, or coded answers.
"""

from __future__ import annotations

import re

import pandas as pd

from .. import tables
from .known_scales import MISSING, known_scale
from .mapping import normalise

TEXT_WORDS = ("kommentar", "fritekst", "bemærk", "uddyb", "andet", "tekst", "comment")
# Columns a survey tool adds about the response, not answers: left out of the draft, named only.
METADATA = [
    re.compile(p)
    for p in (
        r"^(respondent_?id|respondent|id|svar-?id|respondentnummer|løbenummer|externalkey|collecturl|token)$",
        r"^stat[a-z]*_\d+$",  # SurveyXact's statinternal_*, statoverall_*, statcompletion_*, stato_* …
        r"^(created|modified|closetime|starttime|endtime|difftime|submitdate|startdate|datestamp|lastpage|"
        r"responsecollectsessions|sessioncount|numberofreturnedmail|importgroup|distributionschedule|"
        r"digitaldistribution\w*|oprettet|afsluttet|besvaret|varighed|duration)$",
        r"(^|_)(date|time|dato|tidspunkt|timestamp)$",
        r"^(e-?mail|mail|e-?mailadresse|emailaddress)$",
        r"^(ip|ipaddress|ip_address|ip-adresse|useragent|user_agent|browser)$",
        r"^(lang|language|sprog|startlanguage)$",
        r"^(name|navn|fornavn|efternavn|telefon|phone|cpr)$",
    )
]
STATUS_WORDS = re.compile(r"^(status|completed|complete|gennemført|fuldført|state|finished)$")
MAX_LABELS = 12  # more distinct texts than this is free text, not an answer scale
MAX_NUMBERS = 20  # more distinct numbers than this is an id or a count, not an answer scale


def is_metadata(name: str) -> bool:
    key = name.strip().casefold()
    return any(p.search(key) for p in METADATA) or bool(STATUS_WORDS.match(key))


def classify(
    column: pd.Series, name: str = "", codes: dict[str, str] | None = None, labelled: bool = False
) -> tuple[str, object]:
    """What a column holds: ("numbers", (low, high)), ("known", scale name), ("coded", (scale name
    or None, labels)), ("words", None) for short words of no known scale, ("text", None) for free
    text or ids, ("empty", None). ``codes`` are the column's value labels; ``labelled`` says the
    export has value labels, so a column without them that holds words is free text."""
    if any(w in name.casefold() for w in TEXT_WORDS):
        return "text", None
    seen = [v for v in column.unique() if str(v).strip() != ""]
    if codes:
        answers = {c: w for c, w in codes.items() if normalise(w) not in MISSING}
        return "coded", (known_scale({normalise(w) for w in answers.values()}), answers)
    answers = [v for v in seen if normalise(v) not in MISSING]
    if not answers:
        return "empty", None
    numbers = tables.numbers(pd.Series(answers, dtype=str))
    if numbers.notna().all():
        if len(answers) > MAX_NUMBERS or numbers.min() == numbers.max():
            return "text", None
        return "numbers", (float(numbers.min()), float(numbers.max()))
    keys = {normalise(v) for v in answers}
    known = known_scale(keys)
    if known is not None:
        return "known", known
    if labelled or len(keys) > MAX_LABELS or max(len(str(v)) for v in answers) > 40:
        return "text", None
    return "words", None
