"""as_of at a large history: where one read's time goes, and a first and a second read through the server.

    python -m bench.as_of phases URL           # in process: each phase the old way and the new, median of 3
    python -m bench.as_of server URL ROOT...   # a server from each source tree ROOT: first and second read, RSS

URL names a PostgreSQL database a history was generated into (bench/generate.py, then the runner caught up, as
bench/scaling.py does). The position read is 500 events past the newest snapshot, as in bench/scaling.py.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import zlib
from typing import Any

import httpx
import psycopg

from bench.common import KEY_FILE, serve, wait_listening
from bench.scaling import rss_kb
from projections import fast_decode


def position_of(url: str, past_snapshot: int = 500) -> int:
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT (SELECT MAX(position) FROM view_snapshots), (SELECT MAX(notification_id) FROM ledger_events)"
        ).fetchone()
    assert found is not None
    snapshot, events = found[0] or 0, found[1]
    return int(min(events, snapshot + past_snapshot))


def phases(url: str) -> dict[str, list[float]]:
    """Each phase of one as_of read the old way and the new, three times, and the whole read both ways."""
    from api.root.services import Services
    from api.root.settings import Settings

    svc = Services(Settings(database_url=url, signing_key_file=KEY_FILE))
    svc.runner.stop()
    out: dict[str, list[float]] = {}
    try:
        for _ in range(3):
            one_round(svc, position_of(url), out)
    finally:
        svc.close()
    return out


def one_round(svc: Any, position: int, out: dict[str, list[float]]) -> None:
    from projections import model, query, rows
    from projections.store import snapshots

    def timed(name: str, work: Any) -> Any:
        started = time.perf_counter()
        value = work()
        out.setdefault(name, []).append(time.perf_counter() - started)
        return value

    with svc.db.transaction(commit=False) as tx:
        row = timed("snapshot read", lambda: tx.execute(SNAPSHOT, (position,)).fetchone())
    text = timed("snapshot unzip", lambda: zlib.decompress(bytes(row["state"])))
    start = int(row["position"])
    old = timed("decode old (json)", lambda: [(k, i, json.loads(d)) for k, i, d in json.loads(text)])
    new = timed("decode new (orjson)", lambda: snapshots.decode_entries(text))
    with fast_decode.collector_paused():
        timed("decode new (orjson, collector off)", lambda: snapshots.decode_entries(text))
    assert old == new
    del old

    def fold(events: Any) -> model.MemoryState:
        state = model.MemoryState()
        for k, i, d in new:
            state.put(k, i, d)
        model.fold(events, state)
        return state

    state_old = timed("fold old (mapper)", lambda: fold(mapped(svc, start, position)))
    state = timed("fold new (fast_decode)", lambda: fold(query.events_between(svc.ledger, start, position, 5000)))
    assert state_old.docs == state.docs
    del state_old
    derived = timed("derive rows (collector on)", lambda: rows.derive(state, {model.EVERYTHING}, svc.currency))
    with fast_decode.collector_paused():
        timed("derive rows (collector off)", lambda: rows.derive(state, {model.EVERYTHING}, svc.currency))
    folded = query.FoldedRows(state, svc.currency)
    assert (folded._needs, folded._programmes) == derived
    timed("view (unmet-needs page)", lambda: folded.open_page(query.Scope(), None, 100))

    def whole_old() -> Any:  # FoldedRows.of as it was: json, the library's mapper, the collector on
        state = model.MemoryState()
        with svc.db.transaction(commit=False) as tx:
            found = tx.execute(SNAPSHOT, (position,)).fetchone()
        for k, i, d in json.loads(zlib.decompress(bytes(found["state"]))):
            state.put(k, i, json.loads(d))
        model.fold(mapped(svc, int(found["position"]), position), state)
        return query.FoldedRows(state, svc.currency)

    old_rows = timed("whole old (as before)", whole_old)
    new_rows = timed(
        "whole new (FoldedRows.of)", lambda: query.FoldedRows.of(svc.ledger, position, svc.currency, db=svc.db)
    )
    assert (old_rows._needs, old_rows._programmes) == (new_rows._needs, new_rows._programmes)


SNAPSHOT = "SELECT position, state FROM view_snapshots WHERE position <= ? ORDER BY position DESC LIMIT 1"


def mapped(svc: Any, start: int, position: int) -> Any:
    """The events after `start` up to `position` through the library's mapper, as FoldedRows.of read them before."""
    found = svc.ledger.recorder.select_notifications(
        start=start, limit=position - start, stop=position, inclusive_of_start=False
    )
    return ((n.id, svc.ledger.mapper.to_domain_event(n)) for n in found)


def server(url: str, root: str, port: int, reads: int = 3) -> dict[str, Any]:
    proc = serve(url, port, root, PYTHONPATH=root)
    first: list[float] = []
    second: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_listening(base, lambda: proc.poll() is None, 120)
        position = position_of(url)
        with httpx.Client(base_url=base, timeout=600) as http:
            rss_before = rss_kb(proc.pid)
            for i in range(reads):  # a different position each time: each first read is a first read
                params = {"as_of": position - i, "limit": 100}
                for times in (first, second):
                    started = time.perf_counter()
                    assert http.get("/v1/views/unmet-needs", params=params).status_code == 200
                    times.append(time.perf_counter() - started)
            rss_after = rss_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    return {"first": first, "second": second, "rss_before_kb": rss_before, "rss_after_kb": rss_after}


def spread(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms ({min(times) * 1000:.0f}-{max(times) * 1000:.0f})"


if __name__ == "__main__":
    if sys.argv[1] == "phases":
        for name, times in phases(sys.argv[2]).items():
            print(f"{name:30s} {spread(times)}", flush=True)
    else:
        for n, root in enumerate(sys.argv[3:]):
            found = server(sys.argv[2], root, 8930 + n)
            print(
                root,
                "first",
                spread(found["first"]),
                "second",
                spread(found["second"]),
                "rss kB",
                found["rss_before_kb"],
                "->",
                found["rss_after_kb"],
                flush=True,
            )
