"""A test run neither reads nor writes the user's own Jupyter, JupyterLab, IPython or matplotlib
state: every folder those read from the home folder points inside the run's temporary folder
(conftest.py sets them), in this process and in the processes it starts."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ISOLATED, STATE

HOME = Path.home()
# What a used machine holds; a test that reads any of these behaves differently there.
REAL = [
    HOME / ".jupyter",
    HOME / ".local" / "share" / "jupyter",
    HOME / ".ipython",
    HOME / ".config" / "matplotlib",
    HOME / ".cache" / "matplotlib",
    HOME / ".config" / "jupyter",
    HOME / ".local" / "state" / "jupyter",
    HOME / ".matplotlib",
]


def inside(path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def real(path) -> bool:
    return any(inside(path, r) for r in REAL)


def test_every_state_folder_is_set_to_the_temporary_folder():
    for var in ISOLATED:
        assert inside(os.environ[var], STATE), var
    assert not real(STATE)


def test_jupyter_reads_and_writes_only_inside_the_temporary_folder():
    from jupyter_core import paths

    for own in (paths.jupyter_config_dir(), paths.jupyter_data_dir(), paths.jupyter_runtime_dir()):
        assert inside(own, STATE), own
    for searched in [*paths.jupyter_config_path(), *paths.jupyter_path()]:
        assert not real(searched), searched


def test_jupyterlab_settings_and_workspaces_are_inside_the_temporary_folder():
    from jupyterlab.commands import get_user_settings_dir, get_workspaces_dir

    assert inside(get_user_settings_dir(), STATE)
    assert inside(get_workspaces_dir(), STATE)


def test_ipython_and_matplotlib_are_inside_the_temporary_folder():
    import matplotlib
    from IPython.paths import get_ipython_dir

    assert inside(get_ipython_dir(), STATE)
    assert inside(matplotlib.get_configdir(), STATE)
    assert inside(matplotlib.get_cachedir(), STATE)


def test_a_started_process_sees_the_same_folders():
    """Kernels, Voilà and Lab run as child processes: they inherit the folders."""
    jupyter = Path(sys.executable).with_name("jupyter")
    run = subprocess.run([str(jupyter), "--paths", "--json"], capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(run.stdout)
    for kind in ("config", "data", "runtime"):
        assert found[kind] and not any(real(p) for p in found[kind]), (kind, found[kind])
    assert os.environ["JUPYTER_CONFIG_DIR"] in found["config"] and os.environ["JUPYTER_DATA_DIR"] in found["data"]
    assert found["runtime"] == [os.environ["JUPYTER_RUNTIME_DIR"]]
