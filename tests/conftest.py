import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Keep Jupyter, IPython and matplotlib state out of the home folder and apart between runs.
_state = Path(tempfile.mkdtemp(prefix="stresskit-test-"))
for var in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
    os.environ[var] = str(_state / var.lower())
os.environ["STRESSKIT_USER"] = "Testbruger"

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "example"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def copy_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
    return target


@pytest.fixture
def example(tmp_path) -> Path:
    return copy_example(tmp_path / "example")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debians Chromium er ikke installeret (make test installerer den som root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
