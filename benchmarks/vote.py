"""A vote in a room, against `stresskit present` on 127.0.0.1: 40 phones open the vote page and
answer within 10 s (each at a random moment, as people pick up their phones), 10 of them then
change their answer, and the facilitator closes the vote. Prints the times the phones waited,
what the facilitator's status said, and what the store kept (asserts nothing; stops by itself).

    python benchmarks/vote.py [--phones 40] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stresskit.live import present  # noqa: E402

QUESTION = "paavirkning.arbejdsmaengde.afdaekning"
OPTIONS = ["1", "2", "3", "4", "5"]


def phone(
    base: str, code: str, at: float, start: float, value: str, waits: list, errors: list, change: str | None = None
) -> None:
    """One phone: wait for its moment, open the page, answer (and maybe change its answer)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    time.sleep(max(0.0, start + at - time.perf_counter()))
    steps = [(f"{base}s/{code}", None), (f"{base}s/{code}", {"svar": value})]
    if change:
        steps.append((f"{base}s/{code}", {"svar": change}))
    for url, form in steps:
        t = time.perf_counter()
        try:
            data = urllib.parse.urlencode(form).encode() if form else None
            with opener.open(url, data=data, timeout=30) as answer:
                body = answer.read().decode()
            if form and "Tak, dit svar er modtaget" not in body:
                errors.append("svaret blev ikke modtaget")
        except (urllib.error.URLError, OSError) as exc:
            errors.append(str(exc))
        waits.append(time.perf_counter() - t)


def api(server, action: str = "", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{server.base}stresskit/vote{'/' + action if action else ''}?token={server.token}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--phones", type=int, default=40)
    args.add_argument("--seconds", type=float, default=10.0)
    opts = args.parse_args()
    rng = random.Random(24)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "example"
        shutil.copytree(ROOT / "data" / "example", book, ignore=shutil.ignore_patterns("stresskit.sqlite*"))
        t0 = time.perf_counter()
        server = present.serve(book)  # with its kernels heating meanwhile, as in a room
        try:
            present.wait_until_up(server)
            print(f"server answers after {time.perf_counter() - t0:.1f} s (127.0.0.1, kernels heating meanwhile)")
            code = api(server, "open", {"unit": "hum", "question": QUESTION, "who": "Benchmark"})["code"]
            waits: list[float] = []
            errors: list[str] = []
            values = [rng.choice(OPTIONS) for _ in range(opts.phones)]
            changes = set(rng.sample(range(opts.phones), min(10, opts.phones)))
            start = time.perf_counter()
            threads = [
                threading.Thread(
                    target=phone,
                    args=(
                        server.base,
                        code,
                        rng.uniform(0, opts.seconds),
                        start,
                        values[n],
                        waits,
                        errors,
                        rng.choice(OPTIONS) if n in changes else None,
                    ),
                )
                for n in range(opts.phones)
            ]
            for t in threads:
                t.start()
            counts_seen = []
            while any(t.is_alive() for t in threads) and time.perf_counter() - start < opts.seconds + 60:
                counts_seen.append(api(server)["answered"])
                time.sleep(0.5)
            for t in threads:
                t.join(timeout=60)
            elapsed = time.perf_counter() - start
            before = api(server)["answered"]
            closed = api(server, "close", {})
            waits.sort()
            requests = len(waits)
            print(
                f"{opts.phones} phones within {opts.seconds:.0f} s: {requests} requests in {elapsed:.1f} s; "
                f"wait median {waits[requests // 2] * 1000:.0f} ms, 95th percentile "
                f"{waits[min(requests - 1, int(requests * 0.95))] * 1000:.0f} ms, slowest {waits[-1] * 1000:.0f} ms; "
                f"{len(errors)} errors{(' (' + errors[0] + ')') if errors else ''}"
            )
            print(
                f"facilitator's count while open rose to {max(counts_seen or [0])}; at closing {before} answered; "
                f"closed: {closed['answered']} answers, distribution "
                f"{ {r['id']: r['count'] for r in closed['result'] or []} }"
            )
            db = sqlite3.connect(book / "stresskit.sqlite")
            rows = db.execute("SELECT result FROM votes").fetchall()
            db.close()
            print(f"store: {len(rows)} row in votes: {rows[0][0] if rows else '-'}")
        finally:
            present.stop(server.proc)


if __name__ == "__main__":
    main()
