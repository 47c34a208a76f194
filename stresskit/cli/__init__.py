"""The `stresskit` command. Help texts and messages are Danish; a bad input ends in a
clear message and exit code 1, wrong usage in exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import InputError, os_reason, unknown_unit

# argparse's own words, in Danish. Only stresskit's parsers (Parser below) use them: argparse itself
# is left as it is for every other parser in the process.
USAGE, POSITIONALS, OPTIONALS, HELP = "brug: ", "argumenter", "tilvalg", "vis denne hjælp og afslut"
# argparse's error messages as it fills them in (the end of what error() gets, after «argument --x: »
# when the message is about one argument) → the same in Danish, with the same values.
ERRORS = [
    (re.compile(r"^the following arguments are required: (.*)$", re.S), r"disse argumenter mangler: \1"),
    (re.compile(r"^unrecognized arguments: (.*)$", re.S), r"ukendte argumenter: \1"),
    (re.compile(r"invalid choice: (.*) \(choose from (.*)\)$", re.S), r"ugyldigt valg: \1 (vælg mellem \2)"),
    (re.compile(r"expected one argument$"), "forventede én værdi"),
    (re.compile(r"invalid [\w.]+ value: (.*)$", re.S), r"ugyldig værdi: \1"),
]


def danish(message: str) -> str:
    """An argparse error message in Danish (unchanged when it is not one of argparse's own)."""
    for pattern, words in ERRORS:
        message, found = pattern.subn(words, message, count=1)
        if found:
            break
    return message


class _DanishHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Danish: help, usage and error messages (its subcommands' too)."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", _DanishHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title, self._optionals.title = POSITIONALS, OPTIONALS
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fejl: {danish(message)}\n")


# `stresskit new --apv NAME`: a mapping.yaml for a known questionnaire, from stresskit/skeleton/.
# Each preset names its publication in the file; tests/test_presets.py checks it code for code.
APV_PRESETS = {"copsoq3": "mapping-copsoq3.yaml", "hse": "mapping-hse.yaml"}
REPORTS = "reports"  # `stresskit run` writes to ./reports/<workbook folder's name>/ unless --out says otherwise


def _ids(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _numbers(text: str) -> list[int]:
    try:
        return [int(x) for x in _ids(text)]
    except ValueError:
        raise argparse.ArgumentTypeError("forventede numre adskilt af komma, fx 1,3") from None


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="stresskit",
        description="Arbejdsbøger til arbejdsmiljøorganisationens "
        "stressforebyggelse efter BFA's guideline «Forebyg stress med arbejdsmiljøorganisationen som anker».",
    )
    sub = p.add_subparsers(dest="command", metavar="KOMMANDO", title="kommandoer")

    s = sub.add_parser(
        "new",
        help="opret en ny, tom arbejdsbog",
        description="Opret en ny arbejdsbog med en kommenteret institution.yaml.",
    )
    s.add_argument("dir", metavar="MAPPE", help="mappen, der skal oprettes")
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

    s = sub.add_parser(
        "validate",
        help="tjek alle filer i en arbejdsbog",
        description="Tjek institution.yaml, APV-filerne og signals.csv. Afslutter med 0, når alt er i orden, ellers 1.",
    )
    s.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")

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
        x = a.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        x.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")
        x.add_argument("file", metavar="FIL.yaml", help="YAML-filen")

    s = sub.add_parser(
        "run",
        help="lav rapporter for alle enheder",
        description="Kør alle notesbøger for alle enheder i rapport-tilstand og lav HTML-rapporter med en oversigtsside.",
    )
    s.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")
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

    s = sub.add_parser(
        "present",
        help="vis arbejdsbogen til en skærm i lokalet (Voilà)",
        description="Start én visning for hele arbejdsbogen: en forside, hvor man vælger enhed og anbefaling, "
        "og sider uden kode, med formularer og diagrammer i stor skrift. Serveren lytter kun på "
        "127.0.0.1 (med --lan også på den adresse, så deltagerne kan stemme fra deres "
        "telefoner), og adressen, der skrives ud, indeholder en adgangsnøgle.",
    )
    s.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")
    s.add_argument("--unit", metavar="ID", help="åbn direkte på denne enhed (standard: forsiden)")
    s.add_argument("--notebook", metavar="N", type=int, help="åbn direkte på anbefaling nr. N, 1–6")
    s.add_argument("--port", metavar="P", type=int, help="porten (standard: en ledig port)")
    s.add_argument("--no-browser", action="store_true", help="åbn ikke en browser")
    s.add_argument("--who", metavar="NAVN", help="navnet, der gemmes ved svarene (ellers spørger siden)")
    s.add_argument(
        "--lan",
        metavar="ADRESSE",
        help="lyt også på denne af maskinens netværksadresser (fx 192.168.1.20), "
        "så deltagerne kan stemme fra deres telefoner (standard: kun 127.0.0.1)",
    )

    s = sub.add_parser(
        "lab",
        help="åbn JupyterLab med arbejdsbogens egne notesbøger",
        description="Åbn JupyterLab med arbejdsbogens egne notesbøger i MAPPE/notesbøger/. Første gang "
        "kopieres de dér; siden åbnes de, som de er, med jeres ændringer. Serveren lytter kun "
        "på 127.0.0.1, og adressen, der skrives ud, indeholder en adgangsnøgle.",
    )
    s.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")
    s.add_argument("--port", metavar="P", type=int, help="porten (standard: 8888 eller den første ledige efter den)")
    s.add_argument("--no-browser", action="store_true", help="åbn ikke en browser")
    s.add_argument(
        "--refresh",
        action="store_true",
        help="hent nyere udgaver af notesbøgerne fra denne stresskit; "
        "en notesbog, I har ændret, gemmes først i notesbøger/sikkerhedskopi/",
    )

    s = sub.add_parser(
        "export-plan",
        help="skriv handleplanen til Excel eller CSV",
        description="Skriv opgaverne som APV-handlingsplan: .xlsx med ét ark pr. enhed og ét for hele "
        "institutionen, eller .csv til dansk Excel.",
    )
    s.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")
    s.add_argument("--out", metavar="FIL", required=True, help="filen, der skal skrives (.xlsx eller .csv)")
    s.add_argument("--units", metavar="ID,ID", type=_ids, help="kun disse enheder (standard: alle)")

    s = sub.add_parser(
        "export-figures",
        help="skriv de offentliggjorte APV-tal til Excel eller CSV",
        description="Skriv præcis de APV-tal, rapporterne viser, med samme anonymisering: én række pr. "
        "runde, enhed og påvirkning/ressource med antal svar, gennemsnit, andel og status, "
        "og én række pr. runde og enhed med antal besvarelser.",
    )
    s.add_argument("dir", metavar="MAPPE", help="arbejdsbogens mappe")
    s.add_argument("--out", metavar="FIL", required=True, help="filen, der skal skrives (.xlsx eller .csv)")
    return p


def skip_slow_optional_imports() -> None:
    """jsonschema (under nbformat and jupyter_server) imports rfc3987_syntax when it is installed,
    which compiles a grammar for 0.7 s; nothing here checks the IRI format it adds."""
    sys.modules.setdefault("rfc3987_syntax", None)  # None: `import` raises ImportError, which jsonschema skips


def main(argv: list[str] | None = None) -> int:
    skip_slow_optional_imports()
    p = parser()
    args = p.parse_args(argv)
    if args.command is None or (args.command in ("answers", "mapping") and args.action is None):
        p.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        print("Der er fejl, der skal rettes:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  • {problem}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only folder: said in Danish, never a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"Kunne ikke læse eller skrive{where}: {os_reason(exc)}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Afbrudt.", file=sys.stderr)
        return 130


def _new(args) -> int:
    from . import workbook

    root = workbook.new(args.dir)
    if args.apv:
        preset = workbook.SKELETON / APV_PRESETS[args.apv]
        (root / workbook.APV / "mapping.yaml").write_text(preset.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"Ny arbejdsbog oprettet i {root}. Udfyld institution.yaml, og læg APV-filer i {root / 'apv'}.")
    return 0


def _mapping(args) -> int:
    from .apv import draft as mapping_draft

    if args.header_row < 1:
        print("stresskit mapping draft: fejl: --header-row skal være mindst 1.", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(f"stresskit mapping draft: fejl: filen {path} findes ikke.", file=sys.stderr)
        return 2
    if args.labels and not Path(args.labels).is_file():
        print(f"stresskit mapping draft: fejl: etiketfilen {args.labels} findes ikke.", file=sys.stderr)
        return 2
    text = mapping_draft.draft_file(path, args.sheet, args.header_row, args.labels)
    if not args.out:
        print(text, end="")
        return 0
    out = Path(args.out)
    if out.exists():
        print(
            f"stresskit mapping draft: fejl: {out} findes allerede; vælg et andet navn, så intet overskrives.",
            file=sys.stderr,
        )
        return 2
    out.write_text(text, encoding="utf-8")
    print(
        f"Skrev et udkast til {out}. Ret stederne med TODO, læg filen i arbejdsbogens apv/ som mapping.yaml, "
        "og kør stresskit validate."
    )
    return 0


def _validate(args) -> int:
    from . import validate

    problems = validate.check(args.dir)
    if not problems:
        print(f"Arbejdsbogen {args.dir} er i orden.")
        for warning in validate.warnings(args.dir):
            print(f"  Bemærk: {warning}")
        return 0
    print(f"Arbejdsbogen {args.dir} har {len(problems)} fejl:")
    for problem in problems:
        print(f"  • {problem}")
    return 1


def _answers(args) -> int:
    from . import answers, store
    from .workbook import Workbook

    book = Workbook.open(args.dir)
    store.require_sound(book.store_path)  # never add rows to a damaged store
    if args.action == "export":
        n, m = answers.export(book, args.file)
        print(f"Skrev {n} svar og {m} opgaveversioner til {args.file}.")
    else:
        n, m = answers.import_(book, args.file)
        print(
            f"Indlæste {n} nye svar og {m} nye opgaveversioner fra {args.file} (rækker, der allerede fandtes, er sprunget over)."
        )
    return 0


def _run(args) -> int:
    from . import batch

    if args.jobs < 1:
        print("stresskit run: fejl: --jobs skal være mindst 1.", file=sys.stderr)
        return 2
    if args.pdf:  # told before anything runs, not after the reports
        from .batch import pdf

        try:
            pdf.check()
        except pdf.PdfUnavailable as exc:
            print(f"stresskit run: fejl: {exc}", file=sys.stderr)
            return 2
    progress = None
    try:
        from .batch.progress import Progress
        from .workbook import Workbook

        book = Workbook.open(args.dir)
        folder = args.notebook_dir or batch.NOTEBOOKS
        progress = Progress(len(args.units or book.units), len(batch.notebooks(args.notebooks, folder)))
        out = Path(
            args.out or Path.cwd() / REPORTS / book.root.resolve().name
        ).resolve()  # here, wherever stresskit is installed
        summary = batch.run(
            args.dir,
            out,
            args.units,
            args.notebooks,
            jobs=args.jobs,
            force=args.force,
            folder=folder,
            progress=progress,
            pdf=args.pdf,
        )
    except batch.UsageError as exc:
        print(f"stresskit run: fejl: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            progress.close()
    print(summary.line())
    for line in summary.failure_lines():
        print(f"  {line}")
    print(f"Oversigt: {summary.index.resolve()}")
    if summary.pdf_seconds is not None:
        print(summary.pdf_line())
    return 1 if summary.failed else 0


def _export_plan(args) -> int:
    from . import actions, guide
    from .store import Store
    from .workbook import Workbook

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        print("stresskit export-plan: fejl: --out skal ende på .xlsx eller .csv.", file=sys.stderr)
        return 2
    book = Workbook.open(args.dir)
    units = args.units or book.ordered()
    unknown = [u for u in units if u not in book.units]
    if unknown:
        print(f"stresskit export-plan: fejl: {unknown_unit(unknown, book.ordered())}", file=sys.stderr)
        return 2
    names = {u: book.unit_name(u) for u in book.ordered()}
    with Store(book.store_path) as store:
        items = [a for a in actions.for_unit(store) if a.unit in units]
    g = guide.default()
    try:
        if out.suffix.lower() == ".csv":
            actions.export_csv(out, actions.plan_rows(items, g, names))
        else:
            sheets = [(book.name, actions.plan_rows(items, g, names))]
            sheets += [(names[u], actions.plan_rows([a for a in items if a.unit == u], g, names)) for u in units]
            actions.export_xlsx(out, sheets)
    except OSError as exc:  # a missing folder, no right to write, a full disk
        print(
            f"stresskit export-plan: kunne ikke skrive {out}; tjek, at mappen findes, at du må skrive i den, "
            f"og at der er plads på disken ({exc.strerror or exc}).",
            file=sys.stderr,
        )
        return 1
    print(f"Skrev {len(items)} opgaver til {out}.")
    return 0


def _export_figures(args) -> int:
    from . import figures
    from .workbook import Workbook

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        print("stresskit export-figures: fejl: --out skal ende på .xlsx eller .csv.", file=sys.stderr)
        return 2
    n = figures.export(Workbook.open(args.dir), out)
    print(f"Skrev {n} rækker til {out}.")
    return 0


def _present(args) -> int:
    import shutil
    import signal
    import time
    import webbrowser

    from .errors import UsageError
    from .live import present

    started = time.perf_counter()
    try:
        server = present.serve(args.dir, args.unit, args.notebook, args.port, who=args.who, lan=args.lan)
    except UsageError as exc:
        print(f"stresskit present: fejl: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a stop from outside also stops Voilà and its kernels
    try:
        present.wait_until_up(server)
        print(f"Visningen kører på {server.url}", flush=True)
        print(f"(klar efter {time.perf_counter() - started:.1f} s; log: {server.log}). Stop med Ctrl+C.", flush=True)
        if args.lan:
            port = server.base.rstrip("/").rsplit(":", 1)[1]
            print(f"Telefonerne når en åben afstemning på http://{args.lan.strip()}:{port}/s", flush=True)
        if not args.no_browser:
            webbrowser.open(server.url)
        server.proc.wait()
    except RuntimeError as exc:
        print(f"Kunne ikke starte visningen: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        present.stop(server.proc)
        shutil.rmtree(server.folder / "notebooks", ignore_errors=True)  # the log stays, for questions afterwards
    return 0


def _lab(args) -> int:
    import subprocess

    from .live import lab

    copies = lab.prepare(args.dir, refresh=args.refresh)
    if copies.written:
        print(f"Skrev {', '.join(copies.written)} i {copies.folder}.")
    if copies.backed_up:
        print(f"Jeres ændrede {', '.join(copies.backed_up)} er gemt i {copies.backup} før opdateringen.")
    if copies.newer:
        print(
            f"Denne stresskit har en nyere udgave af {', '.join(copies.newer)}; «stresskit lab {args.dir} --refresh» "
            "henter den (en notesbog, I har ændret, gemmes først som sikkerhedskopi)."
        )
    print(f"JupyterLab åbner arbejdsbogens notesbøger i {copies.folder}. Stop med Ctrl+C.", flush=True)
    return subprocess.call(lab.command(copies.folder, args.port, browser=not args.no_browser))


COMMANDS = {
    "mapping": _mapping,
    "new": _new,
    "present": _present,
    "lab": _lab,
    "validate": _validate,
    "answers": _answers,
    "run": _run,
    "export-plan": _export_plan,
    "export-figures": _export_figures,
}

if __name__ == "__main__":
    sys.exit(main())
