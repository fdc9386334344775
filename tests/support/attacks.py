"""The attack table's ledger and its attacks (docs/auditors.md, "Attacks and what detects them").

One small ledger per store is built once (`EVENTS` needs, a checkpoint every `EVERY` records: the runner chains in
batches of `BATCH`, so one cadence is EVERY + BATCH records) and each attack runs on a copy of it (`copy_of`): the
SQLite file copied, the PostgreSQL database cloned with CREATE DATABASE … TEMPLATE. The attacks on an exported file
are pure edits of its lines; those on a live store are here and in tests/support/tamper.py.
"""

from __future__ import annotations

import base64
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

from api.root.services import Services
from api.root.settings import Settings
from projections.audit.chain import Chain
from projections.audit.checkpoints import FIRST, SigningKey
from projections.audit.log_format import record_from_json
from tests.support import tamper
from tests.support.stores import PG_URL, RUN_ID, drop_postgres_database, postgres_url

EVENTS = 60
EVERY = 10  # LEDGER_CHECKPOINT_EVERY_EVENTS
BATCH = 5  # LEDGER_RUNNER_BATCH_SIZE: the runner signs at most once per batch, so this is the count slack
SECONDS = 86_400.0  # LEDGER_CHECKPOINT_EVERY_SECONDS: a day, so no test outlives the time cadence
AMOUNT = b'"decimal_str","_data_":"'  # where a need's estimated cost begins in its stored state
Line = dict[str, Any]


def cadence(settings: Settings) -> Settings:
    """These settings, at the attack ledger's cadence (verify judges the checkpoints by it)."""
    update = {"checkpoint_every_events": EVERY, "checkpoint_every_seconds": SECONDS, "runner_batch_size": BATCH}
    return settings.model_copy(update=update)


def amount_offset(state: bytes) -> int:
    """The offset of the first digit of the estimated cost in a need's stored state: flipping its lowest bit turns
    1019 into 0019, a plausible edit (the event still decodes, so a restore of it would go through)."""
    return state.index(AMOUNT) + len(AMOUNT)


def settle(settings: Settings) -> None:
    """Merge a closed SQLite store's write-ahead log into its file, so a copy of the file is the whole store."""
    if not settings.is_postgres:
        with sqlite3.connect(settings.sqlite_path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def copy_of(settings: Settings, directory: Path) -> Iterator[Settings]:
    """A copy of the closed, settled store `settings` names, with the same key file; a PostgreSQL copy is dropped
    after (its name is this run's, so the session's end drops it even after a crash)."""
    if not settings.is_postgres:
        target = directory / f"copy-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(settings.sqlite_path, target)
        yield settings.model_copy(update={"database_url": f"sqlite:///{target}"})
        return
    name, source = f"ltest_{RUN_ID}_{uuid.uuid4().hex[:10]}", urlparse(settings.database_url).path.lstrip("/")
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield settings.model_copy(update={"database_url": postgres_url(name)})
    finally:
        drop_postgres_database(name)


# ---------------------------------------------------------------- a live store (see also tests/support/tamper.py)


def alter_amount(svc: Services, position: int) -> tamper.Undo:
    """The need at `position` given another estimated cost in the events table (`amount_offset`)."""
    return tamper.alter_byte(svc, position, amount_offset(tamper.row(svc, position)["state"]))


def cut_records(svc: Services, position: int) -> None:
    """The store cut from `position` on: the events and the chain beside them deleted, the checkpoints left."""
    with tamper.writable(svc) as (tx, table, pos):
        tx.execute(f"DELETE FROM {table} WHERE {pos} >= ?", (position,))
        tx.execute("DELETE FROM audit_log WHERE position >= ?", (position,))


# ---------------------------------------------------------------- an exported file's lines (pure: new lists)


def events_of(lines: list[Line]) -> list[int]:
    return [line["position"] for line in lines if line.get("kind") == "event"]


def checkpoints_of(lines: list[Line]) -> list[int]:
    return [line["position"] for line in lines if line.get("kind") == "checkpoint"]


def _index(lines: list[Line], position: int, kind: str = "event") -> int:
    return next(i for i, line in enumerate(lines) if line.get("kind") == kind and line["position"] == position)


def altered_line(lines: list[Line], position: int) -> list[Line]:
    """The need at `position` with another estimated cost (`amount_offset`); its stored hashes kept."""
    i, out = _index(lines, position), list(lines)
    state = bytearray(base64.b64decode(lines[i]["state"]))
    state[amount_offset(bytes(state))] ^= 0x01
    out[i] = {**lines[i], "state": base64.b64encode(bytes(state)).decode()}
    return out


def deleted_line(lines: list[Line], position: int) -> list[Line]:
    return [line for i, line in enumerate(lines) if i != _index(lines, position)]


def inserted_line(lines: list[Line], position: int) -> list[Line]:
    """A forged event at `position`, its hashes chained plausibly on the event before it; the events from there on
    move up one position (their stored hashes kept), the checkpoint lines stay as they were."""
    chain, out = Chain(), []
    for line in lines:
        if line.get("kind") == "event" and line["position"] == position:
            forged = {**line, "stream_id": str(uuid.uuid4()), "version": 1, "state": "eyJmb3JnZWQiOnRydWV9"}
            leaf, head = chain.append(record_from_json(forged))
            out.append({**forged, "leaf_hash": leaf.hex(), "chain_hash": head.hex()})
        if line.get("kind") == "event":
            if line["position"] >= position:
                line = {**line, "position": line["position"] + 1}
            else:
                chain.append(record_from_json(line))
        out.append(line)
    return out


def exchanged_lines(lines: list[Line], position: int) -> list[Line]:
    """The event lines at `position` and the next one exchanged (the log reordered)."""
    i = _index(lines, position)
    j = _index(lines, events_of(lines)[events_of(lines).index(position) + 1])
    out = list(lines)
    out[i], out[j] = lines[j], lines[i]
    return out


def recomputed(lines: list[Line], position: int) -> list[Line]:
    """The event at `position` altered and every leaf and chain hash recomputed with the public recipe; the
    checkpoint lines left as they were (whoever did it has no key)."""
    chain, out = Chain(), []
    for line in altered_line(lines, position):
        if line.get("kind") == "event":
            leaf, head = chain.append(record_from_json(line))
            line = {**line, "leaf_hash": leaf.hex(), "chain_hash": head.hex()}
        out.append(line)
    return out


def resigned(lines: list[Line], key: SigningKey) -> list[Line]:
    """Every checkpoint line signed again with `key` over the chain the event lines now hold, each linked to the
    one before it as the ledger links them, with its original time and count."""
    chain, prev, out = Chain(), FIRST, []
    for line in lines:
        if line.get("kind") == "event":
            chain.append(record_from_json(line))
        elif line.get("kind") == "checkpoint":
            line = key.sign(line["position"], line["count"], chain.head_hex, line["time"], prev).to_dict()
            prev = (line["position"], line["chain_hash"])
        out.append(line)
    return out


def without_checkpoints(lines: list[Line], positions: list[int] | None = None) -> list[Line]:
    """The checkpoint lines at `positions` removed, or every one."""
    gone = set(checkpoints_of(lines) if positions is None else positions)
    return [line for line in lines if not (line.get("kind") == "checkpoint" and line["position"] in gone)]


def cut_after(lines: list[Line], position: int) -> list[Line]:
    """The file ends at `position`: every event and checkpoint line after it cut."""
    return [line for line in lines if line.get("kind") == "header" or line["position"] <= position]
