"""The batch: every notebook for every unit, in report mode, to self-contained HTML (`stresskit run`).

    command   run(): the whole batch, from the check of the inputs to the index page
    state     Run, Summary and the state file that lets a re-run skip what is unchanged
    keys      the signed keys that change whenever anything a run reads changes
    cache     the institution-wide work, done once per batch and shared by every unit
    pool      the worker processes, and stopping them however the parent stops
    unit      a worker's warm template, forked once per unit, running its notebooks
    files     paths kept inside OUT, files written whole, leftovers removed
    pages     the overblik, the combined unit reports and the index (Jinja templates)
    report    the nbconvert exporter «stresskit» (nbconvert.exporters entry point)
    engine    the papermill engine «stresskit» (papermill.engine entry point), on executor
    pdf       PDF copies of the pages, printed by Chromium

The names below are imported from their modules on first use, so importing the package (as
papermill and nbconvert do for the entry points) costs nothing until a name is asked for.
"""

from __future__ import annotations

import importlib

_NAMES = {
    "command": ("run", "REPORTS", "NOTEBOOKS", "notebooks", "UsageError"),
    "state": ("Run", "Summary", "STATE"),
    "keys": ("SECRET", "secret", "signed", "run_keys", "institution_key", "parameters", "recorded_parameters"),
    "cache": ("CACHE", "institution_cache", "verified_cache"),
    "unit": ("UnitRunner", "UNIT_PROCESS", "CELL_TIMEOUT", "scrubbed", "failure_line"),
    "files": ("TMP", "target", "sha256", "write_atomic"),
    "pages": ("write_unit_report", "write_unit_reports", "write_index"),
    "report": ("title",),
}
_WHERE = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _NAMES:  # a submodule not imported yet
        return importlib.import_module(f".{name}", __name__)
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
