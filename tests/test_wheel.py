"""The built wheel works on its own: installed into a fresh virtual environment, `stresskit run`
started from another folder finds the notebooks, templates and content inside the package and
writes the reports to ./reports/<workbook name>/ there.

The wheel is built offline from a copy of the project (`pip wheel --no-build-isolation`, with the
test venv's setuptools). The fresh venv has no stresskit but the wheel: it sees the test venv's
other packages through a .pth line, which adds their folder without running their .pth files
(so an editable stresskit in the test venv stays out of it), and their data files (nbconvert's
templates) through JUPYTER_PATH, as a real install would have them under the venv's own prefix.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from stresskit.notebooks import PATTERN

from conftest import ROOT, copy_example

pytestmark = pytest.mark.slow

PROJECT_FILES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "stresskit", "notebooks"]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    # the borrowed packages' data files (nbconvert's templates) lie under the test venv's prefix
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(Path(sys.prefix) / "share" / "jupyter")]
        + ([os.environ["JUPYTER_PATH"]] if os.environ.get("JUPYTER_PATH") else [])
    )
    return env


def _run(cmd, cwd=None, timeout=600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A fresh venv with the built wheel installed; returns its bin/ folder."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in PROJECT_FILES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(path, source / name)
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", dist, source])
    wheel = next(dist.glob("stresskit-*.whl"))

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "test-venv-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel])
    return venv / "bin"


def test_the_wheel_carries_the_notebooks_and_imports_from_the_fresh_venv(fresh):
    where = _run(
        [
            fresh / "python",
            "-c",
            "import stresskit, stresskit.notebooks as n; "
            "print(stresskit.__file__); print(n.NOTEBOOKS); print(*[p.name for p in n.notebooks()])",
        ],
        cwd=fresh.parent,
    ).stdout.split("\n")
    venv = str(fresh.parent)
    assert where[0].startswith(venv) and where[1].startswith(venv) and where[1].endswith("stresskit/_notebooks"), where
    assert where[2].split() == sorted(p.name for p in (ROOT / "notebooks").glob(PATTERN))


def test_stresskit_run_from_another_folder_writes_to_reports_there(fresh, tmp_path):
    book = copy_example(tmp_path / "eksempel")
    here = tmp_path / "elsewhere"
    here.mkdir()
    _run([fresh / "stresskit", "answers", "import", book, book / "answers.yaml"], cwd=here)
    done = _run([fresh / "stresskit", "run", book, "--units", "hum,nat", "--notebooks", "1,3", "--jobs", "1"], cwd=here)
    out = here / "reports" / "eksempel"
    assert f"Oversigt: {out / 'index.html'}" in done.stdout
    for unit in ("hum", "nat"):
        for stem in ("01_apv", "03_paavirkninger"):
            html = (out / unit / f"{stem}.html").read_text(encoding="utf-8")
            assert "Content-Security-Policy" in html and "Traceback" not in html
    assert "Humaniora" in (out / "index.html").read_text(encoding="utf-8")
    site = fresh.parent / "lib"
    assert not list(site.rglob("reports")), "nothing is written beside the installed package"

    copied = _run(
        [fresh / "python", "-c", f"from stresskit.live import lab; print(*lab.prepare({str(book)!r}).written)"],
        cwd=here,
    )
    assert copied.stdout.split() == sorted(p.name for p in (ROOT / "notebooks").glob(PATTERN))  # stresskit lab's copies

    elsewhere = tmp_path / "ud"
    _run([fresh / "stresskit", "run", book, "--units", "hum", "--notebooks", "1", "--out", elsewhere], cwd=here)
    assert (elsewhere / "hum" / "01_apv.html").is_file()
