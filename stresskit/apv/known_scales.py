"""The answer scales stresskit knows, Danish and English, and the answers that mean «don't know»:
a draft mapping names a column's scale when its answers are words of one of these.
"""

from __future__ import annotations

from .mapping import normalise
from .scoring import DONT_KNOW

# Known answer scales, highest first, each answer with the spellings tools use for it. The
# number says the direction: a high number is more of what the words say (more often, to a
# higher degree, more agreement, more incidents).
KNOWN_SCALES = {
    "hyppighed": [
        ("Altid", 5),
        ("Ofte", 4),
        ("Somme tider", 3),
        ("Sommetider", 3),
        ("Nogle gange", 3),
        ("Sjældent", 2),
        ("Aldrig/næsten aldrig", 1),
        ("Aldrig / næsten aldrig", 1),
        ("Aldrig eller næsten aldrig", 1),
        ("Næsten aldrig", 1),
        ("Aldrig", 1),
    ],
    "grad": [
        ("I meget høj grad", 5),
        ("I høj grad", 4),
        ("Delvis", 3),
        ("Delvist", 3),
        ("I nogen grad", 3),
        ("I ringe grad", 2),
        ("I lille grad", 2),
        ("I meget ringe grad", 1),
        ("I meget lille grad", 1),
    ],
    "enighed": [
        ("Helt enig", 5),
        ("Delvist enig", 4),
        ("Enig", 4),
        ("Hverken enig eller uenig", 3),
        ("Hverken/eller", 3),
        ("Delvist uenig", 2),
        ("Uenig", 2),
        ("Helt uenig", 1),
    ],
    "tilfredshed": [
        ("Meget tilfreds", 5),
        ("Tilfreds", 4),
        ("Hverken tilfreds eller utilfreds", 3),
        ("Utilfreds", 2),
        ("Meget utilfreds", 1),
    ],
    "haendelser": [
        ("Ja, dagligt", 5),
        ("Ja, ugentligt", 4),
        ("Ja, månedligt", 3),
        ("Ja, et par gange", 2),
        ("Ja, enkelte gange", 2),
        ("Nej", 1),
    ],
    "frequency": [
        ("Always", 5),
        ("Often", 4),
        ("Sometimes", 3),
        ("Seldom", 2),
        ("Rarely", 2),
        ("Never/hardly ever", 1),
        ("Never / hardly ever", 1),
        ("Never", 1),
    ],
    "agreement": [
        ("Strongly agree", 5),
        ("Agree", 4),
        ("Neutral", 3),
        ("Neither agree nor disagree", 3),
        ("Disagree", 2),
        ("Strongly disagree", 1),
    ],
    "extent": [
        ("To a very large extent", 5),
        ("To a large extent", 4),
        ("Somewhat", 3),
        ("To a small extent", 2),
        ("To a very small extent", 1),
    ],
    "incidents": [("Yes, daily", 5), ("Yes, weekly", 4), ("Yes, monthly", 3), ("Yes, a few times", 2), ("No", 1)],
}
DIRECTION = {
    "hyppighed": "højt tal = oftere («Altid» = 5)",
    "grad": "højt tal = i højere grad («I meget høj grad» = 5)",
    "enighed": "højt tal = mere enig («Helt enig» = 5)",
    "tilfredshed": "højt tal = mere tilfreds",
    "haendelser": "højt tal = oftere udsat («Ja, dagligt» = 5)",
    "frequency": "højt tal = oftere («Always» = 5)",
    "agreement": "højt tal = mere enig («Strongly agree» = 5)",
    "extent": "højt tal = i højere grad («To a very large extent» = 5)",
    "incidents": "højt tal = oftere udsat («Yes, daily» = 5)",
}
KNOWN_MISSING = list(DONT_KNOW)
MISSING = {normalise(m) for m in KNOWN_MISSING}


def known_scale(labels: set[str]) -> str | None:
    """The known scale whose words hold all these (normalised) answers, spanning at least two numbers."""
    for name, scale in KNOWN_SCALES.items():
        words = {normalise(x): v for x, v in scale}
        if labels <= set(words) and len({words[x] for x in labels}) >= 2:
            return name
    return None
