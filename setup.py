"""The wheel carries the top-level notebooks/ (where users and the README find them) inside the
package, as stresskit/_notebooks/, so an installed stresskit finds them with importlib.resources
(see stresskit/notebooks.py). Everything else about the package is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "notebooks"
PACKAGED = "_notebooks"  # stresskit/notebooks.py PACKAGED: the folder's name inside the package


class BuildPyWithNotebooks(build_py):
    """build_py, plus the shipped notebooks copied into the built package. An editable install
    needs no copy: it runs from the checkout, where stresskit finds notebooks/ itself."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        books = sorted(SOURCE.glob("[0-9][0-9]_*.ipynb"))
        if not books:
            raise SystemExit(f"no notebooks in {SOURCE}: the wheel would have none")
        target = Path(self.build_lib) / "stresskit" / PACKAGED
        self.mkpath(str(target))
        for book in books:
            self.copy_file(str(book), str(target / book.name))


setup(cmdclass={"build_py": BuildPyWithNotebooks})
