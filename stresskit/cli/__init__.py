"""The `stresskit` command. Help texts and messages are Danish; a bad input ends in a
clear message and exit code 1, wrong usage in exit code 2, never a traceback.

The parts: `danish_parser` (argparse in Danish), `parser` (the commands and their arguments),
`commands` (what each does). Errors are told here, in `told`, and nowhere else."""

from __future__ import annotations

import sys

from ..errors import InputError, StresskitError, os_reason
from .commands import COMMANDS
from .parser import parser


def told(exc: StresskitError, prog: str) -> str:
    """The Danish text a user reads for an error of the command `prog` (e.g. «stresskit run»):
    bad input as the list of every problem, anything else as «prog: fejl: message»."""
    if isinstance(exc, InputError):
        return "\n".join(["Der er fejl, der skal rettes:", *(f"  • {problem}" for problem in exc.problems)])
    return f"{prog}: fejl: {exc}"


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    action = getattr(args, "action", None)
    if args.command is None or (args.command in ("answers", "mapping") and action is None):
        p.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except StresskitError as exc:
        print(told(exc, " ".join(["stresskit", args.command, *([action] if action else [])])), file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a full disk, a read-only folder: said in Danish, never a traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"Kunne ikke læse eller skrive{where}: {os_reason(exc)}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Afbrudt.", file=sys.stderr)
        return 130
