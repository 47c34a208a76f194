"""Batch benchmark: prints figures side by side, asserts nothing.

Generates institutions and measures, in one run on this machine:
  (a) the loop an analyst would write: `papermill` CLI then `jupyter nbconvert` CLI per notebook
      (a sample of units of the 100-unit institution, scaled to seconds per unit);
  (b) papermill.execute_notebook on papermill's default engine (a fresh kernel per notebook) + a
      fresh HTMLExporter per notebook in a 2-worker process pool (the same sample, scaled);
  (b2) the same pool and sample, but execute_notebook(engine_name="stresskit") (the notebooks run
      in the worker's own IPython shell, see stresskit.batch.engine) and StresskitExporter: the engine
      side by side with the default engine, the ratio in CPU seconds;
  (c) `stresskit run --jobs 2 --force` on all 100 units;
  (d) `stresskit run --jobs 2` again with nothing changed;
  (e) a 4,000-unit institution: `--units` samples of 10 and 50 units, each in a fresh OUT (so the
      institution-wide work is done afresh): per-unit cost = the difference / 40, fixed cost per
      batch = the 10-unit run minus 10 units' worth.
Each with wall seconds, CPU seconds (the whole process tree), the load average when it ran (the
machine may be shared), the parent's peak RSS and the tree's peak PSS (forks share pages: PSS
counts a shared page once), and output bytes per unit.

    make bench            (SAMPLE=4 units for a and b by default)
    ONLY=b,b2,c,d python benchmarks/batch.py     (some of them)
The machine may be shared: compare CPU seconds (user + system of the whole process tree) and
read the load column; wall seconds are only meaningful on an idle machine.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SAMPLE = int(os.environ.get("SAMPLE", "4"))
ONLY = set(filter(None, os.environ.get("ONLY", "a,b,b2,c,d,e").split(",")))


def make_institution(folder: Path, groups: int = 9, per_group: int = 10, seed: int = 100) -> list[str]:
    """1 + groups + groups × per_group units: the institution, its departments (schools) and
    their teams, with 3–18 respondents per team (about 12 on average) in each of two APV rounds, and signals per team.
    The defaults give the 100-unit institution; 31 × 128 gives 4,000 units."""
    rng = random.Random(seed)
    (folder / "apv").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "example" / "apv" / "mapping.yaml", folder / "apv" / "mapping.yaml")
    units = [{"id": "inst", "name": "Benchmark-institutionen"}]
    teams = []
    for d in range(groups):
        units.append({"id": f"afd{d}", "name": f"Afdeling {d + 1}", "parent": "inst"})
        for t in range(per_group):
            uid = f"afd{d}_team{t}"
            units.append(
                {"id": uid, "name": f"Team {d + 1}.{t + 1}", "parent": f"afd{d}", "headcount": rng.randint(8, 20)}
            )
            teams.append(uid)
    (folder / "institution.yaml").write_text(
        yaml.safe_dump({"name": "Benchmark-institutionen", "sector": "kommune", "units": units}, allow_unicode=True),
        encoding="utf-8",
    )
    for name, items in (("2024", 14), ("2026", 15)):  # the example's two rounds; 2024 did not ask q15
        lines = ["Afdeling;" + ";".join(f"q{i:02d}" for i in range(1, items + 1))]
        for team in teams:
            for _ in range(rng.randint(3, 18)):
                lines.append(team + ";" + ";".join(str(rng.randint(1, 5)) for _ in range(items)))
        (folder / "apv" / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "signals.csv").write_text(
        "enhed;stress_sygemeldinger;sygefravaer_dage;personaleomsaetning;konflikter\n"
        + "".join(
            f"{t};{rng.randint(0, 3)};{rng.randint(5, 15)};{rng.randint(0, 20)};{rng.randint(0, 3)}\n" for t in teams
        ),
        encoding="utf-8",
    )
    return [u["id"] for u in units]


class Peak:
    """Peak memory of a process and all its descendants, sampled every 50 ms: the process's own
    RSS, and the tree's PSS (a page shared by forks counted once, split between them)."""

    def __init__(self, pid: int):
        self.pid, self.parent, self.tree, self._stop = pid, 0, 0, False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:  # a process may end while it is read (a unit's fork, a kernel)
                for task in Path(f"/proc/{pid}/task").glob("*/children"):
                    todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
        return pids

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return 0

    def _run(self):
        while not self._stop:
            try:
                rss = int(Path(f"/proc/{self.pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError):
                rss = 0
            self.parent = max(self.parent, rss)
            self.tree = max(self.tree, sum(self._pss(pid) for pid in self._tree()))
            time.sleep(0.05)

    def stop(self) -> tuple[float, float]:
        self._stop = True
        self._thread.join()
        return self.parent / 2**20, self.tree / 2**20


@dataclass
class Figure:
    seconds: float
    cpu: float  # user + system of the process and every descendant it waited for
    parent_mb: float
    tree_mb: float
    load: float  # 1-minute load average when the measurement ended


def measure(cmd: list[str], env: dict) -> Figure:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = Peak(proc.pid)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    parent_mb, tree_mb = peak.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed with {proc.returncode}")
    return Figure(seconds, usage.ru_utime + usage.ru_stime, parent_mb, tree_mb, os.getloadavg()[0])


def output_bytes(out: Path, units: list[str]) -> float:
    """Bytes per unit in OUT/<unit>/ (reports, executed notebooks, combined report)."""
    return sum(p.stat().st_size for u in units for p in (out / u).glob("*") if p.is_file()) / len(units)


HAND_LOOP = """
import subprocess, sys
bin_, book, out, *units = sys.argv[1:]
import glob
for unit in units:
    for nb in sorted(glob.glob('{nbdir}/[0-9][0-9]_*.ipynb')):
        name = nb.rsplit('/', 1)[1][:-6]
        target = f'{{out}}/{{unit}}-{{name}}.ipynb'
        subprocess.run([f'{{bin_}}/papermill', nb, target, '-p', 'workbook', book, '-p', 'unit', unit,
                        '-p', 'mode', 'report', '--no-progress-bar'], check=True, capture_output=True)
        subprocess.run([f'{{bin_}}/jupyter', 'nbconvert', '--to', 'html', '--no-input', target],
                       check=True, capture_output=True)
"""

POOL = """
import sys
from concurrent.futures import ProcessPoolExecutor
import glob

ENGINE = None  # papermill's default; "stresskit" for (b2)

def one(args):
    nb, book, out, unit = args
    import papermill, nbformat
    from nbconvert import HTMLExporter
    name = nb.rsplit('/', 1)[1][:-6]
    target = f'{out}/{unit}-{name}.ipynb'
    if ENGINE:
        from stresskit.batch import engine, report
        engine.register()  # as the entry point does where stresskit is installed
    papermill.execute_notebook(nb, target, parameters=dict(workbook=book, unit=unit, mode='report'),
                               progress_bar=False, kernel_name='python3', engine_name=ENGINE)
    exp = report.StresskitExporter() if ENGINE else HTMLExporter()
    exp.exclude_input = True
    body, _ = exp.from_notebook_node(nbformat.read(target, as_version=4))
    open(target[:-6] + '.html', 'w').write(body)

if __name__ == '__main__':
    engine_name, book, out, nbdir, *units = sys.argv[1:]
    ENGINE = None if engine_name == 'default' else engine_name
    jobs = [(nb, book, out, u) for u in units for nb in sorted(glob.glob(nbdir + '/[0-9][0-9]_*.ipynb'))]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(one, jobs))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(
            os.environ, **{v: str(tmp / v.lower()) for v in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR")}
        )
        book = tmp / "benchmark"
        units = make_institution(book)
        sample = units[:: max(1, len(units) // SAMPLE)][:SAMPLE]
        print(
            f"{len(units)} units, {len(NOTEBOOKS)} notebook(s) ({', '.join(p.stem for p in NOTEBOOKS)}); "
            f"(a) and (b) on a sample of {len(sample)} units; {os.cpu_count()} cores"
        )
        rows = {}
        if "a" in ONLY:
            (tmp / "a").mkdir()
            script = tmp / "hand.py"
            script.write_text(HAND_LOOP.format(nbdir=ROOT / "notebooks"))
            f = measure([sys.executable, str(script), str(BIN), str(book), str(tmp / "a"), *sample], env)
            rows["a"] = ("(a) papermill CLI + nbconvert CLI per notebook", len(sample), f, None)
        pool = tmp / "pool.py"
        pool.write_text(POOL)
        for part, engine_name, name in (
            ("b", "default", "(b) execute_notebook, default engine (kernel) + HTMLExporter"),
            ("b2", "stresskit", "(b2) execute_notebook, stresskit engine + its exporter"),
        ):
            if part in ONLY:
                (tmp / part).mkdir()
                f = measure(
                    [
                        sys.executable,
                        str(pool),
                        engine_name,
                        str(book),
                        str(tmp / part),
                        str(ROOT / "notebooks"),
                        *sample,
                    ],
                    env,
                )
                rows[part] = (f"{name}, 2-worker pool", len(sample), f, None)
        run = [str(BIN / "stresskit"), "run", str(book), "--out", str(tmp / "c"), "--jobs", "2"]
        if "c" in ONLY:
            f = measure(run + ["--force"], env)
            rows["c"] = (
                "(c) stresskit run --jobs 2 --force (100 units)",
                len(units),
                f,
                output_bytes(tmp / "c", units),
            )
        if "d" in ONLY:
            d = measure(run, env)
            rows["d"] = ("(d) stresskit run --jobs 2, nothing changed (100 units)", len(units), d, None)
        if "e" not in ONLY:
            report(rows, units)
            return

        big = tmp / "big"
        t0 = time.perf_counter()
        big_units = make_institution(big, 31, 128, seed=4000)
        made = time.perf_counter() - t0
        teams = [u for u in big_units if "_team" in u]
        step = len(teams) // 50
        fifty, ten = teams[::step][:50], teams[::step][:50:5]
        e = {}
        for n, chosen in (("10", ten), ("50", fifty)):
            out = tmp / f"e{n}"
            e[n] = (
                measure(
                    [
                        str(BIN / "stresskit"),
                        "run",
                        str(big),
                        "--out",
                        str(out),
                        "--jobs",
                        "2",
                        "--units",
                        ",".join(chosen),
                    ],
                    env,
                ),
                output_bytes(out, chosen),
            )
        per_unit = (e["50"][0].seconds - e["10"][0].seconds) / 40
        per_cpu = (e["50"][0].cpu - e["10"][0].cpu) / 40
        fixed = e["10"][0].seconds - 10 * per_unit
        fixed_cpu = e["10"][0].cpu - 10 * per_cpu
        rows["e50"] = (f"(e) {len(big_units)} units, --units 50 (fresh OUT)", 50, e["50"][0], e["50"][1])
        rows["e10"] = (f"(e) {len(big_units)} units, --units 10 (fresh OUT)", 10, e["10"][0], e["10"][1])
        report(rows, units)
        c = rows["c"][2].seconds / len(units) if "c" in rows else float("nan")
        print(f"(e) generating the {len(big_units)}-unit institution: {made:.1f} s (not counted)")
        print(
            f"(e) per unit (50 − 10 units) / 40: {per_unit:.3f} s wall, {per_cpu:.3f} CPU s; "
            f"{per_unit / c:.2f} × (c)  [target ≤ 1.2]"
        )
        print(f"(e) fixed cost per batch: {fixed:.1f} s wall, {fixed_cpu:.1f} CPU s  [target < 60 s]")
        print(f"(e) tree PSS < 2048 MB: {e['50'][0].tree_mb:.0f}")


def report(rows: dict, units: list[str]) -> None:
    """The table, then the targets; ratios in CPU seconds per unit (the machine may be shared)."""
    cpu = {k: fig.cpu / n for k, (_name, n, fig, _size) in rows.items()}
    wall = {k: fig.seconds / n for k, (_name, n, fig, _size) in rows.items()}
    print(
        f"{'variant':72} {'s/unit':>7} {'CPU s/unit':>10} {'CPU ×(c)':>8} {'parent MB':>9} {'tree PSS MB':>11} "
        f"{'KB/unit':>8} {'load':>5}"
    )
    for key, (name, _n, fig, size) in rows.items():
        times = f"{cpu[key] / cpu['c']:8.1f}" if "c" in cpu else f"{'':8}"
        print(
            f"{name:72} {wall[key]:7.3f} {cpu[key]:10.3f} {times} {fig.parent_mb:9.0f} {fig.tree_mb:11.0f} "
            f"{(size or 0) / 1024:8.0f} {fig.load:5.1f}"
        )
    if "d" in rows:
        print(f"(d) in total: {rows['d'][2].seconds:.2f} s for {len(units)} units  [target < 5 s]")
    if "c" in rows:
        print(
            f"(c) {wall['c']:.3f} s/unit wall, {cpu['c']:.3f} CPU s/unit; on 2 idle cores ≈ {cpu['c'] / 2:.3f} s/unit "
            f"[target ≤ 0.25 s/unit]"
        )
    if "b" in cpu and "b2" in cpu:
        print(
            f"papermill engines side by side, CPU s/unit: default (kernel per notebook) {cpu['b']:.3f}, "
            f"stresskit {cpu['b2']:.3f}: {cpu['b'] / cpu['b2']:.1f}×  [target ≥ 3×]"
        )
    if "b" in cpu and "c" in cpu:
        print(f"default engine (b) / stresskit run (c), CPU: {cpu['b'] / cpu['c']:.1f}×  [target ≥ 3×]")
    if "a" in cpu and "c" in cpu:
        print(f"CLI loop (a) / stresskit run (c), CPU: {cpu['a'] / cpu['c']:.1f}×")
    print(
        f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
