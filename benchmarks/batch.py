"""Batch benchmark: prints figures side by side, asserts nothing.

Generates an institution of 100 units and measures, in one run on this machine:
  (a) the loop an analyst would write: `papermill` CLI then `jupyter nbconvert` CLI per notebook
      (a sample of units, scaled to seconds per unit);
  (b) papermill.execute_notebook + a fresh HTMLExporter per notebook in a 2-worker process pool
      (a sample of units, scaled);
  (c) `stresskit run --jobs 2 --force` on all 100 units;
  (d) `stresskit run --jobs 2` again with nothing changed.
Each as seconds per unit, as a ratio to (c), and with the peak memory of the process tree.

    make bench-batch            (SAMPLE=4 units for a and b by default)
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
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SAMPLE = int(os.environ.get("SAMPLE", "4"))


def make_institution(folder: Path) -> list[str]:
    """100 units: the institution, 9 departments and 90 teams, with ~12 respondents per team."""
    rng = random.Random(100)
    (folder / "apv").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "example" / "apv" / "mapping.yaml", folder / "apv" / "mapping.yaml")
    units = [{"id": "inst", "name": "Benchmark-institutionen", "headcount": 0}]
    teams = []
    for d in range(9):
        units.append({"id": f"afd{d}", "name": f"Afdeling {d + 1}", "parent": "inst", "headcount": 0})
        for t in range(10):
            uid = f"afd{d}_team{t}"
            units.append({"id": uid, "name": f"Team {d + 1}.{t + 1}", "parent": f"afd{d}", "headcount": rng.randint(8, 20)})
            teams.append(uid)
    (folder / "institution.yaml").write_text(yaml.safe_dump({"name": "Benchmark-institutionen", "sector": "kommune",
                                                             "units": units}, allow_unicode=True), encoding="utf-8")
    lines = ["Afdeling;" + ";".join(f"q{i:02d}" for i in range(1, 16))]
    for team in teams:
        for _ in range(rng.randint(3, 18)):
            lines.append(team + ";" + ";".join(str(rng.randint(1, 5)) for _ in range(15)))
    (folder / "apv" / "2026.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "signals.csv").write_text("enhed;stress_sygemeldinger;sygefravaer_dage;personaleomsaetning;konflikter\n"
                                        + "".join(f"{t};{rng.randint(0, 3)};{rng.randint(5, 15)};{rng.randint(0, 20)};{rng.randint(0, 3)}\n" for t in teams),
                                        encoding="utf-8")
    return [u["id"] for u in units]


class Peak:
    """Peak resident memory of a process and all its descendants, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    todo += [int(c) for c in task.read_text().split()]
                except OSError:
                    pass
        return pids

    def _run(self):
        while not self._stop:
            total = 0
            for pid in self._tree():
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                except (OSError, ValueError):
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def stop(self) -> float:
        self._stop = True
        self._thread.join()
        return self.peak / 2**20


def measure(cmd: list[str], env: dict) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = Peak(proc.pid)
    proc.wait()
    seconds = time.perf_counter() - t0
    mb = peak.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed with {proc.returncode}")
    return seconds, mb


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

def one(args):
    nb, book, out, unit = args
    import papermill, nbformat
    from nbconvert import HTMLExporter
    name = nb.rsplit('/', 1)[1][:-6]
    target = f'{out}/{unit}-{name}.ipynb'
    papermill.execute_notebook(nb, target, parameters=dict(workbook=book, unit=unit, mode='report'),
                               progress_bar=False, kernel_name='python3')
    exp = HTMLExporter()
    exp.exclude_input = True
    body, _ = exp.from_notebook_node(nbformat.read(target, as_version=4))
    open(target[:-6] + '.html', 'w').write(body)

if __name__ == '__main__':
    book, out, nbdir, *units = sys.argv[1:]
    jobs = [(nb, book, out, u) for u in units for nb in sorted(glob.glob(nbdir + '/[0-9][0-9]_*.ipynb'))]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(one, jobs))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, **{v: str(tmp / v.lower()) for v in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR")})
        book = tmp / "benchmark"
        units = make_institution(book)
        sample = units[:: max(1, len(units) // SAMPLE)][:SAMPLE]
        print(f"{len(units)} units, {len(NOTEBOOKS)} notebook(s) ({', '.join(p.stem for p in NOTEBOOKS)}); "
              f"(a) and (b) on a sample of {len(sample)} units; {os.cpu_count()} cores")
        rows = []
        (tmp / "a").mkdir()
        script = tmp / "hand.py"
        script.write_text(HAND_LOOP.format(nbdir=ROOT / "notebooks"))
        s, mb = measure([sys.executable, str(script), str(BIN), str(book), str(tmp / "a"), *sample], env)
        rows.append(("(a) papermill CLI + nbconvert CLI per notebook", s / len(sample), mb))
        (tmp / "b").mkdir()
        pool = tmp / "pool.py"
        pool.write_text(POOL)
        s, mb = measure([sys.executable, str(pool), str(book), str(tmp / "b"), str(ROOT / "notebooks"), *sample], env)
        rows.append(("(b) execute_notebook + fresh HTMLExporter, 2-worker pool", s / len(sample), mb))
        run = [str(BIN / "stresskit"), "run", str(book), "--out", str(tmp / "c"), "--jobs", "2"]
        s, mb = measure(run + ["--force"], env)
        rows.append(("(c) stresskit run --jobs 2 --force (all units)", s / len(units), mb))
        s2, mb2 = measure(run, env)
        rows.append(("(d) stresskit run --jobs 2, nothing changed (all units)", s2 / len(units), mb2))
        c = rows[2][1]
        print(f"{'variant':58} {'s/unit':>8} {'× (c)':>7} {'peak MB':>8}")
        for name, per_unit, mb in rows:
            print(f"{name:58} {per_unit:8.3f} {per_unit / c:7.1f} {mb:8.0f}")
        print(f"(d) in total: {s2:.2f} s for {len(units)} units  [target < 5 s]")
        print(f"targets: (c) ≤ 1 s/unit for the full series: {c:.2f}; (a)/(c) ≥ 10: {rows[0][1] / c:.1f}; (b)/(c) ≥ 3: {rows[1][1] / c:.1f}")


if __name__ == "__main__":
    main()
