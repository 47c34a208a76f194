"""Anonymity benchmark: prints figures, asserts nothing.

1. `stresskit export-figures` on a generated 100,000-respondent survey (load, score,
   aggregate, anonymise every construct and the respondent counts, write .xlsx and .csv).
2. The exact suppression alone on generated trees of 100 and 4,000 units.
3. The cross-measure audit (tests/audit.py) on random institutions (tests/audit_cases.py), each
   published by main's rule (before) and by today's (after): trees tried, trees with a leak,
   leaks, seconds. `--trees N` sets how many (default 1,000); `--only-audit` skips 1 and 2.

    .venv/bin/python benchmarks/anonymity.py [--trees 1000] [--only-audit]
"""

from __future__ import annotations

import contextlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from foundation import RESPONDENTS, make_survey  # noqa: E402

from stresskit import figures  # noqa: E402
from stresskit.apv import anonymity  # noqa: E402
from stresskit.workbook import Workbook  # noqa: E402


def tree(units: int, rng: random.Random) -> tuple[dict, dict]:
    """An institution, departments of ~10 teams, teams of 0–30 respondents (some tiny)."""
    children = {"u0": []}
    total = {}
    departments = max(1, units // 11)
    for d in range(departments):
        children["u0"].append(f"d{d}")
        children[f"d{d}"] = []
    for t in range(units - 1 - departments):
        d = f"d{t % departments}"
        children[d].append(f"t{t}")
        children[f"t{t}"] = []
        total[f"t{t}"] = rng.choice([0, 2, 3, 4, 6, 9, 12, 18, 25, 30])
    for d in children["u0"]:
        total[d] = sum(total[t] for t in children[d]) + rng.choice([0, 0, 1, 3])
    total["u0"] = sum(total[d] for d in children["u0"])
    return children, total


def cross_measure(trees: int) -> None:
    import audit
    import audit_cases

    for label, rule in (("before (main's rule)", audit_cases.old_rule), ("after", contextlib.nullcontext)):
        rng = random.Random(2026)
        leaky = leaks = 0
        t0 = time.perf_counter()
        for _ in range(trees):
            book, survey = audit_cases.random_institution(rng)
            with rule():
                rows = audit_cases.published(book, survey)
            found = audit.audit(rows)
            leaky += bool(found)
            leaks += len(found)
        print(
            f"cross-measure audit {label}: {trees} trees, {leaky} with a leak ({leaks} leaks), "
            f"{time.perf_counter() - t0:.1f} s"
        )


def main() -> None:
    trees = int(sys.argv[sys.argv.index("--trees") + 1]) if "--trees" in sys.argv else 1000
    if "--only-audit" in sys.argv:
        cross_measure(trees)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "wb"
        make_survey(folder)
        book = Workbook.open(folder)
        for suffix in (".xlsx", ".csv"):
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                rows = figures.export(book, Path(tmp) / f"tal{suffix}")
                times.append(time.perf_counter() - t0)
            print(
                f"export-figures {suffix}, {RESPONDENTS:,} respondents, {len(book.units)} units, {rows} rows: "
                f"median {statistics.median(times):.2f} s"
            )
    rng = random.Random(1)
    for units in (100, 4000):
        children, total = tree(units, rng)
        for k in (5, 10):
            t0 = time.perf_counter()
            status = anonymity.suppress(children, "u0", total, k)
            seconds = time.perf_counter() - t0
            hidden = sum(s == anonymity.COMPLEMENT for s in status.values())
            print(
                f"suppress, {len(children):,} units, k={k}: {seconds * 1000:.0f} ms ({hidden} hidden to protect others)"
            )
    cross_measure(trees)


if __name__ == "__main__":
    main()
