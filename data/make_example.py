"""Generate the example institution in data/example (fictional and synthetic).

Fjordby Gymnasium does not exist; every respondent is drawn from a random model with a
fixed seed, so running this script again gives byte-identical files.

    python data/make_example.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).parent / "example"
SEED = 20261126

# id, name, parent, headcount (the unit and everything below it), respondents
UNITS = [
    ("fjordby", "Fjordby Gymnasium", None, 136, 0),
    ("ledelse", "Ledelse", "fjordby", 7, 6),
    ("adm", "Administration", "fjordby", 14, 0),
    ("adm_studie", "Studieadministration", "adm", 10, 8),
    ("adm_oekonomi", "Økonomi og løn", "adm", 4, 3),
    ("undervisning", "Undervisning", "fjordby", 86, 3),
    ("hum", "Humaniora", "undervisning", 30, 26),
    ("nat", "Naturvidenskab", "undervisning", 28, 24),
    ("samf", "Samfundsfag og sprog", "undervisning", 28, 23),
    ("service", "Drift og service", "fjordby", 21, 0),
    ("teknisk", "Teknisk service", "service", 6, 5),
    ("kantine", "Kantine", "service", 7, 6),
    ("rengoering", "Rengøring", "service", 8, 7),
    ("vejledning", "Studievejledning", "fjordby", 5, 4),
    ("kommunikation", "Kommunikation", "fjordby", 3, 3),
]

# item, construct, reverse, Danish question text
ITEMS = [
    ("q01", "arbejdsmaengde", False, "Hvor ofte kommer du bagud med dine arbejdsopgaver?"),
    ("q02", "arbejdsmaengde", False, "Hvor ofte skal du arbejde meget hurtigt?"),
    ("q03", "arbejdsmaengde", True, "Har du tid nok til dine arbejdsopgaver?"),
    ("q04", "uklare_krav", False, "Bliver der stillet modstridende krav til dig i arbejdet?"),
    ("q05", "uklare_krav", True, "Ved du præcist, hvad der forventes af dig i arbejdet?"),
    ("q06", "foelelsesmaessige_krav", False, "Er dit arbejde følelsesmæssigt krævende?"),
    ("q07", "foelelsesmaessige_krav", False, "Skal du tage stilling til andre menneskers problemer i dit arbejde?"),
    ("q08", "kraenkende_handlinger", False, "Har du de seneste 12 måneder været udsat for mobning på arbejdspladsen?"),
    (
        "q09",
        "kraenkende_handlinger",
        False,
        "Har du de seneste 12 måneder været udsat for uønsket seksuel opmærksomhed på arbejdspladsen?",
    ),
    (
        "q10",
        "vold",
        False,
        "Har du de seneste 12 måneder været udsat for trusler om vold fra elever, forældre eller andre udefra?",
    ),
    (
        "q11",
        "vold",
        False,
        "Har du de seneste 12 måneder været udsat for fysisk vold fra elever, forældre eller andre udefra?",
    ),
    ("q12", "indflydelse", False, "Har du indflydelse på beslutninger om dit arbejde?"),
    ("q13", "indflydelse", False, "Kan du selv påvirke mængden af dit arbejde?"),
    (
        "q14",
        "stoette_leder",
        False,
        "Hvor ofte får du hjælp og støtte fra din nærmeste leder, når du har brug for det?",
    ),
    ("q15", "stoette_kolleger", False, "Hvor ofte får du hjælp og støtte fra dine kolleger, når du har brug for det?"),
]
FREQUENCY = "1 = aldrig/næsten aldrig … 5 = altid"
INCIDENTS = "1 = nej, 2 = få gange, 3 = månedligt, 4 = ugentligt, 5 = dagligt"

# Mean answer on 1–5 per construct, by unit; everything else gets BASE.
BASE = {
    "arbejdsmaengde": 2.9,
    "uklare_krav": 2.5,
    "foelelsesmaessige_krav": 2.6,
    "kraenkende_handlinger": 1.05,
    "vold": 1.02,
    "indflydelse": 3.4,
    "stoette_leder": 3.5,
    "stoette_kolleger": 3.9,
}
PROFILE = {
    "hum": {"arbejdsmaengde": 3.7, "foelelsesmaessige_krav": 3.8, "vold": 1.25, "stoette_leder": 3.0},
    "nat": {"arbejdsmaengde": 3.4, "foelelsesmaessige_krav": 3.2, "vold": 1.1},
    "samf": {"arbejdsmaengde": 3.5, "foelelsesmaessige_krav": 3.5, "uklare_krav": 3.1, "vold": 1.2},
    "undervisning": {"arbejdsmaengde": 3.5, "foelelsesmaessige_krav": 3.5},
    "adm_studie": {"uklare_krav": 3.4, "arbejdsmaengde": 3.3, "foelelsesmaessige_krav": 3.0},
    "adm_oekonomi": {"arbejdsmaengde": 3.9, "uklare_krav": 3.6},
    "ledelse": {"arbejdsmaengde": 3.8, "uklare_krav": 3.0, "foelelsesmaessige_krav": 3.3, "indflydelse": 4.2},
    "kantine": {"arbejdsmaengde": 3.8, "indflydelse": 2.4, "stoette_leder": 2.9},
    "rengoering": {"arbejdsmaengde": 3.4, "indflydelse": 2.2, "kraenkende_handlinger": 1.3, "stoette_leder": 2.7},
    "teknisk": {"uklare_krav": 3.1, "indflydelse": 3.0},
}
# The unit's stress signals: stress sick leaves, sick days per FTE, turnover %, conflicts.
SIGNALS = {
    "ledelse": (0, 6.1, 0.0, 0),
    "adm_studie": (1, 9.8, 10.0, 1),
    "adm_oekonomi": (0, 7.0, 25.0, 0),
    "hum": (3, 12.4, 6.7, 2),
    "nat": (1, 8.9, 3.6, 0),
    "samf": (2, 11.0, 7.1, 1),
    "teknisk": (0, 7.5, 0.0, 0),
    "kantine": (1, 13.2, 28.6, 2),
    "rengoering": (1, 14.8, 25.0, 3),
    "vejledning": (1, 10.5, 0.0, 0),
    "kommunikation": (0, 4.2, 33.3, 1),
}
# The 2024 round (no q15 then): what differed two years before. Humaniora had more workload and a
# supervisor who supported more; Naturvidenskab and Kantine were better off; Rengøring had more
# offensive acts. Studieadministration was called «Studiekontoret» then.
PROFILE_2024 = {
    "hum": {"arbejdsmaengde": 4.4, "foelelsesmaessige_krav": 4.1, "vold": 1.25, "stoette_leder": 3.9},
    "nat": {"arbejdsmaengde": 2.8, "foelelsesmaessige_krav": 3.2, "vold": 1.1},
    "samf": {"arbejdsmaengde": 3.5, "foelelsesmaessige_krav": 3.3, "uklare_krav": 3.0, "vold": 1.2},
    "undervisning": {"arbejdsmaengde": 3.5, "foelelsesmaessige_krav": 3.5},
    "adm_studie": {"uklare_krav": 2.5, "arbejdsmaengde": 3.0, "foelelsesmaessige_krav": 3.0},
    "adm_oekonomi": {"arbejdsmaengde": 3.9, "uklare_krav": 3.6},
    "ledelse": {"arbejdsmaengde": 3.8, "uklare_krav": 3.0, "foelelsesmaessige_krav": 3.3, "indflydelse": 4.2},
    "kantine": {"arbejdsmaengde": 3.0, "indflydelse": 3.6, "stoette_leder": 3.6},
    "rengoering": {"arbejdsmaengde": 3.4, "indflydelse": 2.2, "kraenkende_handlinger": 1.5, "stoette_leder": 2.7},
    "teknisk": {"uklare_krav": 3.1, "indflydelse": 3.0},
}
RESPONDENTS_2024 = {
    "ledelse": 6,
    "adm_studie": 9,
    "adm_oekonomi": 3,
    "undervisning": 0,
    "hum": 27,
    "nat": 25,
    "samf": 21,
    "teknisk": 5,
    "kantine": 6,
    "rengoering": 6,
    "vejledning": 4,
    "kommunikation": 2,
}
OLD_NAMES = {"adm_studie": "Studiekontoret"}  # the name in 2024
NOT_ASKED_2024 = ("q15",)
# Stress signals the year before (the same measures as SIGNALS).
SIGNALS_2025 = {
    "ledelse": (0, 5.8, 14.3, 0),
    "adm_studie": (0, 8.1, 0.0, 0),
    "adm_oekonomi": (0, 6.5, 0.0, 0),
    "hum": (4, 14.0, 10.0, 3),
    "nat": (0, 7.2, 3.6, 0),
    "samf": (2, 10.1, 3.6, 1),
    "teknisk": (0, 6.9, 16.7, 0),
    "kantine": (0, 9.4, 14.3, 1),
    "rengoering": (1, 15.5, 12.5, 2),
    "vejledning": (0, 8.0, 0.0, 0),
    "kommunikation": (0, 5.0, 0.0, 0),
}
COMMENTS = [
    "",
    "",
    "",
    "",
    "For mange opgaver oven i undervisningen",
    "Godt kollegaskab",
    "Uklart hvem der bestemmer",
    "Travlt op til eksamen",
    "Mangler tid til forberedelse",
]


def institution() -> str:
    units = [
        {
            "id": u,
            "name": name,
            **({"parent": parent} if parent else {}),
            "headcount": hc,
            **({"previous_names": [OLD_NAMES[u]]} if u in OLD_NAMES else {}),
        }
        for u, name, parent, hc, _ in UNITS
    ]
    data = {
        "name": "Fjordby Gymnasium",
        "sector": "stat",
        "units": units,
        "amo_groups": [
            {"id": "amg_undervisning", "name": "Arbejdsmiljøgruppen for undervisning", "units": ["undervisning"]},
            {
                "id": "amg_adm_service",
                "name": "Arbejdsmiljøgruppen for administration, drift og ledelse",
                "units": ["ledelse", "adm", "service"],
            },
        ],
        "anonymity": {"min_group": 5, "min_group_sensitive": 10},
    }
    head = (
        "# Fjordby Gymnasium: et opdigtet eksempel med syntetiske data (data/make_example.py).\n"
        "# headcount er antal ansatte i enheden inklusive enhederne under den.\n"
        "# previous_names: hvad enheden hed i tidligere APV-runder, så de svar tæller med her.\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def mapping() -> str:
    constructs = {
        "arbejdsmaengde": {"exposed_from": 62.5},
        "uklare_krav": {"exposed_from": 62.5},
        "foelelsesmaessige_krav": {"exposed_from": 62.5},
        "kraenkende_handlinger": {"rule": "any", "exposed_from": 25},
        "vold": {"rule": "any", "exposed_from": 25},
        "indflydelse": {"low_below": 37.5},
        "stoette_leder": {"low_below": 37.5},
        "stoette_kolleger": {"low_below": 37.5},
    }
    items = [
        {"item": i, "construct": c, "scale": [1, 5], **({"reverse": True} if r else {}), "text": t}
        for i, c, r, t in ITEMS
    ]
    head = (
        "# Hvilket spørgsmål i APV-skemaet måler hvad. Skalaen omregnes til 0–100;\n"
        "# exposed_from: fra hvilken score en besvarelse tæller som udsat (påvirkninger);\n"
        "# low_below: under hvilken score en ressource tæller som lav;\n"
        "# rule: any = ét svar over grænsen er nok (bruges ved vold og krænkelser).\n"
        f"# Svarskala q01–q07 og q12–q15: {FREQUENCY}. q08–q11: {INCIDENTS}.\n"
        "# rounds: runderne, ældste først; not_asked: spørgsmål, runden ikke havde.\n"
    )
    rounds = [
        {"name": "2024", "file": "2024.csv", "date": "2024-03-12", "not_asked": list(NOT_ASKED_2024)},
        {"name": "2026", "file": "2026.csv", "date": "2026-03-10"},
    ]
    data = {
        "unit_column": "Afdeling",
        "missing_values": ["Ved ikke"],
        "rounds": rounds,
        "constructs": constructs,
        "items": items,
    }
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def respondents(
    rng: random.Random,
    profile: dict = PROFILE,
    counts: dict | None = None,
    names: dict | None = None,
    not_asked: tuple = (),
) -> list[list[str]]:
    names = {**{u: name for u, name, *_ in UNITS}, **(names or {})}
    rows, number = [], 0
    for unit, *_rest, count in UNITS:
        level = {**BASE, **profile.get(unit, {})}
        for _ in range(count if counts is None else counts.get(unit, 0)):
            number += 1
            person = {
                c: level[c] + rng.gauss(0, 0.55 if c not in ("vold", "kraenkende_handlinger") else 0.0) for c in level
            }
            answers = []
            for item, construct, reverse, _text in ITEMS:
                if item in not_asked:
                    continue
                if construct in ("vold", "kraenkende_handlinger"):
                    # Incidents: most never, a few now and then.
                    p = level[construct] - 1
                    value = 1 if rng.random() > p * 0.8 else rng.choice([2, 2, 2, 3])
                else:
                    x = person[construct] + rng.gauss(0, 0.6)
                    value = min(5, max(1, round(6 - x if reverse else x)))
                r = rng.random()
                answers.append("" if r < 0.03 else "Ved ikke" if r < 0.04 else str(value))
            rows.append([f"R{number:04d}", names[unit], *answers, rng.choice(COMMENTS)])
    rng.shuffle(rows)
    return rows


def answers() -> str:
    at = "2026-10-{day:02d}T{hour:02d}:{minute:02d}:00.000000Z"
    rows = []

    def add(unit, question, value, who, day, hour, minute=0):
        rows.append(
            {
                "unit": unit,
                "question": question,
                "value": value,
                "who": who,
                "at": at.format(day=day, hour=hour, minute=minute),
            }
        )

    add("hum", "apv.fase.kortlaegning", "gennemfoert", "Mette (AMR)", 8, 9)
    add("hum", "apv.fase.vurdering", "i_gang", "Mette (AMR)", 8, 9, 5)
    add("hum", "apv.fase.sygefravaer", "ikke_startet", "Mette (AMR)", 8, 9, 6)
    add(
        "hum", "apv.signal.noter", "Tre stresssygemeldinger på et år, alle i eksamensperioden.", "Mette (AMR)", 8, 9, 20
    )
    add("kantine", "apv.fase.kortlaegning", "gennemfoert", "Jonas (leder)", 9, 13)
    add("kantine", "apv.fase.vurdering", "gennemfoert", "Jonas (leder)", 9, 13, 2)
    add("kantine", "apv.fase.handlingsplan", "i_gang", "Jonas (leder)", 9, 13, 4)
    add("kantine", "apv.signal.personaleomsaetning", 28.6, "Jonas (leder)", 9, 13, 10)
    add("fjordby", "apv.fase.kortlaegning", "gennemfoert", "Anne (konsulent)", 12, 10)
    add("fjordby", "apv.fase.vurdering", "i_gang", "Anne (konsulent)", 12, 10, 1)
    add(
        "fjordby",
        "apv.fase.noter",
        "Kortlægningen er færdig for alle afdelinger; vurderingen tages i AMO i november.",
        "Anne (konsulent)",
        12,
        10,
        15,
    )
    # Recommendation 2: the AMO's checklist and common basis, for the institution.
    for n, (item, known, basis) in enumerate([("samarbejdscirkulaere", True, True), ("eu_rammeaftale", True, False)]):
        add("fjordby", f"aftaler.aftale.{item}.kender", known, "Anne (konsulent)", 14, 9, n * 2)
        add("fjordby", f"aftaler.aftale.{item}.afsaet", basis, "Anne (konsulent)", 14, 9, n * 2 + 1)
    add(
        "fjordby",
        "aftaler.aftale.samarbejdscirkulaere.noter",
        "SU drøfter stress hvert forår; AMO giver input.",
        "Anne (konsulent)",
        14,
        9,
        10,
    )
    for n, area in enumerate(["planlaegning", "organisatoriske_forhold", "indhold_og_krav"]):
        add("fjordby", f"aftaler.omraade.{area}.kender", True, "Anne (konsulent)", 14, 9, 20 + n)
    add("fjordby", "aftaler.omraade.planlaegning.afsaet", True, "Anne (konsulent)", 14, 9, 25)
    add(
        "fjordby",
        "aftaler.omraade.planlaegning.noter",
        "Fagfordelingen er vores vigtigste greb.",
        "Anne (konsulent)",
        14,
        9,
        26,
    )
    add(
        "fjordby",
        "aftaler.grundlag",
        "Vi bygger på samarbejdscirkulærets § 5e og bekendtgørelsens fem påvirkninger. "
        "Stress drøftes i AMO før hvert skoleårs planlægning.",
        "Anne (konsulent)",
        14,
        10,
    )
    # Recommendation 3: the dialogue about exposures, for the institution and Humaniora.
    ratings = {
        "fjordby": {
            "arbejdsmaengde": (3, 2),
            "uklare_krav": (3, 3),
            "foelelsesmaessige_krav": (2, 2),
            "kraenkende_handlinger": (4, 3),
            "vold": (3, 3),
        },
        "hum": {
            "arbejdsmaengde": (4, 2),
            "uklare_krav": (3, 4),
            "foelelsesmaessige_krav": (3, 2),
            "kraenkende_handlinger": (3, 4),
            "vold": (2, 2),
        },
    }
    seen = {
        "fjordby": "Arbejdspresset topper ved terminsprøver og eksamen.",
        "hum": "Mange opgaver med skriftlig retning samtidig; svære elevsamtaler fylder.",
    }
    for unit, by_exposure in ratings.items():
        for n, (exposure, (mapped, prevented)) in enumerate(by_exposure.items()):
            add(unit, f"paavirkning.{exposure}.afdaekning", str(mapped), "Mette (AMR)", 20, 10, n * 2)
            add(unit, f"paavirkning.{exposure}.forebyggelse", str(prevented), "Mette (AMR)", 20, 10, n * 2 + 1)
        add(unit, "paavirkning.arbejdsmaengde.forstaaelse", seen[unit], "Mette (AMR)", 20, 10, 30)
    add("hum", "paavirkning.involvering", ["su_med", "personale"], "Mette (AMR)", 20, 11)
    # Recommendation 4: greb in Humaniora, the AMO's contact with each part, a follow-up dialogue.
    greb = {
        "planlaegning": ["delvist", "lykkes", "lykkes_ikke", "delvist", "lykkes_ikke"],
        "oplaering": ["lykkes", "delvist", "lykkes", "lykkes"],
        "stoette": ["lykkes_ikke", "delvist", "lykkes", "delvist", "ved_ikke"],
        "indflydelse": ["lykkes", "lykkes_ikke", "delvist"],
        "opfoelgning": ["delvist", "ved_ikke"],
    }
    questions = {
        "planlaegning": ["opgaver", "koordinering", "prioritering", "frister", "forventninger"],
        "oplaering": ["oplaering_opgave", "tilsyn", "viden", "nyansatte"],
        "stoette": ["hjaelp_prioritering", "forventningsafstemning", "faglig_sparring", "feedback", "ledelsesansvar"],
        "indflydelse": ["metoder", "maengde", "befoejelser"],
        "opfoelgning": ["virker", "bruges"],
    }
    for g, values in greb.items():
        for n, (q, v) in enumerate(zip(questions[g], values)):
            add("hum", f"status.greb.{g}.{q}.vurdering", v, "Mette (AMR)", 22, 13, n)
    add(
        "hum",
        "status.greb.planlaegning.prioritering.noter",
        "Ingen fælles prioritering af kan- og skalopgaver.",
        "Mette (AMR)",
        22,
        13,
        20,
    )
    add("kantine", "status.greb.indflydelse.maengde.vurdering", "lykkes_ikke", "Jonas (leder)", 22, 14)
    add("kantine", "status.greb.planlaegning.opgaver.vurdering", "lykkes", "Jonas (leder)", 22, 14, 1)
    contact = {
        "ledelse": "god",
        "adm": "god",
        "adm_studie": "god",
        "adm_oekonomi": "mangler",
        "undervisning": "god",
        "hum": "god",
        "nat": "god",
        "samf": "ved_ikke",
        "service": "god",
        "teknisk": "mangler",
        "kantine": "god",
        "rengoering": "mangler",
        "vejledning": "ved_ikke",
        "kommunikation": "mangler",
    }
    for n, (unit, status) in enumerate(contact.items()):
        add(unit, "status.kontakt", status, "Anne (konsulent)", 23, 9, n)
    add(
        "rengoering",
        "status.kontakt.noter",
        "Arbejder tidligt om morgenen; vi møder dem aldrig.",
        "Anne (konsulent)",
        23,
        9,
        30,
    )
    add(
        "hum",
        "status.opfoelgning.gaar",
        "Bedre end sidste år, men eksamensperioden er stadig hård.",
        "Mette (AMR)",
        24,
        10,
    )
    add(
        "hum",
        "status.opfoelgning.paavirkninger",
        ["arbejdsmaengde", "foelelsesmaessige_krav"],
        "Mette (AMR)",
        24,
        10,
        1,
    )
    add("hum", "status.opfoelgning.naeste", "2027-02-15", "Mette (AMR)", 24, 10, 2)
    add("hum", "status.opfoelgning.undersoeg", "ja", "Mette (AMR)", 24, 10, 3)
    # Recommendation 5: the institution's ticks, the role division and who handles the joint tasks.
    ticks = {
        "alvor": ["politikker", "kendte"],
        "amo_samarbejde": ["overblik", "loefter", "moeder", "information"],
        "rollefordeling": ["tegn"],
        "videndeling": ["tiltag", "roller", "koordinering"],
    }
    for q, points in ticks.items():
        for n, p in enumerate(points):
            add("fjordby", f"samarbejde.{q}.{p}.flueben", True, "Anne (konsulent)", 27, 9, n)
    add("amg:amg_undervisning", "samarbejde.amo_samarbejde.moeder.flueben", True, "Mette (AMR)", 27, 11)
    add(
        "fjordby",
        "samarbejde.roller.tegn",
        "Nærmeste leder tager samtalen; AMR kan være med, hvis medarbejderen ønsker det.",
        "Anne (konsulent)",
        27,
        10,
    )
    for n, (task, who) in enumerate(
        [("trivsel", "begge"), ("psykisk", "amo"), ("mobning", "begge"), ("sygefravaer", "su")]
    ):
        add("fjordby", f"samarbejde.snitflade.{task}.hvem", who, "Anne (konsulent)", 27, 10, 10 + n)
    add(
        "fjordby",
        "handleplan.kendt",
        "Planen hænges op på lærerværelset og gennemgås på første personalemøde.",
        "Anne (konsulent)",
        28,
        10,
        30,
    )
    add("fjordby", "handleplan.materiale.ledere.til", "Rektor og uddannelseschefer", "Anne (konsulent)", 28, 10, 31)
    add("fjordby", "handleplan.materiale.ledere.status", "afleveret", "Anne (konsulent)", 28, 10, 32)
    add("fjordby", "handleplan.materiale.ledere.dato", "2026-10-28", "Anne (konsulent)", 28, 10, 33)
    add("fjordby", "handleplan.materiale.gruppen.til", "Faggruppeformænd", "Anne (konsulent)", 28, 10, 34)
    add("fjordby", "handleplan.materiale.gruppen.status", "foreslaaet", "Anne (konsulent)", 28, 10, 35)
    add("hum", "handleplan.forloeb.afsluttet", True, "Mette (AMR)", 28, 11, 10)
    add("hum", "handleplan.forloeb.andet", "ja", "Mette (AMR)", 28, 11, 11)
    add(
        "hum",
        "handleplan.forloeb.hvad",
        "Kontakten under sygemeldingen skal aftales fra start, ikke efter tre uger.",
        "Mette (AMR)",
        28,
        11,
        12,
    )
    actions = [
        {
            "id": "ex0001",
            "unit": "hum",
            "who": "Mette (AMR)",
            "at": at.format(day=8, hour=9, minute=30),
            "data": {
                "measure": "Gennemgå fagfordelingen for foråret med fokus på eksamensperioden",
                "responsible": "Uddannelseschef og AMR",
                "deadline": "2026-11-15",
                "recommendation": "apv",
                "question": "apv.fase.opgave",
                "status": "planlagt",
                "priority": "hoej",
                "problem": "Stor arbejdsmængde og tidspres",
            },
        },
        {
            "id": "ex0002",
            "unit": "kantine",
            "who": "Jonas (leder)",
            "at": at.format(day=9, hour=13, minute=30),
            "data": {
                "measure": "Fast morgenmøde om dagens opgaver og fordeling",
                "responsible": "Køkkenleder",
                "deadline": "2027-01-10",
                "recommendation": "apv",
                "question": "apv.fase.opgave",
                "status": "i_gang",
                "priority": "middel",
                "problem": "Lav indflydelse",
            },
        },
        {
            "id": "ex0003",
            "unit": "rengoering",
            "who": "Anne (konsulent)",
            "at": at.format(day=23, hour=9, minute=40),
            "data": {
                "measure": "Deltag i rengøringens morgenmøde en gang om måneden",
                "responsible": "AMR for service",
                "deadline": "2026-12-01",
                "recommendation": "status",
                "question": "status.kontakt.plan",
                "status": "planlagt",
                "priority": "middel",
                "problem": "Mangler kontakt",
            },
        },
        {
            "id": "ex0004",
            "unit": "fjordby",
            "who": "Anne (konsulent)",
            "at": at.format(day=28, hour=10, minute=0),
            "data": {
                "measure": "Stresspolitik med klar rollefordeling ved tegn på stress",
                "responsible": "AMO og SU",
                "deadline": "2027-03-01",
                "followup": "2027-06-01",
                "recommendation": "handleplan",
                "level": "organisation",
                "phase": "forebyggelse",
                "status": "i_gang",
                "priority": "hoej",
                "problem": "Uklart, hvem der gør hvad",
            },
        },
        {
            "id": "ex0005",
            "unit": "fjordby",
            "who": "Anne (konsulent)",
            "at": at.format(day=28, hour=10, minute=5),
            "data": {
                "measure": "Nærmeste leder tager en samtale inden for en uge ved tegn på stress",
                "responsible": "Alle ledere",
                "deadline": "2026-10-31",
                "followup": "2026-11-20",
                "recommendation": "handleplan",
                "level": "ledelse",
                "phase": "foerste_tegn",
                "status": "i_gang",
                "priority": "hoej",
                "problem": "Tegn på stress opdages sent",
            },
        },
        {
            "id": "ex0006",
            "unit": "hum",
            "who": "Mette (AMR)",
            "at": at.format(day=28, hour=11, minute=0),
            "data": {
                "measure": "Faggruppen aftaler fælles retteprincipper op til eksamen",
                "responsible": "Faggruppen",
                "deadline": "2027-01-20",
                "recommendation": "handleplan",
                "level": "gruppe",
                "phase": "forebyggelse",
                "status": "planlagt",
                "priority": "middel",
                "problem": "Stor arbejdsmængde og tidspres",
            },
        },
        {
            "id": "ex0007",
            "unit": "hum",
            "who": "Mette (AMR)",
            "at": at.format(day=28, hour=11, minute=5),
            "data": {
                "measure": "Gradvis tilbagevenden med aftalt skema og fast kontaktperson",
                "responsible": "Leder og AMR",
                "recommendation": "handleplan",
                "level": "ledelse",
                "phase": "efter",
                "status": "planlagt",
                "priority": "middel",
                "problem": "Tilbagevenden efter sygemelding",
            },
        },
    ]
    head = "# Workshopsvar til eksemplet (syntetiske). Indlæses med: stresskit answers import data/example data/example/answers.yaml\n"
    return head + yaml.safe_dump({"answers": rows, "actions": actions}, allow_unicode=True, sort_keys=False)


def main() -> None:
    rng = random.Random(SEED)
    (HERE / "apv").mkdir(parents=True, exist_ok=True)
    (HERE / "institution.yaml").write_text(institution(), encoding="utf-8")
    (HERE / "apv" / "mapping.yaml").write_text(mapping(), encoding="utf-8")
    with open(HERE / "apv" / "2026.csv", "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\r\n")
        out.writerow(["Svar-id", "Afdeling", *[i for i, *_ in ITEMS], "Kommentar"])
        out.writerows(respondents(rng))
    # The earlier round from its own generator, so the 2026 file stays as it was.
    with open(HERE / "apv" / "2024.csv", "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\r\n")
        out.writerow(["Svar-id", "Afdeling", *[i for i, *_ in ITEMS if i not in NOT_ASKED_2024], "Kommentar"])
        out.writerows(respondents(random.Random(SEED - 2), PROFILE_2024, RESPONDENTS_2024, OLD_NAMES, NOT_ASKED_2024))
    with open(HERE / "signals.csv", "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\r\n")
        out.writerow(
            ["enhed", "stress_sygemeldinger", "sygefravaer_dage", "personaleomsaetning", "konflikter", "periode"]
        )
        for period, figures in (("2025", SIGNALS_2025), ("2026", SIGNALS)):
            for unit, (leave, days, turnover, conflicts) in figures.items():
                out.writerow(
                    [unit, leave, str(days).replace(".", ","), str(turnover).replace(".", ","), conflicts, period]
                )
    (HERE / "answers.yaml").write_text(answers(), encoding="utf-8")


if __name__ == "__main__":
    main()
