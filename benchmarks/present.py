"""Time from `stresskit present` to an interactive form in the browser (prints, asserts nothing).

    make bench    (needs Debian's chromium)
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
CASES = [(1, ".sk-form .widget-toggle-buttons"), (3, ".sk-form .widget-dropdown select"), (6, "table.sk-iglo")]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        book = Path(tmp) / "example"
        shutil.copytree(ROOT / "data" / "example", book, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for number, selector in CASES:
            t0 = time.perf_counter()
            proc = subprocess.Popen([str(Path(sys.executable).parent / "stresskit"), "present", str(book), "--unit", "hum",
                                     "--notebook", str(number), "--no-browser"], stdout=subprocess.PIPE, text=True,
                                    start_new_session=True)
            try:
                line = proc.stdout.readline()
                url = re.search(r"http://\S+/", line).group(0)
                served = time.perf_counter() - t0
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(url)
                page.wait_for_selector(selector, timeout=120_000)
                ready = time.perf_counter() - t0
                page.close()
                print(f"notebook {number}: server answers after {served:.1f} s, interactive form after {ready:.1f} s")
            finally:
                proc.terminate()
                proc.wait()
        browser.close()


if __name__ == "__main__":
    main()
