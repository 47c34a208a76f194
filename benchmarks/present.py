"""`stresskit present` in the browser: start to the first interactive page, a page switch, a
reload, and the memory of the server with its kernels over 30 page loads (prints, asserts nothing).
Issue 24's target: the first page, from the moment the printed address is opened, and a reload of
it right after, each interactive in ≤ 2 s. Each line carries the machine's load (1 min).

    make bench    (needs Debian's chromium)
    python benchmarks/present.py --quick    (start, first page and its reload only)
    python benchmarks/present.py --quick --runs 5    (that five times, a fresh server each, and the medians)
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from stresskit.batch import pdf

ROOT = Path(__file__).resolve().parent.parent
ARGS = pdf.ARGS  # the flags stresskit prints PDFs with
READY = {
    1: ".sk-form .widget-toggle-buttons",
    2: ".sk-form .widget-checkbox",
    3: ".sk-form .widget-dropdown select",
    4: ".sk-form .widget-toggle-buttons",
    5: ".sk-form .widget-checkbox",
    6: "table.sk-iglo",
}
FILES = {1: "01_apv", 2: "02_aftaler", 3: "03_paavirkninger", 4: "04_status", 5: "05_samarbejde", 6: "06_handleplan"}
UNITS = ["hum", "nat", "fjordby", "kantine", "adm"]


def memory(pid: int) -> tuple[float, int]:
    """MB resident in the server and its kernels, and how many kernels run."""
    root = psutil.Process(pid)
    total, kernels = 0, 0
    for proc in [root] + root.children(recursive=True):
        try:
            total += proc.memory_info().rss
            kernels += "ipykernel" in " ".join(proc.cmdline())
        except psutil.Error:  # a kernel stopping just now
            pass
    return total / 2**20, kernels


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def cpu(pid: int) -> dict:
    """CPU seconds so far (user + system) of each process of the server (its kernels among them) and
    of each Chromium process under this one: on a loaded machine these compare where seconds of the
    clock do not."""

    def chromium(proc) -> bool:
        try:
            return "chrom" in proc.name().lower()
        except psutil.Error:  # gone just now
            return False

    root = psutil.Process(pid)
    mine = [p for p in psutil.Process().children(recursive=True) if chromium(p)]
    seconds = {}
    for proc in [root, *root.children(recursive=True), *mine]:
        try:
            times = proc.cpu_times()
            kind = "browser" if proc in mine else "kernels" if "ipykernel" in " ".join(proc.cmdline()) else "server"
            seconds[proc.pid] = (kind, times.user + times.system)
        except psutil.Error:  # gone just now
            pass
    return seconds


def spent(before: dict, after: dict) -> str:
    """CPU seconds between two `cpu` snapshots by kind (a process that ended between them is left out)."""
    kinds = {"server": 0.0, "kernels": 0.0, "browser": 0.0}
    for pid, (kind, total) in after.items():
        kinds[kind] += total - before.get(pid, (kind, 0.0))[1]
    return ", ".join(f"{kind} {value:.2f}" for kind, value in kinds.items())


def sent(page) -> str:
    """Seconds from the request to the page's last byte (the kernel has run every cell) and to the
    end of its load event (Voilà's app starts only then: the widgets follow it)."""
    times = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd, n.loadEventEnd]; }"
    )
    return "{:.2f} s (load event {:.2f} s)".format(*(t / 1000 for t in times))


def timed(page, url: str, number: int) -> float:
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(READY[number], timeout=120_000)
    return time.perf_counter() - t


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 1
    seen = [run() for _ in range(runs)]
    if runs > 1:
        first, again, loads = zip(*seen)
        print(
            f"median of {runs} runs: first page {statistics.median(first):.2f} s, its reload "
            f"{statistics.median(again):.2f} s (load {min(loads):.1f}–{max(loads):.1f})"
        )


def run() -> tuple[float, float, float]:
    """One server started and measured; the seconds from opening the address to the first page
    interactive, of its reload, and the load (1 min) then."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        book = Path(tmp) / "example"
        shutil.copytree(ROOT / "data" / "example", book, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
        subprocess.run(
            [
                str(Path(sys.executable).parent / "stresskit"),
                "answers",
                "import",
                str(book),
                str(book / "answers.yaml"),
            ],
            check=True,
            capture_output=True,
        )
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "stresskit"),
                "present",
                str(book),
                "--unit",
                "hum",
                "--notebook",
                "3",
                "--no-browser",
            ],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            url = re.search(r"http://\S+", proc.stdout.readline()).group(0)
            served = time.perf_counter() - t0
            base = url.split("?")[0]
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            before = cpu(proc.pid)
            opened = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(READY[3], timeout=120_000)
            first = time.perf_counter() - t0
            middle, first_sent = cpu(proc.pid), sent(page)
            t = time.perf_counter()
            page.reload()
            page.wait_for_selector(READY[3], timeout=120_000)
            again = time.perf_counter() - t
            after, again_sent = cpu(proc.pid), sent(page)
            print(
                f"start → address printed {served:.1f} s, first interactive page (3, Humaniora) {first:.1f} s; "
                f"from opening the address {first - (opened - t0):.2f} s, its reload right after {again:.2f} s ({load()})"
            )
            print(
                f"  page sent (kernel done) after {first_sent} / {again_sent}; CPU s of the first page: "
                f"{spent(before, middle)}; of the reload: {spent(middle, after)}"
            )
            seen = (first - (opened - t0), again, os.getloadavg()[0])
            if "--quick" in sys.argv:
                return seen
            time.sleep(3)  # the pool refills
            switch = timed(page, f"{base}voila/render/{FILES[6]}.ipynb?unit=hum", 6)
            time.sleep(3)
            t = time.perf_counter()
            page.reload()
            page.wait_for_selector(READY[6], timeout=120_000)
            reload = time.perf_counter() - t
            print(f"page switch 3 → 6: {switch:.1f} s; reload of 6: {reload:.1f} s ({load()})")
            peak, loads, failed = 0.0, [], []
            for i in range(30):  # a facilitator clicking about: another recommendation or unit each time
                number, unit = i % 6 + 1, UNITS[i % len(UNITS)]
                try:
                    loads.append(timed(page, f"{base}voila/render/{FILES[number]}.ipynb?unit={unit}", number))
                except Exception:  # say so and go on: the memory figure is wanted anyway
                    failed.append(f"{number}/{unit}")
                    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"present-bench-{number}-{unit}.png"))
                mb, kernels = memory(proc.pid)
                peak = max(peak, mb)
            if failed:
                print(f"not interactive within 120 s: {', '.join(failed)} (screenshots in {tempfile.gettempdir()})")
            loads.sort()
            print(
                f"{len(loads)} page loads: median {loads[len(loads) // 2]:.1f} s, slowest {loads[-1]:.1f} s; "
                f"peak memory {peak:.0f} MB, after: {mb:.0f} MB with {kernels} kernels"
            )
        finally:
            proc.terminate()
            proc.wait()
            browser.close()
    return seen


if __name__ == "__main__":
    main()
