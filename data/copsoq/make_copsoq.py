"""Generate a short COPSOQ III export in data/copsoq (fictional and synthetic).

Skovbo Skole does not exist. The answers are laid out as a COPSOQ III survey (middle version)
exports them: one row per respondent, the item codes of Burr et al. (2019) as columns, the
Danish answer words in the cells, «Jeg har ingen leder» and «Ved ikke» now and then, a few
blanks. apv/mapping.yaml is the preset `stresskit new --apv copsoq3` writes, unchanged. A fixed
seed gives byte-identical files on every run.

    python data/copsoq/make_copsoq.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).parent
PRESET = HERE.parent.parent / "stresskit" / "skeleton" / "mapping-copsoq3.yaml"
SEED = 20261206

# id, name, parent, headcount (the unit and everything below it), respondents, strain (0–1)
UNITS = [
    ("skovbo", "Skovbo Skole", None, 74, 0, 0.0),
    ("indskoling", "Indskoling", "skovbo", 22, 19, 0.65),
    ("mellemtrin", "Mellemtrin", "skovbo", 20, 17, 0.45),
    ("udskoling", "Udskoling", "skovbo", 19, 16, 0.55),
    ("sfo", "SFO", "skovbo", 13, 11, 0.35),
]

OFTEN = ["Aldrig/næsten aldrig", "Sjældent", "Somme tider", "Ofte", "Altid"]
EXTENT = ["I meget ringe grad", "I ringe grad", "Delvis", "I høj grad", "I meget høj grad"]
EVENTS = ["Nej", "Ja, et par gange", "Ja, månedligt", "Ja, ugentligt", "Ja, dagligt"]


def preset_items() -> list[dict]:
    return yaml.safe_load(PRESET.read_text(encoding="utf-8"))["items"]


def answer(rng: random.Random, item: dict, strain: float) -> str:
    """One answer word: demands rise with the unit's strain, resources fall with it."""
    scale = item["scale"]
    if scale == "haendelser":
        rate = 0.04 + 0.12 * strain if item["construct"] == "vold" else 0.03 + 0.06 * strain
        return EVENTS[rng.choice([1, 1, 1, 2, 3])] if rng.random() < rate else EVENTS[0]
    words = EXTENT if scale == "grad" else OFTEN
    if rng.random() < 0.03:
        return ""  # skipped
    if scale == "stoette" and item["construct"] == "stoette_leder" and rng.random() < 0.04:
        return "Jeg har ingen leder"
    if rng.random() < 0.02:
        return "Ved ikke"
    high = strain if item["construct"] in ("arbejdsmaengde", "uklare_krav", "foelelsesmaessige_krav") else 1 - strain
    if item.get("reverse"):
        high = 1 - high
    level = sum(rng.random() < high for _ in range(4))  # 0–4, binomial around the unit's level
    return words[level]


def main() -> None:
    rng = random.Random(SEED)
    items = preset_items()
    units = [{"id": u, "name": n, **({"parent": p} if p else {}), "headcount": h} for u, n, p, h, _r, _s in UNITS]
    (HERE / "apv").mkdir(parents=True, exist_ok=True)
    institution = (
        "# Skovbo Skole: et opdigtet eksempel med en kort COPSOQ III-eksport (data/copsoq/make_copsoq.py).\n"
        + yaml.safe_dump(
            {"name": "Skovbo Skole", "sector": "kommune", "units": units}, allow_unicode=True, sort_keys=False
        )
    )
    (HERE / "institution.yaml").write_text(institution, encoding="utf-8")
    (HERE / "apv" / "mapping.yaml").write_text(PRESET.read_text(encoding="utf-8"), encoding="utf-8")
    rows = []
    for _unit, name, _parent, _head, respondents, strain in UNITS:
        for _ in range(respondents):
            rows.append([f"R{len(rows) + 1:03d}", name] + [answer(rng, i, strain) for i in items])
    rng.shuffle(rows)
    with (HERE / "apv" / "2026.csv").open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\n")
        out.writerow(["Respondent", "Afdeling"] + [i["item"] for i in items])
        out.writerows(rows)


if __name__ == "__main__":
    main()
