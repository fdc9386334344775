"""View snapshots: the entity documents at a position, so `as_of` folds from the nearest one, not from
the start of the log. A snapshot is the documents' [kind, id, doc] entries as JSON, compressed."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import orjson

from projections.db import Tx
from projections.fast_decode import long_digits
from projections.store.writes import compact_json


def write_snapshot(tx: Tx, position: int, created_at: str) -> None:
    rows = tx.execute("SELECT kind, id, doc FROM ledger_entities ORDER BY kind, id").fetchall()
    insert_snapshot(tx, position, created_at, _blob([[r["kind"], r["id"], r["doc"]] for r in rows]))


def snapshot_blob(docs: dict[str, dict[str, Any]]) -> bytes:
    return _blob([[kind, key, compact_json(doc)] for kind in sorted(docs) for key, doc in sorted(docs[kind].items())])


class Snapshotter:
    """Snapshots of an in-memory fold (a rebuild), in the same format as `snapshot_blob`, for less.

    Each document is encoded once per change, not once per snapshot: `take` re-encodes only the documents put since the
    one before (the fold's `put` is the one way a document changes, as for the durable store's `SqlState`), joins every
    entry in (kind, id) order, and compresses in a worker thread (zlib lets go of the GIL) while the fold goes on.
    Documents are encoded with orjson: the text may differ from `compact_json`'s (non-ASCII characters unescaped), the
    JSON values never (`as_of` reads each document with `json.loads`).
    """

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, bytes]] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-zlib")

    def take(self, docs: dict[str, dict[str, Any]], changed: Iterable[tuple[str, str]]) -> Future[bytes]:
        """The compressed snapshot of `docs`, where only the documents `changed` differ from the last one taken."""
        for kind, key in changed:
            self.entries.setdefault(kind, {})[key] = _entry(kind, key, docs[kind][key])
        text = b"[" + b",".join(e for k in sorted(self.entries) for _, e in sorted(self.entries[k].items())) + b"]"
        return self.worker.submit(zlib.compress, text, 6)

    def close(self) -> None:
        self.worker.shutdown(wait=True)


def _entry(kind: str, key: str, doc: dict[str, Any]) -> bytes:
    """One snapshot entry, [kind, id, the document's JSON text]."""
    try:
        text = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS).decode()
        return orjson.dumps([kind, key, text])
    except (TypeError, orjson.JSONEncodeError):  # what orjson will not write (integers past 64 bits): as json writes it
        return json.dumps([kind, key, compact_json(doc)]).encode()


def _blob(entries: list[list[str]]) -> bytes:
    return zlib.compress(json.dumps(entries).encode(), 6)


def insert_snapshot(tx: Tx, position: int, created_at: str, blob: bytes) -> None:
    tx.execute(
        "INSERT INTO view_snapshots (position, created_at, state) VALUES (?, ?, ?) ON CONFLICT (position) DO NOTHING",
        (position, created_at, blob),
    )


def last_snapshot_position(tx: Tx) -> int:
    return int(tx.scalar("SELECT MAX(position) FROM view_snapshots") or 0)


def nearest_snapshot(tx: Tx, position: int) -> tuple[int, list[tuple[str, str, dict[str, Any]]]] | None:
    """The newest snapshot at or before `position`: its position and its (kind, id, document) entries, decoded."""
    row = tx.execute(
        "SELECT position, state FROM view_snapshots WHERE position <= ? ORDER BY position DESC LIMIT 1", (position,)
    ).fetchone()
    if row is None:
        return None
    return int(row["position"]), decode_entries(zlib.decompress(bytes(row["state"])))


def decode_entries(text: bytes) -> list[tuple[str, str, dict[str, Any]]]:
    """A snapshot's entries, each document decoded to the values `json.loads` gives, with orjson where that is so."""
    if long_digits(text):
        return [(kind, key, json.loads(doc)) for kind, key, doc in json.loads(text)]
    entries = _orjson_or_json(text)
    try:
        return [(kind, key, orjson.loads(doc)) for kind, key, doc in entries]
    except orjson.JSONDecodeError:  # some document orjson refuses: each of them as json reads it
        return [(kind, key, _orjson_or_json(doc)) for kind, key, doc in entries]


def _orjson_or_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses and json takes (NaN, Infinity, 1e400)
        return json.loads(text)
