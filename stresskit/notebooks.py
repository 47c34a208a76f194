"""The shipped notebooks (one per recommendation, numbered 01–06) and which of them a command asks
for. Kept apart from `batch` so that `stresskit present` can find them without batch's imports."""
from __future__ import annotations

from pathlib import Path

from .errors import UsageError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebooks(numbers: list[int] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    found = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if numbers:
        have = {int(p.name[:2]) for p in found}
        missing = [n for n in numbers if n not in have]
        if missing:
            raise UsageError(f"notesbog nr. {', '.join(map(str, missing))} findes ikke; der er {', '.join(str(n) for n in sorted(have))}.")
        found = [p for p in found if int(p.name[:2]) in numbers]
    return found
