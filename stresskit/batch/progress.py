"""A running batch as `stresskit run` shows it: on a terminal a bar that counts whole units (with
tqdm's rate and time left) and names each failure as it happens; without one, a log line per run."""

from __future__ import annotations

import sys

from .state import Run


class Progress:
    """Called with each Run as it finishes (see command.run's `progress`); close() when done."""

    def __init__(self, units: int, per_unit: int):
        self.units, self.per_unit = units, per_unit
        self.bar = None
        self.left: dict[str, int] = {}  # notebooks not yet done per unit: the bar counts whole units

    def __call__(self, r: Run) -> None:
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm

                # units per second and the time left, from the units done so far (tqdm's rate and ETA)
                self.bar = tqdm(
                    desc="Enheder",
                    unit=" enheder",
                    total=self.units,
                    smoothing=0.1,
                    dynamic_ncols=True,
                    bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                    "[{elapsed} brugt, {remaining} tilbage, {rate_noinv_fmt}]",
                )
            self.left[r.unit] = self.left.get(r.unit, self.per_unit) - 1
            if self.left[r.unit] == 0:
                self.bar.update(1)
            if r.status == "failed":
                self.bar.write(f"FEJLEDE {r.unit} · {r.notebook}: {r.reason}")
        elif r.status != "unchanged":  # quiet log lines without a terminal
            print(
                f"{'ok' if r.ok else 'FEJLEDE'} {r.unit} · {r.notebook} ({r.seconds:.1f} s){'  ' + r.reason if r.reason else ''}",
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
