"""View snapshots: the entity documents at a position, so `as_of` folds from the nearest one, not from
the start of the log. A snapshot is the documents' [kind, id, doc] entries as JSON, compressed."""

from __future__ import annotations

import json
import zlib
from typing import Any

from projections.db import Tx
from projections.store.writes import compact_json


def write_snapshot(tx: Tx, position: int, created_at: str) -> None:
    rows = tx.execute("SELECT kind, id, doc FROM ledger_entities ORDER BY kind, id").fetchall()
    insert_snapshot(tx, position, created_at, _blob([[r["kind"], r["id"], r["doc"]] for r in rows]))


def snapshot_blob(docs: dict[str, dict[str, Any]]) -> bytes:
    return _blob([[kind, key, compact_json(doc)] for kind in sorted(docs) for key, doc in sorted(docs[kind].items())])


def _blob(entries: list[list[str]]) -> bytes:
    return zlib.compress(json.dumps(entries).encode(), 6)


def insert_snapshot(tx: Tx, position: int, created_at: str, blob: bytes) -> None:
    tx.execute(
        "INSERT INTO view_snapshots (position, created_at, state) VALUES (?, ?, ?) ON CONFLICT (position) DO NOTHING",
        (position, created_at, blob),
    )


def last_snapshot_position(tx: Tx) -> int:
    return int(tx.scalar("SELECT MAX(position) FROM view_snapshots") or 0)


def nearest_snapshot(tx: Tx, position: int) -> tuple[int, list[list[str]]] | None:
    row = tx.execute(
        "SELECT position, state FROM view_snapshots WHERE position <= ? ORDER BY position DESC LIMIT 1", (position,)
    ).fetchone()
    if row is None:
        return None
    return int(row["position"]), json.loads(zlib.decompress(bytes(row["state"])))
