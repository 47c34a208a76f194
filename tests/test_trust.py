"""Trust in what stresskit reads and keeps (issue 19): figures follow a file's content, not its
mtime; the institution-wide cache under the output folder can't be forged; the output folder
holds no absolute path and nothing computed from a raw survey file; report folders of units
that are gone are removed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from stresskit import apv
from stresskit.workbook import Workbook


# --- item 8: a long-lived kernel's memo follows the file's content -----------------------
def _same_size_other_answers(path: Path) -> None:
    """Swap every answer 1 and 5 in the file: the same bytes count, other figures."""
    raw = path.read_bytes()
    swapped = b"\n".join(
        b";".join({b"1": b"5", b"5": b"1"}.get(c, c) for c in line.split(b";")) for line in raw.split(b"\n")
    )
    assert len(swapped) == len(raw) and swapped != raw
    path.write_bytes(swapped)


def test_a_file_replaced_within_the_same_second_with_the_same_size_gives_new_figures(example):
    book = Workbook.open(example)
    path = example / "apv" / "2026.csv"
    before = apv.history(book)[-1].table["mean"].copy()
    stat = path.stat()
    _same_size_other_answers(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same mtime, to the nanosecond
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    after = apv.history(book)[-1].table["mean"]
    fresh = apv.aggregate(book, apv.load(book), apv.load(book).rounds[-1].name).table["mean"]
    assert not after.equals(before)
    assert after.equals(fresh)


# --- item 3: import bombs are refused before they are read ---------------------------------
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bombs  # noqa: E402  (benchmarks/bombs.py: the builders, shared with the benchmark)

SAYS = {
    "dimension.xlsx": "arket angiver, at det har 1.048.576 rækker; stresskit læser højst 250.000",
    "far.xlsx": "arket er større, end stresskit læser",
    "both.xlsx": "arket angiver, at det har 1.048.576 rækker",
    "zip.xlsx": "zip-bombe",
    "merged.xlsx": "flettede celler i tabellen",
    "laughs.xlsx": "XML-definitioner (DOCTYPE/ENTITY)",
    "laughs2.xlsx": "XML-definitioner (DOCTYPE/ENTITY)",
    "parts.xlsx": "regnearket består af 12.009 dele",
    "rows.csv": "filen har 300.001 rækker; stresskit læser højst 250.000",
    "wide.csv": "filen har 100.001 kolonner; stresskit læser højst 1.000",
    "size.csv": "filen fylder 2.000 MB; stresskit læser højst 50 MB",
}


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # entity declarations are refused, never expanded


def test_every_import_bomb_is_refused_in_danish_naming_the_file_in_under_5_s_and_300_mb(tmp_path):
    """Each bomb read in turn in one fresh process (its address space capped at 2 GB, so that a
    bomb that gets through fails the test instead of the machine); the process's peak memory,
    Python, pandas and openpyxl included, stays under 300 MB."""
    files = [build(tmp_path) for _name, build in bombs.bombs(small=True)]
    assert sorted(p.name for p in files) == sorted(SAYS)
    measured = bombs.measure(files, memory_limit=2_000_000_000, timeout=120)
    for row in measured:
        assert row["message"] and row["message"].startswith(f"apv/{row['file']}"), row
        assert SAYS[row["file"]] in row["message"], row
        assert "Traceback" not in row["message"] and "UNCAUGHT" not in row["message"]
        assert row["seconds"] < 5, row
    assert max(r["peak_mb"] for r in measured) < 300, measured


def test_validate_names_a_bomb_in_the_apv_folder_and_touches_nothing(example, capsys):
    from stresskit import cli

    mapping = example / "apv" / "mapping.yaml"
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace("file: 2026.csv", "file: 2026.xlsx"), encoding="utf-8"
    )
    (example / "apv" / "2026.csv").unlink()
    bombs.dimension_bomb(example / "apv" / "2026.xlsx")
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    code = cli.main(["validate", str(example)])
    text = capsys.readouterr()
    text = text.out + text.err
    assert code == 1 and "Traceback" not in text
    assert "apv/2026.xlsx, sheet1: arket angiver, at det har 1.048.576 rækker" in text
    assert {p: p.read_bytes() for p in example.rglob("*") if p.is_file()} == before


# --- items 6 and 10: what the output folder holds ------------------------------------------
import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402

import nbformat  # noqa: E402
import pytest  # noqa: E402

from stresskit import batch  # noqa: E402

from conftest import ROOT, copy_example  # noqa: E402

RUN_UNITS = ["fjordby", "hum", "kantine"]


def _notebooks(folder: Path) -> Path:
    """01_apv and a notebook whose error names a file in the workbook by its absolute path."""
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_apv.ipynb", folder)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('workbook = ""\nunit = ""\nmode = "live"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('open(workbook + "/mangler.txt")')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "02_kontrol.ipynb")
    return folder


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    base = tmp_path_factory.mktemp("trust")
    book = copy_example(base / "home" / "fie" / "arbejdsbog")
    books = _notebooks(base / "notebooks")
    out = base / "out"
    summary = batch.run(book, out, RUN_UNITS, jobs=1, folder=books)
    return book, books, out, summary


def _texts(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
    }


def test_no_absolute_path_and_no_hash_of_a_raw_file_is_in_the_output_folder(ran):
    book, books, out, summary = ran
    assert [r.status for r in summary.runs if r.notebook == "01_apv"] == ["ok"] * 3
    [failed] = {r.reason for r in summary.failed}  # the error names the missing file: by the workbook's name only
    assert failed == "Fejl i celle 3: FileNotFoundError: [Errno 2] No such file or directory: 'arbejdsbog/mangler.txt'"
    private = [str(book.resolve()), str(out.resolve()), str(books.resolve()), str(ROOT), sys.prefix, "/home/fie"]
    digests = set()
    for path in book.rglob("*"):
        if path.is_file() and path.name != batch.SECRET:
            data = path.read_bytes()
            digests |= {hashlib.new(kind, data).hexdigest() for kind in ("sha256", "sha1", "md5", "blake2b", "sha512")}
    texts = _texts(out)
    assert any(name.endswith(".ipynb") for name in texts) and batch.STATE in texts
    for name, text in texts.items():
        assert not [p for p in private if p in text], name
        assert not digests & set(re.findall(r"[0-9a-f]{32,128}", text)), name
    meta = nbformat.read(out / "hum" / "01_apv.ipynb", as_version=4).metadata
    assert (
        meta.papermill.parameters
        == meta.stresskit.parameters
        == {"workbook": "arbejdsbog", "unit": "hum", "mode": "report"}
    )
    assert "inputs" not in meta.stresskit


def test_a_forged_cache_entry_is_ignored_and_recomputed(ran):
    book, books, out, _summary = ran
    [cache] = (out / batch.CACHE).iterdir()
    honest = (out / "hum" / "01_apv.html").read_text(encoding="utf-8")
    data = json.loads(cache.read_text(encoding="utf-8"))  # plain JSON: nothing in it runs when loaded
    for forged_mac in (
        data.get("mac"),
        batch.signed(b"a guess at the secret" * 2, {k: v for k, v in data.items() if k != "mac"}),
    ):
        for rnd in data["apv"]:
            rnd["share"] = [0.999] * len(rnd["share"])
            rnd["mean"] = [99.0] * len(rnd["mean"])
        data["mac"] = forged_mac
        cache.write_text(json.dumps(data), encoding="utf-8")
        again = batch.run(book, out, ["hum"], numbers=[1], jobs=1, folder=books, force=True)
        assert [r.status for r in again.runs] == ["ok"]
        assert _without_images((out / "hum" / "01_apv.html").read_text(encoding="utf-8")) == _without_images(honest)
        [rewritten] = (out / batch.CACHE).iterdir()
        assert batch.verified_cache(
            rewritten, batch.institution_key(Workbook.open(book)), batch.secret(Workbook.open(book))
        )
        data = json.loads(rewritten.read_text(encoding="utf-8"))
        cache = rewritten


def _without_images(html: str) -> str:
    """A report's figures and words: without the charts' pixels and the cells' random ids."""
    return re.sub(r"cell-id=[0-9a-f-]+", "", re.sub(r"data:image/[^'\"]+", "", html))


def test_the_cache_key_covers_the_date_the_version_and_the_secret(example, monkeypatch):
    book = Workbook.open(example)
    key = batch.institution_key(book)
    monkeypatch.setenv("STRESSKIT_TODAY", "2031-01-02")
    later = batch.institution_key(book)
    monkeypatch.setattr(batch.keys, "__version__", "9.9.9")
    assert len({key, later, batch.institution_key(book), batch.institution_key(book, b"another secret" * 3)}) == 4
    assert (example / batch.SECRET).stat().st_mode & 0o077 == 0  # the secret: its owner's alone


def test_report_folders_of_units_that_are_gone_are_removed_and_nothing_else(ran):
    book, books, out, _summary = ran
    (out / "mine").mkdir()
    (out / "mine" / "noter.txt").write_text("mit eget", encoding="utf-8")
    (out / "hum" / "min-kommentar.txt").write_text("mit eget", encoding="utf-8")
    for name, old, new in (
        ("institution.yaml", "- id: kantine\n", "- id: kantinen\n"),
        ("signals.csv", "\nkantine;", "\nkantinen;"),
    ):
        text = (book / name).read_text(encoding="utf-8-sig")
        (book / name).write_text(text.replace(old, new), encoding="utf-8")
    yaml = (book / "institution.yaml").read_text(encoding="utf-8")
    (book / "institution.yaml").write_text(
        yaml.replace("- id: hum\n", "- id: humaniora\n").replace("parent: hum\n", "parent: humaniora\n"),
        encoding="utf-8",
    )
    (book / "signals.csv").write_text(
        (book / "signals.csv").read_text(encoding="utf-8").replace("\nhum;", "\nhumaniora;"), encoding="utf-8"
    )
    summary = batch.run(book, out, ["fjordby", "kantinen"], numbers=[1], jobs=1, folder=books)
    assert [r.status for r in summary.runs] == ["ok", "ok"], [r.reason for r in summary.runs]
    assert not (out / "kantine").exists()  # gone: only stresskit's files were in it
    assert sorted(p.name for p in (out / "hum").iterdir()) == ["min-kommentar.txt"]  # the user's own file stays
    assert (out / "mine" / "noter.txt").is_file() and (out / "kantinen" / "01_apv.html").is_file()
    state = json.loads((out / batch.STATE).read_text(encoding="utf-8"))
    assert not [k for k in state if k.startswith(("kantine/", "hum/"))]
    assert "Kantine" in (out / "index.html").read_text(encoding="utf-8")


def test_validate_and_run_refuse_a_huge_signals_file_quickly_and_in_little_memory(example, tmp_path):
    """signals.csv as a 2 GB (sparse) file: named in Danish by validate, and run fails every report
    with the fixed line, each in a process capped at 2 GB of address space, in seconds."""
    import resource
    import subprocess
    import time

    bombs.csv_size_bomb(example / "signals.csv", 2_000_000_000)

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (2_000_000_000, 2_000_000_000))

    for args, says in (
        (["validate", str(example)], "signals.csv: filen fylder 2.000 MB; stresskit læser højst 50 MB"),
        (
            ["run", str(example), "--out", str(tmp_path / "out"), "--units", "hum", "--notebooks", "1"],
            "Signalfilen har fejl – kør stresskit validate",
        ),
    ):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "stresskit.cli", *args], capture_output=True, text=True, timeout=120, preexec_fn=cap
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert says in done.stdout + done.stderr
        assert time.monotonic() - started < 30


def test_an_spss_file_declaring_millions_of_rows_is_refused_before_reading(tmp_path):
    """The SPSS header's case count (offset 80) says 10,000,000: refused from the header alone."""
    import struct

    import pandas as pd
    import pyreadstat

    from stresskit.apv import labels
    from stresskit.errors import InputError

    path = tmp_path / "2026.sav"
    pyreadstat.write_sav(pd.DataFrame({"Afdeling": ["Humaniora", "Naturvidenskab"], "q01": [3.0, 4.0]}), str(path))
    data = bytearray(path.read_bytes())
    assert data[:4] == b"$FL2" and struct.unpack_from("<i", data, 80)[0] == 2
    struct.pack_into("<i", data, 80, 10_000_000)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as refused:
        labels.read_sav(path, "apv/2026.sav")
    assert str(refused.value) == "apv/2026.sav: filen har 10.000.000 rækker; stresskit læser højst 250.000."
