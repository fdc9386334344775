"""Query time, server memory and as_of cost at a small and a large history, in the same run.

Targets (DESIGN §11): each view query at the large history within 1.5x its time at the small one;
server RSS within 1.5x; as_of cost bounded by the events since the nearest snapshot.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import httpx
import psycopg

from bench.common import KEY_FILE, fresh_database, record, serve
from bench.generate import generate

ROOT = Path(__file__).resolve().parents[1]
# List views answer a page at a time: the first page of 100, full at both sizes, so the two
# answers are the same size and only the history behind them differs.
VIEWS = [
    "unmet-needs?limit=100",
    "funding-gaps?group_by=region",
    "provider-overlap?limit=100",
    "priority-areas?group_by=article",
    "programme-monitoring?limit=100",
]
PAGES = ["/"]  # the dashboard: every panel over the reader's needs


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def measure(url: str, port: int) -> dict[str, float]:
    proc = serve(url, port)
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
            for path in [f"/v1/views/{v}" for v in VIEWS] + PAGES:
                if path in PAGES:
                    out["rss_kb"] = rss_kb(proc.pid)  # after the views, before the dashboard
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    assert http.get(path).status_code == 200
                    times.append(time.perf_counter() - started)
                out[path] = statistics.median(times)
            # as_of 500 events past the newest snapshot (or the start)
            head = http.get("/readyz").json()["head"]
            with psycopg.connect(url) as conn:
                snapshot = conn.execute("SELECT MAX(position) FROM view_snapshots").fetchone()[0] or 0
            position = min(head, snapshot + 500)
            started = time.perf_counter()
            assert http.get("/v1/views/unmet-needs", params={"as_of": position, "limit": 100}).status_code == 200
            out["as_of"] = time.perf_counter() - started
            out["rss_all_kb"] = rss_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    return out


def run(small: int, large: int) -> list[dict]:
    from api.root.services import Services
    from api.root.settings import Settings

    results = {}
    for size, port in ((small, 8921), (large, 8922)):
        with fresh_database() as url:
            svc = Services(Settings(database_url=url, signing_key_file=KEY_FILE))
            try:
                generate(svc.ledger, size)
                svc.runner.catch_up()
            finally:
                svc.close()
            results[size] = measure(url, port)
    rows = []
    for path in [f"/v1/views/{v}" for v in VIEWS] + PAGES:
        # ratio as "small time / large time": >= 1/1.5 means within 1.5x
        name = "dashboard /" if path == "/" else f"query {path.split('/')[-1].split('?')[0]}"
        rows.append(
            record(
                name,
                results[small][path] * 1000,
                results[large][path] * 1000,
                "ms (small/large)",
                1 / 1.5,
                f"{small} vs {large} events: {results[small][path] * 1000:.1f} ms vs "
                f"{results[large][path] * 1000:.1f} ms",
            )
        )
    rows.append(
        record(
            "server RSS",
            results[small]["rss_kb"],
            results[large]["rss_kb"],
            "kB (small/large)",
            1 / 1.5,
            "after answering every view, five times each",
        )
    )
    rows.append(
        record(
            "server RSS incl. dashboard, as_of",
            results[small]["rss_all_kb"],
            results[large]["rss_all_kb"],
            "kB (small/large)",
            1 / 1.5,
            "after the dashboard and an as_of read too: both fold every need row",
        )
    )
    rows.append(
        record(
            "as_of near head",
            results[small]["as_of"] * 1000,
            results[large]["as_of"] * 1000,
            "ms (small/large)",
            1 / 1.5,
            "unmet-needs 500 events past the newest snapshot",
        )
    )
    return rows


if __name__ == "__main__":
    run(int(os.environ.get("BENCH_SMALL", "10000")), int(os.environ.get("BENCH_LARGE", "100000")))
