"""Derive survey-tool exports from the example's respondents (data/example/apv), so a test can
check that each export gives exactly the example's figures.

- data/surveyxact: SurveyXact's dataset export, one file per round: respondent id, internal and
  overall status columns, timestamps, e-mail and language, the unit as a code, the answers as
  codes in s_1 … s_15 (the first option listed is code 1, so «Altid» is 1 and «Aldrig/næsten
  aldrig» 5; «Ved ikke» is 6), a free-text column s_16, and a separate value-label file
  (variable;value;label): 2026 in Windows-1252 without a header row, 2024 in UTF-8 with one. Beside
  the example's respondents it has rows that never completed (not answered, partly answered).
- data/spss: the same answers as SPSS .sav files with value labels, a status variable, and the
  unit as a number that mapping.yaml's unit_codes names.

The example's files are read, never changed; running this again gives byte-identical files.

    python data/make_exports.py
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import yaml

HERE = Path(__file__).parent
EXAMPLE = HERE / "example"
SEED = 20261206

FREQUENCY = ["Altid", "Ofte", "Sommetider", "Sjældent", "Aldrig/næsten aldrig"]  # codes 1–5, as listed
DEGREE = ["I meget høj grad", "I høj grad", "Delvist", "I ringe grad", "I meget ringe grad"]
INCIDENTS = ["Nej", "Ja, et par gange", "Ja, månedligt", "Ja, ugentligt", "Ja, dagligt"]
DONT_KNOW = "Ved ikke"  # code 6 on every item
# The example's items, in order, with the options their question lists (q04–q06, q12–q13 ask «in
# what degree»); the example's answer v (1–5, 5 = the most) is the option with that meaning.
KIND = {
    "q01": "f",
    "q02": "f",
    "q03": "f",
    "q04": "d",
    "q05": "d",
    "q06": "d",
    "q07": "f",
    "q08": "i",
    "q09": "i",
    "q10": "i",
    "q11": "i",
    "q12": "d",
    "q13": "d",
    "q14": "f",
    "q15": "f",
}
OPTIONS = {"f": FREQUENCY, "d": DEGREE, "i": INCIDENTS}
SCALE_NAME = {"f": "hyppighed", "d": "grad", "i": "haendelser"}
# Not completed: (overall status column, how many, share of items answered)
UNFINISHED = {"2026": [(2, 7, 0.0), (3, 5, 0.5)], "2024": [(2, 9, 0.0), (3, 3, 0.3)]}
STATUS = ["Ikke inviteret", "Ikke besvaret", "Delvist besvaret", "Gennemført", "Frameldt"]  # statoverall_1…5


def example_rounds() -> dict[str, list[dict]]:
    out = {}
    for name in ("2024", "2026"):
        with open(EXAMPLE / "apv" / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
            out[name] = list(csv.DictReader(f, delimiter=";"))
    return out


def code(item: str, answer: str) -> str:
    """The SurveyXact code for the example's answer to an item ('' stays '')."""
    if answer == "":
        return ""
    if answer == DONT_KNOW:
        return "6"
    value = int(answer)
    return str(value if KIND[item] == "i" else 6 - value)


def unit_codes(rounds: dict[str, list[dict]]) -> dict[str, int]:
    names = sorted({r["Afdeling"] for rows in rounds.values() for r in rows})
    return {name: n for n, name in enumerate(names, start=1)}


def items_of(rows: list[dict]) -> list[str]:
    return [c for c in rows[0] if c.startswith("q")]


# --- SurveyXact --------------------------------------------------------------------------
def surveyxact_rows(name: str, rows: list[dict], units: dict[str, int], rng: random.Random) -> list[list[str]]:
    items = items_of(rows)
    people = [("done", r) for r in rows]
    for status, count, share in UNFINISHED[name]:
        for _ in range(count):
            r = rng.choice(rows)
            partial = {q: (r[q] if rng.random() < share else "") for q in items}
            people.append((status, {**r, **partial, "Kommentar": ""}))
    stray = len(rows) + 1  # one unfinished row carries a unit code no unit has: it must not matter
    people[stray] = (people[stray][0], {**people[stray][1], "Afdeling": "?"})
    rng.shuffle(people)
    out = []
    for n, (status, r) in enumerate(people, start=1):
        start = datetime(int(name), 3, 2 + rng.randrange(14), 7 + rng.randrange(12), rng.randrange(60))
        seconds = 240 + rng.randrange(900)
        created, started = f"{name}-02-20 09:00:00", f"{start:%Y-%m-%d %H:%M:%S}"
        done = status == "done"
        closed = f"{start + timedelta(seconds=seconds):%Y-%m-%d %H:%M:%S}"
        overall = [0, 0, 0, 0, 0]
        overall[3 if done else status - 1] = 1
        unit = "99" if r["Afdeling"] == "?" else str(units[r["Afdeling"]])
        out.append(
            [
                str(880000000 + 137 * n),
                *[str(rng.randrange(2)) for _ in range(5)],
                created,
                started if status != 2 else "",
                closed if done else "",
                started if status != 2 else "",
                f"{seconds}.{rng.randrange(1000):03d}" if done else "",
                "1" if status != 2 else "0",
                f"r{n:04d}@fjordby.example",
                "1",
                unit,
                *[code(q, r[q]) for q in items],
                r["Kommentar"] if done else "",
                *map(str, overall),
            ]
        )
    return out


def surveyxact_header(items: list[str]) -> list[str]:
    return [
        "respondentid",
        *[f"statinternal_{k}" for k in range(1, 6)],
        "created",
        "modified",
        "closetime",
        "starttime",
        "difftime",
        "responsecollectsessions",
        "email",
        "lang",
        "afdeling",
        *[f"s_{int(q[1:])}" for q in items],
        "s_16",
        *[f"statoverall_{k}" for k in range(1, 6)],
    ]


def surveyxact_labels(name: str, items: list[str], units: dict[str, int]) -> list[list[str]]:
    rows = [["lang", "1", "Dansk"]]
    old = {"Studieadministration": "Studiekontoret"} if name == "2024" else {}
    rows += [["afdeling", str(n), old.get(unit, unit)] for unit, n in units.items()]
    for q in items:
        options = OPTIONS[KIND[q]]
        rows += [[f"s_{int(q[1:])}", str(k), word] for k, word in enumerate(options, start=1)]
        rows.append([f"s_{int(q[1:])}", "6", DONT_KNOW])
    for k in range(1, 6):
        rows += [[f"statoverall_{k}", "0", "Ikke valgt"], [f"statoverall_{k}", "1", "Valgt"]]
    return rows


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def surveyxact(rounds: dict[str, list[dict]], target: Path) -> None:
    units = unit_codes(rounds)
    # In 2024 Studieadministration was Studiekontoret: the same code, that year's name.
    units = {u: n for u, n in units.items() if u != "Studiekontoret"}
    rng = random.Random(SEED)
    apv = target / "apv"
    apv.mkdir(parents=True, exist_ok=True)
    for name, rows in rounds.items():
        items = items_of(rows)
        data = [
            surveyxact_header(items),
            *surveyxact_rows(name, rows, {**units, "Studiekontoret": units["Studieadministration"]}, rng),
        ]
        labels = surveyxact_labels(name, items, units)
        if name == "2026":  # SurveyXact's «EU» format: semicolons, Windows-1252, no header in the label file
            (apv / f"dataset_{name}.csv").write_bytes(csv_text(data).encode("cp1252"))
            (apv / f"labels_{name}.csv").write_bytes(csv_text(labels).encode("cp1252"))
        else:  # an UTF-8 export, whose label file has a header row
            (apv / f"dataset_{name}.csv").write_bytes(csv_text(data).encode("utf-8-sig"))
            (apv / f"labels_{name}.csv").write_bytes(
                csv_text([["variable", "value", "label"], *labels]).encode("utf-8")
            )
    (apv / "mapping.yaml").write_text(surveyxact_mapping(), encoding="utf-8")


def example_items() -> list[dict]:
    return yaml.safe_load((EXAMPLE / "apv" / "mapping.yaml").read_text(encoding="utf-8"))


SCALES = {
    "hyppighed": {
        "labels": {"Altid": 5, "Ofte": 4, "Somme tider": 3, "Sommetider": 3, "Sjældent": 2, "Aldrig/næsten aldrig": 1}
    },
    "grad": {
        "labels": {
            "I meget høj grad": 5,
            "I høj grad": 4,
            "Delvis": 3,
            "Delvist": 3,
            "I ringe grad": 2,
            "I meget ringe grad": 1,
        }
    },
    "haendelser": {
        "labels": {"Ja, dagligt": 5, "Ja, ugentligt": 4, "Ja, månedligt": 3, "Ja, et par gange": 2, "Nej": 1}
    },
}


def surveyxact_mapping() -> str:
    example = example_items()
    items = [
        {
            "item": f"s_{int(i['item'][1:])}",
            "construct": i["construct"],
            "scale": SCALE_NAME[KIND[i["item"]]],
            **({"reverse": True} if i.get("reverse") else {}),
            "text": i["text"],
        }
        for i in example["items"]
    ]
    data = {
        "unit_column": "afdeling",
        "completed": {"column": "statoverall_4", "equals": 1},
        "missing_values": [DONT_KNOW],
        "rounds": [
            {
                "name": "2024",
                "file": "dataset_2024.csv",
                "labels": "labels_2024.csv",
                "date": "2024-03-12",
                "not_asked": ["s_15"],
            },
            {"name": "2026", "file": "dataset_2026.csv", "labels": "labels_2026.csv", "date": "2026-03-10"},
        ],
        "scales": SCALES,
        "constructs": example["constructs"],
        "items": items,
    }
    head = (
        "# SurveyXact-eksporten af eksemplets svar (data/make_exports.py). Svarene er koder; etiketfilen giver\n"
        "# hver kode sine ord, og skalaerne giver ordene tal. completed: kun rækker med statoverall_4 = 1\n"
        "# (gennemført) tæller. Enheden er en kode, som etiketfilen giver enhedens navn.\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# --- SPSS ----------------------------------------------------------------------------------
def spss(rounds: dict[str, list[dict]], target: Path) -> None:
    import pandas as pd
    import pyreadstat

    units = unit_codes(rounds)
    units = {u: n for u, n in units.items() if u != "Studiekontoret"}
    ids = {name: uid for uid, name in _unit_ids().items()}
    apv = target / "apv"
    apv.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED + 1)
    for name, rows in rounds.items():
        items = items_of(rows)
        people = [(1, r) for r in rows] + [
            (3 if rng.random() < 0.5 else 2, {**rng.choice(rows), "Kommentar": ""}) for _ in range(6)
        ]
        frame = pd.DataFrame(
            {
                "id": [float(n) for n in range(1, len(people) + 1)],
                "status": [float(s) for s, _ in people],
                "afdeling": [float(units.get(r["Afdeling"], units["Studieadministration"])) for _, r in people],
                **{
                    q: [float(code(q, r[q])) if s == 1 and code(q, r[q]) else float("nan") for s, r in people]
                    for q in items
                },
                "kommentar": [r["Kommentar"] if s == 1 else "" for s, r in people],
            }
        )
        value_labels = {
            q: {**{float(k): w for k, w in enumerate(OPTIONS[KIND[q]], start=1)}, 6.0: DONT_KNOW} for q in items
        }
        value_labels["status"] = {1.0: "Gennemført", 2.0: "Delvist besvaret", 3.0: "Ikke besvaret"}
        path = apv / f"{name}.sav"
        pyreadstat.write_sav(
            frame,
            str(path),
            variable_value_labels=value_labels,
            column_labels={"afdeling": "Afdeling (kode)", "kommentar": "Kommentar"},
        )
        _fixed_date(path, f"{name}-03-31")
    example = example_items()
    data = {
        "unit_column": "afdeling",
        "completed": {"column": "status", "equals": 1},
        "unit_codes": {n: ids[u] for u, n in units.items()},
        "rounds": [
            {"name": "2024", "file": "2024.sav", "date": "2024-03-12", "not_asked": ["q15"]},
            {"name": "2026", "file": "2026.sav", "date": "2026-03-10"},
        ],
        "scales": SCALES,
        "constructs": example["constructs"],
        "items": [{**i, "scale": SCALE_NAME[KIND[i["item"]]]} for i in example["items"]],
    }
    head = (
        "# SPSS-udgaven af eksemplets svar (data/make_exports.py): værdietiketterne står i .sav-filen;\n"
        "# status 1 = gennemført; enheden er et tal, som unit_codes giver en enhed.\n"
    )
    (apv / "mapping.yaml").write_text(
        head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def _fixed_date(path: Path, day: str) -> None:
    """The .sav header's creation date and time (bytes 92–108, «dd Mon yyhh:mm:ss») set to a fixed
    moment, so the file is the same every time it is made."""
    from datetime import date

    raw = bytearray(path.read_bytes())
    assert raw[:4] == b"$FL2"
    raw[92:109] = f"{date.fromisoformat(day):%d %b %y}12:00:00".encode("ascii")
    path.write_bytes(bytes(raw))


def _unit_ids() -> dict[str, str]:
    data = yaml.safe_load((EXAMPLE / "institution.yaml").read_text(encoding="utf-8"))
    return {u["id"]: u["name"] for u in data["units"]}


def main(root: Path = HERE) -> None:
    rounds = example_rounds()
    for folder, build in (("surveyxact", surveyxact), ("spss", spss)):
        target = root / folder
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE / "institution.yaml", target / "institution.yaml")
        build(rounds, target)


if __name__ == "__main__":
    main()
