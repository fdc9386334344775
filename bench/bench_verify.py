"""Benchmark `ledger verify`'s core against raw SHA-256 over the same bytes (DESIGN 11: >= 0.5x).

Builds synthetic records (~300-byte states, 24 topics, gaps in positions), then times in CPU
seconds (the machine is shared), alternating the two sides round by round:
- raw: hashlib.sha256(leaf input).digest() once per record, over the exact bytes each leaf hashes;
- verify: verify_log against the stored chain (hex, as the database keeps it): the byte layout,
  both hashes and both comparisons per record.
For context: verify without stored hashes; raw SHA-256 of every byte verification hashes (leaf
and 65-byte chain input per record); all leaf inputs hashed in one call (SHA-256 throughput
with no per-call cost); Chain.append; verify_log over parsed export lines and over the file.

Then `ledger verify`'s own path over a database holding the same records, their stored chain and a
signed checkpoint every 1,000 records (SQLite; PostgreSQL too with --postgres URL, a server where a
database may be created and dropped): verify_store opened read-only as the CLI opens it, by the
walk alone (workers=0) and in pages on worker processes (workers=None: one per core), in wall
time against raw SHA-256 per record in wall time, alternating, median of 3 with the spread.

    .venv/bin/python bench/bench_verify.py [N] [--postgres URL] [--store-only]
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from projections.audit.chain import Chain, LogRecord, leaf_input  # noqa: E402
from projections.audit.log_format import export_lines, read_jsonl_log  # noqa: E402
from projections.audit.verify import verify_log  # noqa: E402

ROUNDS = 5


def synthetic(n: int, seed: int = 7) -> list[LogRecord]:
    rng = random.Random(seed)
    events = ("Identified", "Revised", "Linked", "Recorded", "Prioritised", "Published")
    topics = [f"domain.{m}:{a}.{e}" for m in ("needs", "programmes") for a in ("Need", "Programme") for e in events]
    streams = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(max(1, n // 40))]
    versions: dict[uuid.UUID, int] = {}
    records, position = [], 0
    for _ in range(n):
        position += 1 if rng.random() > 0.01 else 2  # an occasional gap, as a rolled-back insert
        stream = rng.choice(streams)
        versions[stream] = versions.get(stream, 0) + 1
        body = {
            "actor": "focal-point@example.org",
            "reason": None,
            "article": rng.randint(5, 62),
            "description": "x" * rng.randint(150, 210),
            "request_id": uuid.uuid4().hex,
        }
        state = json.dumps(body, separators=(",", ":")).encode()
        records.append(LogRecord(position, stream, versions[stream], rng.choice(topics), state))
    return records


def timed(fn) -> float:
    """CPU seconds of this process: steadier than wall time on a shared machine."""
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def interleaved(a, b, rounds: int = ROUNDS) -> tuple[float, float, float]:
    """Best times of a and b, run alternately (the machine is shared), and the median ratio."""
    times_a, times_b, ratios = [], [], []
    for _ in range(rounds):
        times_a.append(timed(a))
        times_b.append(timed(b))
        ratios.append(times_a[-1] / times_b[-1])
    return min(times_a), min(times_b), statistics.median(ratios)


def wall_ratio(a, b, rounds: int = 3) -> float:
    """Median ratio of wall times, a / b, run alternately: for the run that uses other processes."""
    ratios = []
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        a()
        middle = time.perf_counter()
        b()
        ratios.append((middle - started) / (time.perf_counter() - middle))
    return statistics.median(ratios)


def wall(fn) -> float:
    gc.collect()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (verify's workers, once their pool shut down)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def signed_every(records: list[LogRecord], hashes: list[tuple[bytes, bytes]], every: int = 1000) -> list:
    from projections.audit.checkpoints import FIRST, SigningKey

    key, out, prev = SigningKey.generate(), [], FIRST
    for i, (r, (_, head)) in enumerate(zip(records, hashes, strict=True)):
        if (i + 1) % every == 0 or i == len(records) - 1:
            out.append(key.sign(r.position, i + 1, head, prev=prev))
            prev = (r.position, head.hex())
    return [key, *out]


def fill(connect, dialect: str, table: str, records, hashes, signed) -> None:
    """The events table (the library's columns), the stored chain and the checkpoints, written in bulk."""
    from projections.audit.projection import LINK_COLUMNS, TABLES

    key_id_ = signed[0].key_id
    events = [
        (r.position, r.stream_id.hex if dialect == "sqlite" else r.stream_id, r.version, r.topic, r.state)
        for r in records
    ]
    chain = [
        (r.position, r.stream_id.hex, r.version, r.topic, "2026-01-01T00:00:00+00:00", None, leaf.hex(), head.hex())
        for r, (leaf, head) in zip(records, hashes, strict=True)
    ]
    checkpoints = [
        (c.position, c.count, c.chain_hash, c.time, c.signature, key_id_, c.prev_position, c.prev_chain_hash)
        for c in signed[1:]
    ]
    mark = "?" if dialect == "sqlite" else "%s"
    with connect() as conn:
        if dialect == "sqlite":
            conn.execute(
                f"CREATE TABLE {table} (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB,"
                " PRIMARY KEY (originator_id, originator_version))"
            )
            insert = f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)"
        else:
            conn.execute(
                f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text,"
                " state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
            )
            conn.execute(f"CREATE UNIQUE INDEX {table}_notification_id_idx ON {table} (notification_id ASC)")
            insert = (
                f"INSERT INTO {table} (notification_id, originator_id, originator_version, topic, state)"
                " VALUES (%s,%s,%s,%s,%s)"
            )
        for statement in TABLES:
            conn.execute(statement)
        for name, kind in LINK_COLUMNS.items():
            conn.execute(f"ALTER TABLE audit_checkpoints ADD COLUMN {name} {kind}")
        cursor = conn.cursor()
        cursor.executemany(insert, events)
        cursor.executemany(f"INSERT INTO audit_log VALUES ({','.join([mark] * 8)})", chain)
        cursor.executemany(
            "INSERT INTO audit_checkpoints (position, count, chain_hash, time, signature, key_id, prev_position,"
            f" prev_chain_hash) VALUES ({','.join([mark] * 8)})",
            checkpoints,
        )
        conn.commit()


def store_rows(records, hashes, postgres: str | None) -> None:
    """verify_store on each store, by the walk alone and in pages on workers, against raw SHA-256 (wall time)."""
    import sqlite3

    from projections.audit.readonly import open_readonly
    from projections.audit.verify_store import verify_store

    n = len(records)
    inputs = [leaf_input(r) for r in records]
    signed = signed_every(records, hashes)
    public = signed[0].public_key_pem()
    sha256 = hashlib.sha256

    def raw() -> None:
        for b in inputs:
            sha256(b).digest()

    def measure(label: str, url: str, table: str) -> None:
        db = open_readonly(url, table)
        try:

            def run(workers):
                def go() -> None:
                    found = verify_store(db, table, public, workers=workers)
                    assert found.result.ok and found.result.count == n, found.result

                return go

            walk_r, paged_r, raw_t, walk_t, paged_t, cpu = [], [], [], [], [], {"raw": [], "walk": [], "pages": []}
            for _ in range(3):
                for name, fn, times in (("raw", raw, raw_t), ("walk", run(0), walk_t), ("pages", run(None), paged_t)):
                    before = cpu_seconds()
                    times.append(wall(fn))
                    cpu[name].append(cpu_seconds() - before)
                walk_r.append(raw_t[-1] / walk_t[-1])
                paged_r.append(raw_t[-1] / paged_t[-1])
        finally:
            db.close()
        raw_s, walk_s, paged_s = (statistics.median(t) for t in (raw_t, walk_t, paged_t))
        print(
            f"verify store ({label}): walk {n / walk_s:,.0f} records/s, ratio {statistics.median(walk_r):.2f} "
            f"({min(walk_r):.2f}-{max(walk_r):.2f}); pages on {os.cpu_count()} cores {n / paged_s:,.0f} records/s, "
            f"ratio {statistics.median(paged_r):.2f} ({min(paged_r):.2f}-{max(paged_r):.2f}); "
            f"raw sha256 {n / raw_s:,.0f} records/s (wall, median of 3)"
        )
        us = {name: statistics.median(t) / n * 1e6 for name, t in cpu.items()}
        cores = os.cpu_count() or 1
        print(
            f"  CPU per record, this process and its workers (median of 3): raw {us['raw']:.2f} us, walk "
            f"{us['walk']:.2f} us, pages {us['pages']:.2f} us; on {cores} idle cores the pages would take "
            f"{us['pages'] / cores:.2f} us a record (ratio {us['raw'] * cores / us['pages']:.2f})"
        )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.db"
        fill(lambda: sqlite3.connect(path), "sqlite", "stored_events", records, hashes, signed)
        measure("SQLite", f"sqlite:///{path}", "stored_events")
    if postgres:
        import psycopg

        name = f"bench_verify_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{postgres.rpartition('/')[0]}/{name}"
        try:
            fill(lambda: psycopg.connect(url), "postgres", "ledger_events", records, hashes, signed)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
            measure("PostgreSQL", url, "ledger_events")
        finally:
            with psycopg.connect(postgres, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    args = sys.argv[1:]
    postgres = args[args.index("--postgres") + 1] if "--postgres" in args else None
    store_only = "--store-only" in args
    numbers = [a for a in args if a.isdigit()]
    n = int(numbers[0]) if numbers else 200_000
    records = synthetic(n)
    if store_only:
        chain = Chain()
        store_rows(records, [chain.append(r) for r in records], postgres)
        return
    inputs = [leaf_input(r) for r in records]
    chain = Chain()
    hashes = [chain.append(r) for r in records]
    pairs = list(zip(records, hashes, strict=True))
    stored = [(r.position, leaf.hex(), head.hex()) for r, (leaf, head) in pairs]
    chain_inputs = [b"\x01" + bytes(32) + leaf for _, (leaf, _) in pairs]  # same size as the real
    blob = b"".join(inputs)
    mean = len(blob) / n
    print(f"{n} records, mean leaf input {mean:.0f} bytes, {len(blob) / 1e6:.1f} MB")
    sha256 = hashlib.sha256

    def raw() -> None:
        for b in inputs:
            sha256(b).digest()

    def raw_both() -> None:
        for b, c in zip(inputs, chain_inputs, strict=True):
            sha256(b).digest()
            sha256(c).digest()

    def verify() -> None:
        assert verify_log(records, expected=stored).ok

    def recompute() -> None:
        assert verify_log(records).ok

    def append_only() -> None:
        c = Chain()
        for r in records:
            c.append(r)

    raw_s, verify_s, ratio = interleaved(raw, verify)
    print(
        f"verify: {n / verify_s:,.0f} records/s, raw sha256 {n / raw_s:,.0f} records/s, "
        f"ratio {ratio:.2f} (target >= 0.5)"
    )
    print(
        "  verify = verify_log against the stored chain (hex), leaf and chain compared per "
        "record;\n  raw = hashlib.sha256(leaf input).digest() per record; CPU time, median "
        f"ratio of {ROUNDS} alternating rounds"
    )
    wall = wall_ratio(raw, lambda: verify_log(records, expected=stored, workers=None))
    print(f"  wall time with worker processes for the leaves (verify_log workers=None): ratio {wall:.2f}")
    _, recompute_s, recompute_ratio = interleaved(raw, recompute, rounds=3)
    print(f"  recompute only (no stored hashes): {n / recompute_s:,.0f} records/s, ratio {recompute_ratio:.2f}")
    both_s, _, both_ratio = interleaved(raw_both, verify, rounds=3)
    print(
        f"  raw sha256 of every byte verify hashes (leaf + 65-byte chain input per record): "
        f"{n / both_s:,.0f} records/s, verify ratio {both_ratio:.2f}"
    )
    bulk_s = min(timed(lambda: sha256(blob).digest()) for _ in range(3))
    mb_s = len(blob) / bulk_s / 1e6
    print(
        f"  raw sha256 of all leaf inputs in one call: {n / bulk_s:,.0f} records/s "
        f"({mb_s:.0f} MB/s), verify ratio {bulk_s / verify_s:.2f}"
    )
    print(f"  Chain.append: {n / timed(append_only):,.0f} records/s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        rows = ((r, leaf, head, None) for r, (leaf, head) in pairs)
        with open(path, "w", encoding="utf-8") as out:
            out.writelines(export_lines(rows))
        lines = list(read_jsonl_log(path))
        dicts_s = timed(lambda: verify_log(lines))
        file_s = timed(lambda: verify_log(read_jsonl_log(path)))
        size = os.path.getsize(path)
    print(
        f"  verify parsed export lines: {n / dicts_s:,.0f} records/s; from the JSON Lines "
        f"file ({size / 1e6:.0f} MB): {n / file_s:,.0f} records/s"
    )
    store_rows(records, hashes, postgres)


if __name__ == "__main__":
    main()
