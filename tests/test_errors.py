"""One error family (issue 23): every exception stresskit defines is a StresskitError, and the
CLI tells each of them in Danish in one place: one line (bad input: its list of problems), the
right exit code, never a traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import papermill  # noqa: F401  (before stresskit.batch.engine, which needs it imported first)
import pytest

import stresskit
from stresskit import cli
from stresskit.errors import InputError, Problem, StresskitError, UsageError

from conftest import EXAMPLE


def exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined at module level in stresskit, found by importing each module."""
    found = {}
    for info in pkgutil.walk_packages(stresskit.__path__, "stresskit."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{info.name}.{name}"] = obj
    return found


CLASSES = exception_classes()


def test_the_walk_finds_the_exceptions_of_every_corner():
    names = {cls.__name__ for cls in CLASSES.values()}
    assert {"UsageError", "InputError", "UnknownUnit", "StoreError", "BrokenInput", "VoteError"} <= names
    assert {"CellError", "CellTimeout", "PdfUnavailable"} <= names


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_stresskit_exception_is_a_stresskit_error(name):
    assert issubclass(CLASSES[name], StresskitError), f"{name} is not a StresskitError"


def test_the_base_carries_where_and_a_danish_message():
    exc = StresskitError("filen findes ikke.", file="a.csv", row=3, column="alder")
    assert (str(exc), exc.file, exc.row, exc.column, exc.exit_code) == ("filen findes ikke.", "a.csv", 3, "alder", 1)
    assert StresskitError("x").file is None and UsageError("x").exit_code == 2
    many = InputError([Problem("a.csv", "et tal.", row=2, column="q1", value="x"), Problem("b.csv", "en dato.")])
    assert (many.file, many.row, many.column) == ("a.csv", 2, "q1")
    assert str(many) == "a.csv, række 2, kolonne «q1»: fandt «x», et tal.\nb.csv: en dato."


def one_of(cls: type[StresskitError]) -> StresskitError:
    """An instance of any StresskitError class, whatever its own constructor takes."""
    exc = cls.__new__(cls)
    if issubclass(cls, InputError):
        InputError.__init__(exc, Problem("apv/r1.csv", "et tal fra 1 til 5.", row=4, column="q1", value="mange"))
    else:
        StresskitError.__init__(exc, "noget er galt; prøv igen.")
    return exc


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_main_tells_each_kind_in_danish_without_a_traceback(name, monkeypatch, capsys):
    cls = CLASSES[name]

    def command(args):
        raise one_of(cls)

    monkeypatch.setitem(cli.COMMANDS, "validate", command)
    code = cli.main(["validate", "skole"])
    out = capsys.readouterr()
    assert out.out == "" and "Traceback" not in out.err
    if issubclass(cls, InputError):
        assert code == 1
        assert out.err == (
            "Der er fejl, der skal rettes:\n  • apv/r1.csv, række 4, kolonne «q1»: fandt «mange», et tal fra 1 til 5.\n"
        )
    else:
        assert code == (2 if issubclass(cls, UsageError) else 1)
        assert out.err == "stresskit validate: fejl: noget er galt; prøv igen.\n"


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["mapping", "draft", "apv.csv", "--header-row", "0"], 2, "stresskit mapping draft: fejl: --header-row skal være mindst 1."),
        (["mapping", "draft", "findes-ikke.csv"], 2, "stresskit mapping draft: fejl: filen findes-ikke.csv findes ikke."),
        (["run", str(EXAMPLE), "--jobs", "0"], 2, "stresskit run: fejl: --jobs skal være mindst 1."),
        (["export-plan", str(EXAMPLE), "--out", "plan.txt"], 2, "stresskit export-plan: fejl: --out skal ende på .xlsx eller .csv."),
        (["export-figures", str(EXAMPLE), "--out", "tal.txt"], 2, "stresskit export-figures: fejl: --out skal ende på .xlsx eller .csv."),
        (["export-plan", str(EXAMPLE), "--out", "plan.csv", "--units", "ingen"], 2, "stresskit export-plan: fejl: enheden ingen findes ikke; kendte enheder er "),
        (["new", str(EXAMPLE)], 1, f"Der er fejl, der skal rettes:\n  • {EXAMPLE}/institution.yaml: der findes allerede en arbejdsbog her"),
    ],
)  # fmt: skip
def test_the_commands_refusals_read_as_before(argv, code, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing is written, and if it were, not in the checkout
    assert cli.main(argv) == code
    out = capsys.readouterr()
    assert out.err.startswith(message) and "Traceback" not in out.err
    assert out.err.count("\n") == message.count("\n") + 1  # one line each (and nothing more)
