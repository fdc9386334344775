"""Query time, server memory and as_of cost at a small and a large history, in the same run.

Targets (DESIGN §11): each view query at the large history within 1.5x its time at the small one;
server RSS within 1.5x; as_of cost bounded by the events since the nearest snapshot.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

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
# Reads of a few milliseconds on a shared machine: each path is read WARM_UP times untimed, then the median of TIMED
# reads is its time (with 5 reads and no warm-up, one ratio swung from 0.45 to 1.07 between runs on the same data)
WARM_UP, TIMED = 3, 15


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def ready(http: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http.get("/readyz").json().get("lag", 1) == 0:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def timed_get(http: httpx.Client, path: str, **params: Any) -> float:
    started = time.perf_counter()
    assert http.get(path, params=params).status_code == 200
    return time.perf_counter() - started


def measure(urls: list[str], ports: list[int]) -> list[dict[str, float]]:
    """Each history's server, both running at once: every timed read alternates between them, so the machine's
    moments of load fall on both sizes alike and the ratio compares like with like."""
    procs = [serve(url, port) for url, port in zip(urls, ports, strict=True)]
    outs: list[dict[str, float]] = [{} for _ in urls]
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) for port in ports]
    try:
        for http in clients:
            ready(http)
        for path in [f"/v1/views/{v}" for v in VIEWS] + PAGES:
            if path in PAGES:  # after the views, before the dashboard
                for out, proc in zip(outs, procs, strict=True):
                    out["rss_kb"] = rss_kb(proc.pid)
            for http in clients:  # first reads compile templates and fill caches, at both sizes alike
                for _ in range(WARM_UP):
                    timed_get(http, path)
            times: list[list[float]] = [[] for _ in clients]
            for _ in range(TIMED):
                for i, http in enumerate(clients):
                    times[i].append(timed_get(http, path))
            for out, found in zip(outs, times, strict=True):
                out[path] = statistics.median(found)
        for out, http, url, proc in zip(outs, clients, urls, procs, strict=True):
            # as_of 500 events past the newest snapshot (or the start), once: its first read folds (later ones of the
            # same position are kept, LEDGER_AS_OF_CACHE)
            head = http.get("/readyz").json()["head"]
            with psycopg.connect(url) as conn:
                newest = conn.execute("SELECT MAX(position) FROM view_snapshots").fetchone()
            snapshot = (newest[0] if newest else None) or 0
            position = min(head, snapshot + 500)
            out["as_of"] = timed_get(http, "/v1/views/unmet-needs", as_of=position, limit=100)
            out["rss_all_kb"] = rss_kb(proc.pid)
    finally:
        for http in clients:
            http.close()
        for proc in procs:
            proc.terminate()
            proc.wait()
    return outs


def run(small: int, large: int) -> list[dict]:
    from api.root.services import Services
    from api.root.settings import Settings

    sizes = (small, large)
    with fresh_database() as small_url, fresh_database() as large_url:
        for size, url in zip(sizes, (small_url, large_url), strict=True):
            svc = Services(Settings(database_url=url, signing_key_file=KEY_FILE))
            try:
                generate(svc.ledger, size)
                svc.runner.catch_up()
            finally:
                svc.close()
        results = dict(zip(sizes, measure([small_url, large_url], [8921, 8922]), strict=True))
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
            f"after answering every view, {WARM_UP + TIMED} times each",
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
