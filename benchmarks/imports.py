"""Answers import benchmark: prints figures, asserts nothing.

A generated answers export of 90,000 answers and 4,500 action versions (about 15 MB, near the cap):
1. parsing it with PyYAML's C loader alone, with stresskit's checked reader (yamlfile: the
   event pass for aliases, tags and depth, then the C loader with plain tags), and with the
   pure-Python loader for comparison;
2. the whole import (read, check every entry against the guide, store in one transaction).

    .venv/bin/python benchmarks/imports.py
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stresskit import answers, guide, yamlfile  # noqa: E402
from stresskit.workbook import Workbook  # noqa: E402

ANSWERS, ACTIONS = 90_000, 4_500


def make_export(book: Workbook, path: Path) -> None:
    questions = [q for q in guide.default().questions.values() if q.kind in ("choice", "text", "number", "check")]
    units = sorted(book.units)
    samples = {
        "choice": lambda q: q.options[0][0],
        "text": lambda q: "Et svar med æøå og lidt mere tekst.",
        "number": lambda q: 12.5,
        "check": lambda q: True,
    }
    rows = []
    for i in range(ANSWERS):
        q = questions[i % len(questions)]
        rows.append(
            {
                "unit": units[i % len(units)],
                "question": q.id,
                "value": samples[q.kind](q),
                "who": "Mette (AMR)",
                "at": f"2026-10-{1 + i % 28:02d}T09:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z",
            }
        )
    acts = [
        {
            "id": f"a{i:08d}",
            "unit": units[i % len(units)],
            "who": "Mette",
            "at": "2026-10-08T09:00:00.000000Z",
            "data": {
                "measure": "Et tiltag",
                "responsible": "AMR",
                "deadline": "2026-11-15",
                "status": "planlagt",
                "priority": "middel",
                "level": "gruppe",
                "phase": "forebyggelse",
            },
        }
        for i in range(ACTIONS)
    ]
    path.write_text(
        yaml.safe_dump({"answers": rows, "actions": acts}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def timed(label: str, call) -> None:
    started = time.perf_counter()
    call()
    print(f"{label:<44} {time.perf_counter() - started:6.2f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "book"
        shutil.copytree(ROOT / "data" / "example", folder, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
        book = Workbook.open(folder)
        path = folder / "export.yaml"
        make_export(book, path)
        text = path.read_text(encoding="utf-8")
        print(
            f"{ANSWERS:,} answers, {ACTIONS:,} action versions: {path.stat().st_size / 1e6:.1f} MB "
            f"(cap {yamlfile.MAX_BYTES / 2**20:.0f} MiB)"
        )
        timed("PyYAML C loader alone", lambda: yaml.load(text, Loader=yaml.CSafeLoader))
        timed("stresskit checked reader (C)", lambda: yamlfile.read(path, path.name, ""))
        timed("PyYAML pure-Python safe loader", lambda: yaml.load(text, Loader=yaml.SafeLoader))
        timed("whole import (read, check, store)", lambda: answers.import_(book, path))
        print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
