"""The shipped notebooks (one per recommendation, numbered 01–06) and which of them a command asks
for. Kept apart from `batch` so that `stresskit present` can find them without batch's imports.

This is the one place that knows where they are. In a checkout (and an editable install) they are
the project's top-level notebooks/; an installed wheel carries them inside the package as
stresskit/_notebooks/ (setup.py copies them there when the wheel is built), found with
importlib.resources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import UsageError

PACKAGED = "_notebooks"  # the folder inside the installed package (setup.py PACKAGED)
PATTERN = "[0-9][0-9]_*.ipynb"


def shipped() -> Path:
    """The folder of the notebooks this stresskit ships: the wheel's copy, else the checkout's."""
    inside = resources.files("stresskit") / PACKAGED
    if inside.is_dir():
        return Path(str(inside))
    return Path(__file__).resolve().parent.parent / "notebooks"


NOTEBOOKS = shipped()


def notebooks(numbers: list[int] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    found = sorted(Path(folder).glob(PATTERN))
    if numbers:
        have = {int(p.name[:2]) for p in found}
        missing = [n for n in numbers if n not in have]
        if missing:
            raise UsageError(
                f"notesbog nr. {', '.join(map(str, missing))} findes ikke; der er {', '.join(str(n) for n in sorted(have))}."
            )
        found = [p for p in found if int(p.name[:2]) in numbers]
    return found
