"""Rebuild of all views from position 0, against a raw read + JSON decode of the same events table."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import psycopg

from bench.common import fresh_database, record
from bench.generate import generate


def raw_read_decode(url: str, table: str) -> float:
    with psycopg.connect(url) as conn, conn.cursor(name="raw") as cur:
        cur.itersize = 5000
        started = time.perf_counter()
        cur.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM {table}"
            " ORDER BY notification_id"
        )
        n = 0
        for row in cur:
            json.loads(row[4])
            n += 1
    return n / (time.perf_counter() - started)


def run(events: int, repeats: int = int(os.environ.get("BENCH_REPEATS", "3"))) -> list[dict]:
    """Raw read + decode and the rebuild, alternately (the machine may be shared), `repeats` times each on the same
    log: the median rates, and the median of the per-pair ratios with their spread in the note."""
    from api.root.services import Services
    from api.root.settings import Settings

    with fresh_database() as url:
        svc = Services(Settings(database_url=url, signing_key_file=Path("/tmp/bench-key.pem")))
        try:
            n = generate(svc.ledger, events)
            raws, ours, ratios = [], [], []
            for _ in range(repeats):
                raws.append(raw_read_decode(url, svc.events_table))
                started = time.perf_counter()
                svc.runner.rebuild(svc.views)
                ours.append(n / (time.perf_counter() - started))
                ratios.append(ours[-1] / raws[-1])
            started = time.perf_counter()
            svc.runner.catch_up()  # the audit chain and any live batches: for context
            live = n / (time.perf_counter() - started)
        finally:
            svc.close()
    spread = f"ratio median of {repeats} {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"
    return [
        record(
            "rebuild all views",
            statistics.median(ours),
            statistics.median(raws),
            "events/s",
            0.5,
            f"{n} events; {spread}; live catch-up incl. audit chain {live:.0f}/s",
        )
    ]


if __name__ == "__main__":
    run(int(os.environ.get("BENCH_EVENTS", "20000")))
