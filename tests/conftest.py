import fcntl
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

# Keep Jupyter, JupyterLab, Voilà, IPython and matplotlib state out of the home folder and apart between
# runs (tests/test_isolation.py checks it): Jupyter's config (~/.jupyter, where Voilà and the servers read
# their config too), data (~/.local/share/jupyter: kernelspecs, nbextensions) and runtime folders, Lab's
# user settings and workspaces (~/.jupyter/lab/…), IPython's profile and matplotlib's config and font cache.
ISOLATED = (
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTERLAB_SETTINGS_DIR",
    "JUPYTERLAB_WORKSPACES_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
)
STATE = Path(tempfile.mkdtemp(prefix="stresskit-test-"))
for var in ISOLATED:
    os.environ[var] = str(STATE / var.lower())
# Extra search paths the user may have set would bring their ~/ folders back in; the platformdirs
# layout (~/.config/jupyter …) is not used while the folders above are set, but say so anyway.
for var in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
    os.environ.pop(var, None)
os.environ["JUPYTER_PLATFORM_DIRS"] = "0"
os.environ["STRESSKIT_USER"] = "Testbruger"

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "example"
CHROMIUM = "/usr/bin/chromium"
from stresskit.batch import pdf  # noqa: E402  (after the folders above are set)

CHROMIUM_ARGS = pdf.ARGS  # the flags stresskit prints PDFs with


def copy_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
    return target


@pytest.fixture
def example(tmp_path) -> Path:
    return copy_example(tmp_path / "example")


EXAMPLE_TODAY = "2026-11-21"  # the day the example's reports are dated (its deadlines fall either side)


@pytest.fixture(scope="session")
def example_batch(tmp_path_factory):
    """The example institution with its workshop answers imported and `stresskit run` done for every
    unit and notebook (as `make demo` does), dated EXAMPLE_TODAY: built once per test session and
    shared by the pytest-xdist workers, the first builds it under a lock and the others wait and reuse it.
    READ ONLY: a test that changes the workbook, the store or the reports makes its own copy.

    Gives (workbook folder, batch.Summary); the reports are in summary.out."""
    from stresskit import answers, batch
    from stresskit.workbook import Workbook

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's root, shared by every worker
    root = base / "example-batch"
    done = root / "summary.pickle"
    with open(base / "example-batch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed half-way is started again
            folder = copy_example(root / "example")
            today = os.environ.get("STRESSKIT_TODAY")
            os.environ["STRESSKIT_TODAY"] = EXAMPLE_TODAY
            try:
                answers.import_(Workbook.open(folder), folder / "answers.yaml")
                summary = batch.run(folder, root / "reports", jobs=2)
            finally:
                if today is None:
                    os.environ.pop("STRESSKIT_TODAY")
                else:
                    os.environ["STRESSKIT_TODAY"] = today
            done.write_bytes(pickle.dumps((folder, summary)))
        folder, summary = pickle.loads(done.read_bytes())
    # `stresskit run` would exit 0 (it exits 1 when a run failed)
    assert not summary.failed, [(r.unit, r.notebook, r.reason) for r in summary.failed]
    return folder, summary


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debians Chromium er ikke installeret (make test installerer den som root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


ARTIFACTS = ROOT / "reports" / "test-screenshots"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    """A 1280×720 page; on failure its screenshot is saved under reports/test-screenshots/."""
    p = browser.new_page(viewport={"width": 1280, "height": 720})
    yield p
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}.png"
        try:
            p.screenshot(path=str(path), full_page=True)
            print(f"skærmbillede gemt: {path}")
        except Exception:
            pass
    p.close()


class _PlainDumper(yaml.SafeDumper):
    """YAML as a person writes it: every value spelled out, no &anchors or *aliases (which
    stresskit refuses in user files)."""

    def ignore_aliases(self, data):
        return True


def plain_yaml(data, **options) -> str:
    options.setdefault("allow_unicode", True)
    return yaml.dump(data, Dumper=_PlainDumper, **options)


# `make test-fast` leaves these out (-m "not browser and not slow"): the edit–test loop.
# slow: a real batch, many notebooks, a wheel or a long random search (seconds to minutes each,
# measured with --durations); browser: Chromium drives a page.
SLOW_MODULES = {
    "test_pdf",
    "test_scale",
    "test_faults",
    "test_wheel",
    "test_batch",
    "test_trust",
    "test_xss",
    "test_measures",
    "test_jupyter_way",
    "test_exports",
    "test_presets",
}
SLOW_TESTS = {
    "test_random_trees_leak_nothing",
    "test_random_institutions_leak_nothing_across_measures",
    "test_a_group_where_everyone_is_exposed_to_violence_is_never_given_away",
    "test_small_groups_are_never_shown_and_reasons_are_true",
    "test_the_index_of_4000_units_stays_under_2_mb",  # 4,000 units' index page: 8 s on its own (load 3.5)
}
BROWSER_FIXTURES = {"browser", "page"}
SLOW_FIXTURES = {"example_batch", "server"}  # the shared batch; a live Voilà server


# `make test` runs the test files on two processes, a file at a time (--dist loadfile --no-loadscope-reorder):
# the longest files first, so that neither process is left with a long file at the end, and the shared
# batch's first users apart from each other, so that one process builds it while the other works on.
# Seconds per file (its first test's start to its last test's end), rounded, from `make test` on the loaded
# 2-core machine (2026-12-07, load 6–10): only their order matters. The files not named are short.
FILE_SECONDS = {
    "test_live": 180,
    "test_faults": 170,
    "test_reports": 150,  # builds the shared example batch (about 70 s) unless another file did
    "test_lab": 130,
    "test_scale": 125,
    "test_jupyter_way": 80,
    "test_batch": 75,
    "test_xss": 60,
    "test_anonymity": 60,
    "test_wheel": 55,
    "test_vote": 40,
    "test_pdf": 30,
    "test_imports": 30,
    "test_trust": 30,
    "test_overblik": 20,
    "test_measures": 20,
    "test_presets": 20,
}


def pytest_collection_modifyitems(config, items):
    # a stable sort: within a file the order stays as collected
    items.sort(key=lambda item: -FILE_SECONDS.get(item.module.__name__, 0))
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if item.module.__name__ in SLOW_MODULES or item.originalname in SLOW_TESTS or fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
