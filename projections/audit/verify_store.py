"""`ledger verify` against the database: recompute the chain over the events table and compare it with the chain
the audit projection stored and with every signed checkpoint. Read-only: it neither catches the chain up nor
repairs anything; events past the stored chain (the projection lags) are recomputed but have no stored hash to
compare with yet (docs/audit-verify.md, "Verifying the database").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from projections.audit import projection as audit
from projections.audit.chain import LogRecord
from projections.audit.checkpoints import Checkpoint
from projections.audit.store import (
    UnreadableRecord,
    chained_head,
    checkpoints,
    events_head,
    read_chain,
    read_events,
)
from projections.audit.verify import VerifyResult, verify_log
from projections.db import Database


@dataclass(frozen=True)
class StoreVerification:
    result: VerifyResult
    events_head: int  # the last event position when verification began
    chained_head: int  # the last position the audit projection had chained
    checkpoints: list[Checkpoint]  # stored and given, oldest first
    trigger: str | None  # PostgreSQL's append-only trigger: enabled, disabled or missing

    @property
    def unchained(self) -> int:
        return max(0, self.events_head - self.chained_head)

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        """The last checkpoint within the verified prefix."""
        last = self.result.last_position
        good = [c for c in self.checkpoints if last is not None and c.position <= last]
        return good[-1] if good else None


def verify_store(
    db: Database,
    events_table: str,
    public_keys: Any,
    given: Iterable[Checkpoint] = (),
    on_page: Callable[[int], None] | None = None,
) -> StoreVerification:
    """Verify every event up to the head seen at the start; checkpoints against `public_keys`."""
    with db.transaction(commit=False) as tx:
        head, chained = events_head(tx, events_table), chained_head(tx)
        until = max(head, chained)  # a chain longer than the log means records were removed
        stored = checkpoints(tx, until=until)
        trigger = audit.trigger_state(tx, events_table)
    # the auditor's own checkpoints first: at an equal position, theirs is judged before ours
    every = sorted([*given, *stored], key=lambda c: c.position)
    unreadable: list[int] = []

    def records() -> Iterator[LogRecord]:
        try:
            yield from read_events(db, events_table, until, on_page)
        except UnreadableRecord as e:
            unreadable.append(e.position)
            raise

    result = verify_log(records(), every, public_keys, read_chain(db, until))
    if not result.ok and result.first_bad_position is None and unreadable:
        at = unreadable[0]  # verify_log cannot tell which row its source choked on; we can
        result = replace(result, first_bad_position=at, suspect_from=at)
    return StoreVerification(result, head, chained, every, trigger)
