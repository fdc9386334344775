"""Synthetic logs, their stored chains, exports and checkpoints, and ways to tamper with them."""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from projections.audit.chain import Chain, LogRecord, chain_hash, leaf_hash
from projections.audit.checkpoints import FIRST, Checkpoint, SigningKey
from projections.audit.log_format import export_lines

TOPICS = [
    "domain.needs:Need.Identified",
    "domain.needs:Need.Prioritised",
    "domain.programmes:Programme.CommitmentRecorded",
    "domain.organisations:Organisation.Registered",
    "domain.needs:Need.Révisée",  # a non-ASCII topic: lengths are UTF-8 bytes, not characters
]


def make_log(n: int, seed: int = 0) -> list[LogRecord]:
    """n records from position 2 in steps of 2 or 3: every record has a free position before it."""
    rng = random.Random(seed)
    streams = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(max(1, n // 3))]
    versions: dict[uuid.UUID, int] = {}
    records, position = [], 0
    for _ in range(n):
        position += rng.choice((2, 3))
        stream = rng.choice(streams)
        versions[stream] = versions.get(stream, 0) + 1
        state = json.dumps({"p": position, "x": rng.getrandbits(64)}).encode()
        records.append(LogRecord(position, stream, versions[stream], rng.choice(TOPICS), state))
    return records


def hashes(records: list[LogRecord]) -> list[tuple[bytes, bytes]]:
    chain = Chain()
    return [chain.append(r) for r in records]


def stored_chain(records: list[LogRecord]) -> list[tuple[int, str, str]]:
    """What the database keeps beside the events: (position, leaf hex, chain hex)."""
    return [(r.position, leaf.hex(), head.hex()) for r, (leaf, head) in zip(records, hashes(records), strict=True)]


def sign_every(records: list[LogRecord], key: SigningKey, every: int = 1) -> list[Checkpoint]:
    """A checkpoint after every `every`-th record and after the last one, each linked to the one before (v2)."""
    checkpoints: list[Checkpoint] = []
    for i, (record, (_, head)) in enumerate(zip(records, hashes(records), strict=True)):
        if (i + 1) % every == 0 or i == len(records) - 1:
            prev = (checkpoints[-1].position, checkpoints[-1].chain_hash) if checkpoints else FIRST
            checkpoints.append(key.sign(record.position, i + 1, head, prev=prev))
    return checkpoints


def export(
    original: list[LogRecord],
    tampered: list[LogRecord] | None = None,
    checkpoints: Sequence[Checkpoint] = (),
) -> list[dict[str, Any]]:
    """The export lines of `original`, then edited into `tampered` by someone without our key:
    edited lines keep the stored hashes of their position; a forged line gets hashes chained on
    the line before it, so it looks plausible on its own."""
    tampered = original if tampered is None else tampered
    stored = {r.position: (leaf, head) for r, (leaf, head) in zip(original, hashes(original), strict=True)}
    rows, previous = [], bytes(32)
    for record in tampered:
        if record.position in stored:
            leaf, head = stored[record.position]
        else:
            leaf = leaf_hash(record)
            head = chain_hash(previous, leaf)
        rows.append((record, leaf, head, {"type": record.topic.rpartition(".")[2]}))
        previous = head
    return [json.loads(line) for line in export_lines(rows, checkpoints)]


# ---------------------------------------------------------------- tampering (pure: new lists)


def altered(records: list[LogRecord], i: int) -> list[LogRecord]:
    """One byte of record i's stored state flipped."""
    state = bytearray(records[i].state)
    state[len(state) // 2] ^= 0x01
    return records[:i] + [replace(records[i], state=bytes(state))] + records[i + 1 :]


def deleted(records: list[LogRecord], i: int) -> list[LogRecord]:
    return records[:i] + records[i + 1 :]


def forged_before(records: list[LogRecord], i: int) -> LogRecord:
    return LogRecord(records[i].position - 1, uuid.uuid4(), 1, TOPICS[0], b'{"forged":true}')


def inserted(records: list[LogRecord], i: int) -> list[LogRecord]:
    """A forged record in the free position just before record i."""
    return records[:i] + [forged_before(records, i)] + records[i:]


def swapped_contents(records: list[LogRecord], i: int, j: int) -> list[LogRecord]:
    """Records i and j exchange everything but their positions (rows edited in place)."""
    out = list(records)
    out[i] = replace(records[j], position=records[i].position)
    out[j] = replace(records[i], position=records[j].position)
    return out


def swapped_order(records: list[LogRecord], i: int) -> list[LogRecord]:
    """Records i and i+1 exchange places in the sequence (lines of an export moved)."""
    out = list(records)
    out[i], out[i + 1] = out[i + 1], out[i]
    return out


def edit_state_b64(line: dict[str, Any]) -> dict[str, Any]:
    """An export line whose base64 state decodes to one byte different."""
    state = bytearray(base64.b64decode(line["state"]))
    state[0] ^= 0x01
    return {**line, "state": base64.b64encode(bytes(state)).decode()}
