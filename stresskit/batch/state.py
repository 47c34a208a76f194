"""What a batch knows about its runs: each (unit, notebook) run and the batch's summary, and the
state file OUT/.stresskit-state.json that lets a re-run skip what is unchanged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import danish
from .files import sha256, target, write_atomic

STATE = ".stresskit-state.json"


def seconds(value: float) -> str:
    """Seconds as Danish readers write them: 23,2 s."""
    return danish.decimal(value) + " s"


@dataclass
class Run:
    unit: str
    notebook: str
    status: str = "pending"  # ok | failed | unchanged
    reason: str = ""  # one Danish line when failed
    seconds: float = 0.0
    key: str = ""
    sha256: str = ""  # of the report written, when ok

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "unchanged")


@dataclass
class Summary:
    out: Path
    runs: list[Run] = field(default_factory=list)
    seconds: float = 0.0
    pdf_seconds: float | None = None  # per unit, when PDFs were made

    @property
    def failed(self) -> list[Run]:
        return [r for r in self.runs if r.status == "failed"]

    @property
    def skipped(self) -> list[Run]:
        return [r for r in self.runs if r.status == "unchanged"]

    @property
    def executed(self) -> list[Run]:
        return [r for r in self.runs if r.status in ("ok", "failed")]

    @property
    def index(self) -> Path:
        return self.out / "index.html"

    def report(self, run: Run) -> Path:
        return self.out / run.unit / f"{run.notebook}.html"

    def line(self) -> str:
        return (
            f"{len(self.executed)} kørt, {len(self.failed)} fejlede, {len(self.skipped)} sprunget over "
            f"(uændrede), på {seconds(self.seconds)}."
        )

    def failure_lines(self) -> list[str]:
        """The failed runs, one line each; a reason shared by more than three runs (one broken input
        fails every run alike) is said once."""
        reasons: dict[str, list[Run]] = {}
        for r in self.failed:
            reasons.setdefault(r.reason, []).append(r)
        lines = []
        for reason, runs in reasons.items():
            if len(runs) > 3:
                lines.append(f"FEJLEDE {len(runs)} kørsler: {reason}")
            else:
                lines += [f"FEJLEDE {r.unit} · {r.notebook}: {r.reason}" for r in runs]
        return lines

    def pdf_line(self) -> str:
        return f"PDF: rapport.pdf og overblik.pdf i hver enheds mappe ({seconds(self.pdf_seconds)} pr. enhed)."


def load_state(out: Path) -> dict:
    try:
        return json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(out: Path, state: dict) -> None:
    write_atomic(out / STATE, json.dumps(state, indent=1, sort_keys=True))


def unchanged(before: dict, key: str, out: Path, unit: str, stem: str) -> bool:
    """The last run of this (unit, notebook) succeeded with the same inputs and its report is
    byte for byte the one it wrote (not half-written, not edited, not missing)."""
    if before.get("status") != "ok" or before.get("key") != key or not before.get("sha256"):
        return False
    try:
        return sha256(target(out, unit, f"{stem}.html").read_bytes()) == before["sha256"]
    except OSError:
        return False
