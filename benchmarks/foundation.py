"""Foundation benchmark: prints figures, asserts nothing.

1. Load + aggregate (with anonymity) of a generated 100,000-respondent survey file.
2. Load + aggregate of 5 rounds × 100,000 respondents (every round anonymised on its own).
3. One form save: setting a widget's value until the row is committed to the store.

    make bench
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stresskit import apv, guide  # noqa: E402
from stresskit.live import forms  # noqa: E402
from stresskit.store import Store, set_user  # noqa: E402
from stresskit.workbook import Workbook  # noqa: E402

RESPONDENTS = 100_000


def make_survey(folder: Path, names: tuple[str, ...] = ("2027",)) -> Path:
    shutil.copytree(ROOT / "data" / "example", folder, ignore=shutil.ignore_patterns("stresskit.sqlite*", "*.csv"))
    mapping = yaml.safe_load((folder / "apv" / "mapping.yaml").read_text(encoding="utf-8"))
    mapping.pop("rounds", None)  # the generated files, by name
    (folder / "apv" / "mapping.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    for n, name in enumerate(names):
        path = _round_file(folder, name, seed=n + 1)
    return path


def _round_file(folder: Path, name: str, seed: int) -> Path:
    book = Workbook.open(folder)
    leaves = [u for u in book.units if not book.children[u]]
    rng = np.random.default_rng(seed)
    units = np.array([book.unit_name(u) for u in leaves])[rng.integers(0, len(leaves), RESPONDENTS)]
    answers = rng.integers(1, 6, size=(RESPONDENTS, 15)).astype(str)
    answers[rng.random(answers.shape) < 0.03] = ""
    lines = ["Svar-id;Afdeling;" + ";".join(f"q{i:02d}" for i in range(1, 16)) + ";Kommentar"]
    lines += [f"R{i};{u};{';'.join(row)};" for i, (u, row) in enumerate(zip(units, answers))]
    path = folder / "apv" / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "wb"
        path = make_survey(folder)
        book = Workbook.open(folder)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            survey = apv.load(book)
            results = apv.aggregate(book, survey)
            times.append(time.perf_counter() - t0)
        print(
            f"APV load + aggregate, {RESPONDENTS:,} respondents ({path.stat().st_size / 1e6:.1f} MB CSV), "
            f"{len(book.units)} units, {len(results.constructs)} constructs: "
            f"median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})  [target < 2 s]"
        )

        rounds_folder = Path(tmp) / "rounds"
        make_survey(rounds_folder, ("2022", "2023", "2024", "2025", "2026"))
        book = Workbook.open(rounds_folder)
        times, cpu = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            survey = apv.load(book)
            history = [apv.aggregate(book, survey, r.name) for r in survey.rounds]
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        # CPU time too: on a shared machine the wall time says as much about the neighbours
        print(
            f"APV load + aggregate, {len(history)} rounds × {RESPONDENTS:,} respondents: "
            f"median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}; "
            f"CPU median {statistics.median(cpu):.2f} s)  [target < 5 s]"
        )

        store = Store(folder / "stresskit.sqlite")
        set_user("Benchmark")  # a form saves only under a name
        view = forms.FormView(guide.default().forms["apv_faser"], store, "hum")
        field = view.fields["apv.fase.kortlaegning"]
        options = ["ikke_startet", "i_gang", "gennemfoert"]
        saves = []
        for i in range(200):
            t0 = time.perf_counter()
            field.input.value = options[i % 3]
            saves.append((time.perf_counter() - t0) * 1000)
        assert len(store.history("hum", "apv.fase.kortlaegning")) == 200
        print(
            f"Form save (widget change → committed row, synchronous=FULL), 200 saves: "
            f"median {statistics.median(saves):.1f} ms, p95 {np.percentile(saves, 95):.1f} ms  [target < 50 ms]"
        )


if __name__ == "__main__":
    main()
