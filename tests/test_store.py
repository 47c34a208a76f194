"""The store: append-only answers and actions, concurrent writers, and SIGKILL mid-save."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from stresskit import actions
from stresskit.store import Store

WRITER = """
import sys
from stresskit.store import Store
store = Store(sys.argv[1])
name = sys.argv[2]
for i in range(int(sys.argv[3])):
    store.save("hum", f"q.{name}", i, who=name)
    store.save_action("hum", {"measure": f"{name} {i}"}, action_id=f"{name}-a", who=name)
    print(i, flush=True)  # acknowledged: this value is committed
"""


def test_latest_wins_history_stays_and_restore(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        first = store.save("hum", "apv.fase.kortlaegning", "i_gang", who="Mette")
        store.save("hum", "apv.fase.kortlaegning", "gennemfoert", who="Jonas")
        store.save("nat", "apv.fase.kortlaegning", "ikke_startet", who="Ali")
        assert store.latest("hum")["apv.fase.kortlaegning"].value == "gennemfoert"
        assert [a.who for a in store.history("hum", "apv.fase.kortlaegning")] == ["Mette", "Jonas"]
        restored = store.restore(first.seq, who="Anne")
        assert store.latest("hum")["apv.fase.kortlaegning"].value == "i_gang"
        assert restored.note == f"gendannet fra svar nr. {first.seq}"
        assert len(store.history("hum")) == 3 and store.latest("nat")["apv.fase.kortlaegning"].who == "Ali"


def test_actions_are_versions_of_one_item(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        a = actions.save(store, actions.Action("hum", "Gennemgå fagfordelingen", "Uddannelseschef", "2026-12-01"))
        a.status = "i_gang"
        actions.save(store, a, who="Mette")
        current = actions.for_unit(store, "hum")
        assert len(current) == 1 and current[0].status == "i_gang" and current[0].who == "Mette"
        assert [v.data["status"] for v in store.action_history(a.id)] == ["planlagt", "i_gang"]
        assert actions.for_unit(store, "nat") == []


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "150"], stdout=subprocess.PIPE)
        for name in ("A", "B")
    ]
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    with Store(path) as store:
        assert len(store.history("hum", "q.A")) == 150 and len(store.history("hum", "q.B")) == 150
        assert store.latest("hum")["q.A"].value == 149


def test_sigkill_mid_save_keeps_every_acknowledged_answer(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    acknowledged = 0
    for round_ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"W{round_}", "100000"], stdout=subprocess.PIPE, text=True
        )
        seen = -1
        deadline = time.time() + 30
        wanted = 20 + round_ * 7  # kill at a different point each time
        while seen < wanted and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen = int(line)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert seen >= wanted, "the writer never got going"
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with Store(path) as store:
            values = [a.value for a in store.history("hum", f"q.W{round_}")]
            # every acknowledged save is there, in order, and nothing half-written
            assert values[: seen + 1] == list(range(seen + 1))
            assert values == list(range(len(values)))
            acknowledged += seen + 1
    with Store(path) as store:
        assert len(store.all_answers()) >= acknowledged
