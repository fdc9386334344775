"""Store appends: 8 threads issuing one command each through the Ledger, against raw INSERT+COMMIT."""

from __future__ import annotations

import os
import uuid

import psycopg

from bench.common import fresh_database, record, run_threads

THREADS = 8
STATE = os.urandom(300)


def raw_inserts(url: str, seconds: float) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE raw_events (originator_id uuid, originator_version bigint, topic text,"
            " state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )

    def work(i: int, going) -> int:
        n = 0
        with psycopg.connect(url) as conn:
            while going():
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO raw_events (originator_id, originator_version, topic, state)"
                        " VALUES (%s, 1, 'domain.needs:Need.NeedIdentified', %s)",
                        (uuid.uuid4(), STATE),
                    )
                n += 1
        return n

    return run_threads(THREADS, seconds, work)


def ledger_commands(url: str, seconds: float) -> float:
    from api.root.services import Services
    from api.root.settings import Settings
    from domain.needs import source

    svc = Services(Settings(database_url=url, signing_key_file="/tmp/bench-key.pem", pool_size=THREADS + 2))
    try:

        def work(i: int, going) -> int:
            n = 0
            while going():
                svc.ledger.identify_need(
                    state="KEN",
                    article=5 + n % 58,
                    ta_types=["legal-advice"],
                    description="bench need",
                    horizon="current",
                    priority="high",
                    source=source("self-assessment", "SA"),
                )
                n += 1
            return n

        return run_threads(THREADS, seconds, work)
    finally:
        svc.close()


def run(seconds: float) -> list[dict]:
    with fresh_database() as url:
        raw = raw_inserts(url, seconds)
    with fresh_database() as url:
        ours = ledger_commands(url, seconds)
    return [
        record(
            "store appends (8 threads)", ours, raw, "cmds/s", 1.0, "Ledger command vs raw 8-connection INSERT+COMMIT"
        )
    ]


if __name__ == "__main__":
    run(float(os.environ.get("BENCH_SECONDS", "10")))
