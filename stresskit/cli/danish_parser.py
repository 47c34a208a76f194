"""argparse in Danish: help, usage and error messages of stresskit's own parsers (`Parser`)."""

from __future__ import annotations

import argparse
import re
import sys

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
