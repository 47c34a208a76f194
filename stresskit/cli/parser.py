"""The `stresskit` command line: its commands, their arguments and the Danish help texts."""

from __future__ import annotations

import argparse

from .danish_parser import Parser

# `stresskit new --apv NAME`: a mapping.yaml for a known questionnaire, from stresskit/skeleton/.
# Each preset names its publication in the file; tests/test_presets.py checks it code for code.
APV_PRESETS = {"copsoq3": "mapping-copsoq3.yaml", "hse": "mapping-hse.yaml"}
TABLE_OUT = "filen, der skal skrives (.xlsx eller .csv)"  # export-plan's and export-figures' --out
REPORTS = "reports"  # `stresskit run` writes to ./reports/<workbook folder's name>/ unless --out says otherwise


def _ids(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _numbers(text: str) -> list[int]:
    try:
        return [int(x) for x in _ids(text)]
    except ValueError:
        raise argparse.ArgumentTypeError("forventede numre adskilt af komma, fx 1,3") from None


def _command(sub, name: str, summary: str, description: str, folder: str = "arbejdsbogens mappe") -> Parser:
    """A command (or an action of one) whose first argument is a folder, the workbook's unless told."""
    s = sub.add_parser(name, help=summary, description=description)
    s.add_argument("dir", metavar="MAPPE", help=folder)
    return s


def _server(s: Parser, port: str) -> None:
    """The options of a command that starts a Jupyter server (present, lab)."""
    s.add_argument("--port", metavar="P", type=int, help=port)
    s.add_argument("--no-browser", action="store_true", help="åbn ikke en browser")


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="stresskit",
        description="Arbejdsbøger til arbejdsmiljøorganisationens "
        "stressforebyggelse efter BFA's guideline «Forebyg stress med arbejdsmiljøorganisationen som anker».",
    )
    sub = p.add_subparsers(dest="command", metavar="KOMMANDO", title="kommandoer")

    s = _command(
        sub,
        "new",
        "opret en ny, tom arbejdsbog",
        "Opret en ny arbejdsbog med en kommenteret institution.yaml.",
        folder="mappen, der skal oprettes",
    )
    s.add_argument(
        "--apv",
        choices=sorted(APV_PRESETS),
        help="skriv apv/mapping.yaml til et kendt spørgeskema "
        "(copsoq3: COPSOQ III, mellemversionen, med spørgsmålskoderne som kolonner; hse: HSE Management "
        "Standards Indicator Tool, 35 spørgsmål som q1 … q35)",
    )

    s = sub.add_parser(
        "mapping", help="hjælp til apv/mapping.yaml", description="Hjælp til at skrive apv/mapping.yaml."
    )
    m = s.add_subparsers(dest="action", metavar="HANDLING", title="handlinger")
    x = m.add_parser(
        "draft",
        help="skriv et udkast til mapping.yaml ud fra en APV-fil",
        description="Skriv et udkast til mapping.yaml ud fra en APV-fil (.csv, .xlsx eller .sav): hver kolonne "
        "med en gættet skala, og TODO, hvor stresskit ikke kan vide det.",
    )
    x.add_argument("file", metavar="FIL", help="APV-filen")
    x.add_argument("--out", metavar="mapping.yaml", help="filen, udkastet skrives til (standard: vis det i terminalen)")
    x.add_argument("--sheet", metavar="ARK", help="arket i en .xlsx-fil (standard: det første)")
    x.add_argument("--header-row", metavar="N", type=int, default=1, help="rækken med overskrifterne (standard: 1)")
    x.add_argument(
        "--labels",
        metavar="ETIKETFIL",
        help="SurveyXact's etiketfil (variabel;værdi;etiket) til koderne "
        "(standard: labels*.csv ved siden af filen, hvis der er én)",
    )

    s = _command(
        sub,
        "validate",
        "tjek alle filer i en arbejdsbog",
        "Tjek institution.yaml, APV-filerne og signals.csv. Afslutter med 0, når alt er i orden, ellers 1.",
    )

    s = sub.add_parser(
        "answers",
        help="eksportér eller indlæs svar og opgaver (YAML)",
        description="Flyt svar og opgaver ud af eller ind i arbejdsbogens lager.",
    )
    a = s.add_subparsers(dest="action", metavar="HANDLING", title="handlinger")
    for name, text in (
        ("export", "skriv alle svar og opgaver til en YAML-fil"),
        ("import", "indlæs svar og opgaver fra en YAML-fil"),
    ):
        x = _command(a, name, text, text[0].upper() + text[1:] + ".")
        x.add_argument("file", metavar="FIL.yaml", help="YAML-filen")

    s = _command(
        sub,
        "run",
        "lav rapporter for alle enheder",
        "Kør alle notesbøger for alle enheder i rapport-tilstand og lav HTML-rapporter med en oversigtsside.",
    )
    s.add_argument(
        "--out",
        metavar="UD",
        help="mappen til rapporterne (standard: reports/<arbejdsbogens navn> i den mappe, du står i)",
    )
    s.add_argument("--units", metavar="ID,ID", type=_ids, help="kun disse enheder (standard: alle)")
    s.add_argument("--notebooks", metavar="1,3", type=_numbers, help="kun disse anbefalinger (standard: alle)")
    s.add_argument("--jobs", metavar="N", type=int, default=2, help="antal samtidige arbejdsprocesser (standard: 2)")
    s.add_argument("--force", action="store_true", help="kør alt igen, også det, der er uændret siden sidst")
    s.add_argument(
        "--notebook-dir", metavar="MAPPE", help="mappen med notesbøgerne (standard: dem, stresskit kommer med)"
    )
    s.add_argument(
        "--pdf", action="store_true", help="skriv også rapport.pdf og overblik.pdf for hver enhed (kræver Chromium)"
    )

    s = _command(
        sub,
        "present",
        "vis arbejdsbogen til en skærm i lokalet (Voilà)",
        "Start én visning for hele arbejdsbogen: en forside, hvor man vælger enhed og anbefaling, "
        "og sider uden kode, med formularer og diagrammer i stor skrift. Serveren lytter kun på "
        "127.0.0.1 (med --lan også på den adresse, så deltagerne kan stemme fra deres "
        "telefoner), og adressen, der skrives ud, indeholder en adgangsnøgle.",
    )
    s.add_argument("--unit", metavar="ID", help="åbn direkte på denne enhed (standard: forsiden)")
    s.add_argument("--notebook", metavar="N", type=int, help="åbn direkte på anbefaling nr. N, 1–6")
    _server(s, "porten (standard: en ledig port)")
    s.add_argument("--who", metavar="NAVN", help="navnet, der gemmes ved svarene (ellers spørger siden)")
    s.add_argument(
        "--lan",
        metavar="ADRESSE",
        help="lyt også på denne af maskinens netværksadresser (fx 192.168.1.20), "
        "så deltagerne kan stemme fra deres telefoner (standard: kun 127.0.0.1)",
    )

    s = _command(
        sub,
        "lab",
        "åbn JupyterLab med arbejdsbogens egne notesbøger",
        "Åbn JupyterLab med arbejdsbogens egne notesbøger i MAPPE/notesbøger/. Første gang "
        "kopieres de dér; siden åbnes de, som de er, med jeres ændringer. Serveren lytter kun "
        "på 127.0.0.1, og adressen, der skrives ud, indeholder en adgangsnøgle.",
    )
    _server(s, "porten (standard: 8888 eller den første ledige efter den)")
    s.add_argument(
        "--refresh",
        action="store_true",
        help="hent nyere udgaver af notesbøgerne fra denne stresskit; "
        "en notesbog, I har ændret, gemmes først i notesbøger/sikkerhedskopi/",
    )

    s = _command(
        sub,
        "export-plan",
        "skriv handleplanen til Excel eller CSV",
        "Skriv opgaverne som APV-handlingsplan: .xlsx med ét ark pr. enhed og ét for hele "
        "institutionen, eller .csv til dansk Excel.",
    )
    s.add_argument("--out", metavar="FIL", required=True, help=TABLE_OUT)
    s.add_argument("--units", metavar="ID,ID", type=_ids, help="kun disse enheder (standard: alle)")

    s = _command(
        sub,
        "export-figures",
        "skriv de offentliggjorte APV-tal til Excel eller CSV",
        "Skriv præcis de APV-tal, rapporterne viser, med samme anonymisering: én række pr. "
        "runde, enhed og påvirkning/ressource med antal svar, gennemsnit, andel og status, "
        "og én række pr. runde og enhed med antal besvarelser.",
    )
    s.add_argument("--out", metavar="FIL", required=True, help=TABLE_OUT)
    return p
