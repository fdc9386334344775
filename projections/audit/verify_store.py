"""`ledger verify`'s two sources, each read once, with what its verdict needs besides the `VerifyResult`: the
checkpoints met, the first record after each of them with its recorded time (for the cadence), and the unsigned
ranges a restore accepted (docs/audit-verify.md, "Verifying the database" and "Verdicts and exit codes").

`verify_store` reads the database: it recomputes the chain over the events table and compares it with the chain
the audit projection stored and with every signed checkpoint. Read-only (give it a `ReadOnlyDatabase`): it neither
catches the chain up nor repairs anything; events past the stored chain (the projection lags) are recomputed but
have no stored hash to compare with yet. `verify_export` reads an exported log.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from projections.audit import projection as audit
from projections.audit import verify_pages
from projections.audit.accepted import Range, accepted_ranges, watching
from projections.audit.backup import lines_of
from projections.audit.chain import LogRecord
from projections.audit.checkpoints import Checkpoint, SigningKey
from projections.audit.log_format import read_jsonl_log
from projections.audit.store import (
    UnreadableRecord,
    chained_head,
    checkpoints,
    events_head,
    first_records,
    read_chain,
    read_events,
)
from projections.audit.verdict import distinct
from projections.audit.verify import verify_log
from projections.audit.verify_result import ProvenPage, VerifyResult
from projections.db import Database

Tick = Callable[[int], None]


@dataclass(frozen=True)
class StoreVerification:
    result: VerifyResult
    events_head: int  # the last event position when verification began
    chained_head: int  # the last position the audit projection had chained
    checkpoints: list[Checkpoint]  # stored and given, one per position, oldest first
    trigger: str | None  # PostgreSQL's append-only trigger: enabled, disabled or missing
    first_records: dict[int, tuple[int, Any]]  # checkpoint position (0: genesis) -> first record after, its time
    accepted: list[Range]  # unsigned ranges a restore accepted

    @property
    def unchained(self) -> int:
        return max(0, self.events_head - self.chained_head)


@dataclass(frozen=True)
class FileVerification:
    result: VerifyResult
    checkpoints: list[Checkpoint]  # in the file and given, one per position, oldest first
    first_records: dict[int, tuple[int, Any]]  # from the lines' `recorded_at` (metadata: not hashed)
    accepted: list[Range]


def unsealed_after(db: Database, signing_key: SigningKey, after: int, upto: int) -> int | None:
    """The first chained record in (`after`, `upto`] without a valid seal (docs/seals.md): a row written behind the
    application's back. Only the ledger's own key can tell (the seal key derives from it); None when all are sealed
    or the ledger keeps no seals. Verify asks after the last checkpoint only: the checkpointer never signs past an
    unsealed record, so before it the signatures prove what the seals would."""
    from projections.audit.seals import Sealer, check_seals, seal_key

    with db.transaction(commit=False) as tx:
        if tx.dialect == "sqlite":
            found = tx.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_seals'")
        else:
            found = tx.scalar("SELECT to_regclass('event_seals') IS NOT NULL")
        if not found:
            return None
        return check_seals(tx, Sealer(seal_key(signing_key)), after, upto)


def verify_store(
    db: Database,
    events_table: str,
    public_keys: Any,
    given: Iterable[Checkpoint] = (),
    on_page: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> StoreVerification:
    """Verify every event up to the head seen at the start; checkpoints against `public_keys` (None: unchecked).
    The stored chain of a large log is checked a page at a time by `workers` processes (verify_pages; None: one per
    core when the log is large, 0: none), the walk reading on from the first page that is not proven."""
    with db.transaction(commit=False) as tx:
        # the checkpoints first: each signs a chain the heads read after it still reach (on PostgreSQL each statement
        # may see a later state), so a stored checkpoint past both heads means records were cut from the end
        stored = checkpoints(tx)
        head, chained = events_head(tx, events_table), chained_head(tx)
        until = max(head, chained)  # a chain longer than the log means records were removed
        trigger = audit.trigger_state(tx, events_table)
    # the auditor's own checkpoints first: at an equal position, theirs is judged before ours
    every = sorted([*given, *stored], key=lambda c: c.position)
    unreadable: list[int] = []
    proven: list[ProvenPage] = []
    after = 0
    if (n := verify_pages.workers_for(chained, workers)) and (source := verify_pages.source_of(db, events_table)):
        ranges = verify_pages.pages(min(chained, until), n)
        proven, after = verify_pages.prove(source, ranges, [c.position for c in every], n, on_page)

    def records() -> Iterator[LogRecord]:
        try:
            yield from read_events(db, events_table, until, on_page, after)
        except UnreadableRecord as e:
            unreadable.append(e.position)
            raise

    result = verify_log(records(), every, public_keys, read_chain(db, until, after), proven=proven)
    if not result.ok and result.first_bad_position is None and unreadable:
        at = unreadable[0]  # verify_log cannot tell which row its source choked on; we can
        result = replace(result, first_bad_position=at, suspect_from=at)
    unique = distinct(every)
    with db.transaction(commit=False) as tx:
        first = first_records(tx, [0, *(c.position for c in unique)])
    accepted = accepted_ranges(db, events_table, until=until)
    return StoreVerification(result, head, chained, unique, trigger, dict(first), accepted)


class _FirstRecords:
    """Passes an export's objects through, noting the first event after genesis, after each checkpoint line and
    after each given position: its position and `recorded_at`. One comparison per event line."""

    def __init__(self, positions: Iterable[int]) -> None:
        self.waiting = sorted({0, *positions})
        self.found: dict[int, tuple[int, Any]] = {}

    def __call__(self, objects: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        waiting, found = self.waiting, self.found
        for obj in objects:
            kind = obj.get("kind", "event")
            if kind == "event":
                position = obj.get("position")
                if waiting and type(position) is int and waiting[0] < position:
                    while waiting and waiting[0] < position:
                        found[heapq.heappop(waiting)] = (position, obj.get("recorded_at"))
            elif kind == "checkpoint" and type(obj.get("position")) is int:
                heapq.heappush(waiting, obj["position"])
            yield obj


def verify_export(
    path: Path, public_keys: Any, given: Iterable[Checkpoint] = (), tick: Tick | None = None, digest: Any = None
) -> FileVerification:
    """Verify an exported log in one pass; its checkpoint lines and `given` against `public_keys` (None:
    unchecked); `digest` (a hashlib object) sees every byte. OSError when the file cannot be read."""
    given = list(given)
    seen: list[Checkpoint] = []
    accepted: list[Range] = []
    first = _FirstRecords(c.position for c in given)

    def noting(objects: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for obj in objects:
            if obj.get("kind") == "checkpoint":
                with contextlib.suppress(ValueError, TypeError, AttributeError):  # the verifier names it
                    seen.append(Checkpoint.from_dict(obj))
            yield obj

    lines = read_jsonl_log(lines_of(path, tick, digest))
    result = verify_log(watching(first(noting(lines)), accepted), given, public_keys)
    return FileVerification(result, distinct([*given, *seen]), first.found, accepted)
