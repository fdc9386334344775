"""Query time, server memory and as_of cost at a small and a large history, in the same run.

Targets (DESIGN §11): each view query at the large history within 1.5x its time at the small one;
server RSS within 1.5x; as_of cost bounded by the events since the nearest snapshot.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import fresh_database, record
from bench.generate import generate

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ["unmet-needs", "funding-gaps?group_by=region", "provider-overlap", "priority-areas?by=chapter",
         "programme-monitoring"]


def rss_kb(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def measure(url: str, port: int) -> dict[str, float]:
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_SIGNING_KEY_FILE": "/tmp/bench-key.pem",
           "LEDGER_DEMO_MODE": "true", "LEDGER_LOG_FORMAT": "json"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, float] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if http.get("/readyz").json().get("lag", 1) == 0:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            for view in VIEWS:
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    assert http.get(f"/v1/views/{view}").status_code == 200
                    times.append(time.perf_counter() - started)
                out[view] = statistics.median(times)
            # as_of 500 events past the nearest snapshot (or the start): the cost should not grow
            # with the history before it.
            head = http.get("/readyz").json()["head"]
            every = 10_000
            position = min(head, (head // every) * every + 500) if head > every + 500 else min(head, 500)
            started = time.perf_counter()
            http.get("/v1/views/unmet-needs", params={"as_of": position})
            out["as_of"] = time.perf_counter() - started
            out["rss_kb"] = rss_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    return out


def run(small: int, large: int) -> list[dict]:
    from api.services import Services
    from api.settings import Settings

    results = {}
    for size, port in ((small, 8921), (large, 8922)):
        with fresh_database() as url:
            svc = Services(Settings(database_url=url, signing_key_file="/tmp/bench-key.pem"))
            try:
                generate(svc.ledger, size)
                svc.runner.catch_up()
            finally:
                svc.close()
            results[size] = measure(url, port)
    rows = []
    for view in VIEWS:
        # ratio as "small time / large time": >= 1/1.5 means within 1.5x
        rows.append(record(f"query {view.split('?')[0]}", results[small][view] * 1000,
                           results[large][view] * 1000, "ms (small/large)", 1 / 1.5,
                           f"{small} vs {large} events: {results[small][view]*1000:.1f} ms vs "
                           f"{results[large][view]*1000:.1f} ms"))
    rows.append(record("server RSS", results[small]["rss_kb"], results[large]["rss_kb"], "kB (small/large)",
                       1 / 1.5, "after answering every view"))
    rows.append(record("as_of near head", results[small]["as_of"] * 1000, results[large]["as_of"] * 1000,
                       "ms (small/large)", 1 / 1.5, "500 events past the nearest snapshot"))
    return rows


if __name__ == "__main__":
    run(int(os.environ.get("BENCH_SMALL", "10000")), int(os.environ.get("BENCH_LARGE", "100000")))
