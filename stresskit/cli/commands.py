"""What each `stresskit` command does. A command returns its exit code, or raises a
`StresskitError` (wrong usage: `UsageError`; bad input: `InputError`) that `main` tells in Danish.

The heavy modules are imported inside the commands, so `stresskit --help` stays quick."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError, unknown_unit
from .parser import APV_PRESETS, REPORTS


def _new(args) -> int:
    from .. import workbook

    root = workbook.new(args.dir)
    if args.apv:
        preset = workbook.SKELETON / APV_PRESETS[args.apv]
        (root / workbook.APV / "mapping.yaml").write_text(preset.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"Ny arbejdsbog oprettet i {root}. Udfyld institution.yaml, og læg APV-filer i {root / 'apv'}.")
    return 0


def _mapping(args) -> int:
    from ..apv import draft as mapping_draft

    if args.header_row < 1:
        raise UsageError("--header-row skal være mindst 1.")
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"filen {path} findes ikke.")
    if args.labels and not Path(args.labels).is_file():
        raise UsageError(f"etiketfilen {args.labels} findes ikke.")
    text = mapping_draft.draft_file(path, args.sheet, args.header_row, args.labels)
    if not args.out:
        print(text, end="")
        return 0
    out = Path(args.out)
    if out.exists():
        raise UsageError(f"{out} findes allerede; vælg et andet navn, så intet overskrives.")
    out.write_text(text, encoding="utf-8")
    print(
        f"Skrev et udkast til {out}. Ret stederne med TODO, læg filen i arbejdsbogens apv/ som mapping.yaml, "
        "og kør stresskit validate."
    )
    return 0


def _validate(args) -> int:
    from .. import validate

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
    from .. import answers, store
    from ..workbook import Workbook

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
    from .. import batch

    if args.jobs < 1:
        raise UsageError("--jobs skal være mindst 1.")
    if args.pdf:  # told before anything runs, not after the reports (PdfUnavailable is a UsageError)
        from ..batch import pdf

        pdf.check()
    progress = None
    try:
        from ..batch.progress import Progress
        from ..workbook import Workbook

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


def _table_out(path: str) -> Path:
    """--out of export-plan and export-figures: a spreadsheet, .xlsx or .csv."""
    if Path(path).suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError("--out skal ende på .xlsx eller .csv.")
    return Path(path)


def _export_plan(args) -> int:
    from .. import actions, guide
    from ..store import Store
    from ..workbook import Workbook

    out = _table_out(args.out)
    book = Workbook.open(args.dir)
    units = args.units or book.ordered()
    unknown = [u for u in units if u not in book.units]
    if unknown:
        raise UsageError(unknown_unit(unknown, book.ordered()))
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
    except OSError as exc:  # a missing folder, no right to write, a full disk: said without «fejl:», as ever
        print(
            f"stresskit export-plan: kunne ikke skrive {out}; tjek, at mappen findes, at du må skrive i den, "
            f"og at der er plads på disken ({exc.strerror or exc}).",
            file=sys.stderr,
        )
        return 1
    print(f"Skrev {len(items)} opgaver til {out}.")
    return 0


def _export_figures(args) -> int:
    from .. import figures
    from ..workbook import Workbook

    out = _table_out(args.out)
    n = figures.export(Workbook.open(args.dir), out)
    print(f"Skrev {n} rækker til {out}.")
    return 0


def _present(args) -> int:
    import shutil
    import signal
    import time
    import webbrowser

    from ..live import present

    started = time.perf_counter()
    server = present.serve(args.dir, args.unit, args.notebook, args.port, who=args.who, lan=args.lan)
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

    from ..live import lab

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
