"""Sealing a ledger that was written before seals existed, once, at its first start with them (docs/seals.md).

Records covered by a checkpoint that verifies against the ledger's own key, over a chain recomputed from the
events table, are proven: they are sealed. Records after the last checkpoint of such a ledger are sealed too
(trust on first use), and the start logs `seals_upgraded` with both ranges. A checkpoint that does not verify
stops the proof there: nothing after it is sealed, and the checkpointer will stop at the first unsealed record.

The marker at position 0 of `event_seals` (a seal only the key's holder can make) says the upgrade is done, so
this runs once: later starts find it and do nothing. All of it is one transaction under the audit lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from projections.audit.chain import Chain
from projections.audit.checkpoints import SigningKey, verify_checkpoint
from projections.audit.projection import AUDIT_LOCK, checkpoint_of
from projections.audit.seals import MARKER_POSITION, UPSERT, Sealer, marker_seal, seal_key
from projections.audit.store import UnreadableRecord, position_column, stored_record
from projections.db import Database, Tx

log = structlog.get_logger()
PAGE = 5000


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What the first start with seals sealed: (proven_to] from genesis, then (proven_to, trusted_to] on trust;
    `stopped_at` is the checkpoint (or record) where the proof failed, after which nothing was sealed."""

    proven_to: int
    proven: int
    trusted_to: int
    trusted: int
    stopped_at: int | None


def upgrade_seals(db: Database, events_table: str, signing_key: SigningKey) -> Upgrade | None:
    """Seal an unsealed ledger once (idempotent: None when the marker says it was done, or it cannot be)."""
    sealer = Sealer(seal_key(signing_key))
    with db.transaction() as tx:
        db.lock(tx, AUDIT_LOCK)  # one process upgrades; the checkpointer waits
        if not _first_start(tx, sealer):
            return None
        upgrade = _seal_all(tx, events_table, signing_key, sealer)
        tx.execute(UPSERT, (MARKER_POSITION, marker_seal(sealer)))
    if upgrade.stopped_at is not None:
        log.error("seals_upgrade_stopped", position=upgrade.stopped_at, proven_to=upgrade.proven_to)
    if upgrade.proven or upgrade.trusted:
        log.warning(
            "seals_upgraded",
            proven_from=1 if upgrade.proven else None,
            proven_to=upgrade.proven_to,
            proven=upgrade.proven,
            trusted_from=upgrade.proven_to + 1 if upgrade.trusted else None,
            trusted_to=upgrade.trusted_to if upgrade.trusted else None,
            trusted=upgrade.trusted,
        )
    return upgrade


def _first_start(tx: Tx, sealer: Sealer) -> bool:
    """No marker and no seal at all: the ledger has never been sealed. Seals without the marker, or a marker
    this key did not make, are left alone and logged: trust on first use is for a first use only."""
    marker = tx.scalar("SELECT seal FROM event_seals WHERE position = ?", (MARKER_POSITION,))
    if marker is not None:
        if marker != marker_seal(sealer):
            log.error("seal_marker_invalid", detail="the seals were made with another key, or the marker forged")
        return False
    if tx.scalar("SELECT COUNT(*) FROM event_seals") or 0:
        log.error("seal_marker_missing", detail="seals are stored but the upgrade marker is gone: nothing resealed")
        return False
    return True


def _seal_all(tx: Tx, table: str, signing_key: SigningKey, sealer: Sealer) -> Upgrade:
    """Walk the events from genesis, chaining them; seal each run of records up to a checkpoint that verifies
    over the recomputed chain, stop at one that does not; then seal the tail after the last one on trust."""
    pending = [checkpoint_of(r) for r in tx.execute("SELECT * FROM audit_checkpoints ORDER BY position").fetchall()]
    chain, run, proven, proven_to, trusted, last = Chain(), [], 0, 0, 0, 0
    try:
        for position, leaf in _leaves(tx, table, chain):
            if pending and pending[0].position < position:  # a checkpoint at no record: it cannot verify
                return Upgrade(proven_to, proven, proven_to, 0, pending[0].position)
            run.append((position, sealer.seal(leaf)))
            last = position
            if pending and pending[0].position == position:
                checkpoint = pending.pop(0)
                if not _holds(checkpoint, chain, signing_key):
                    return Upgrade(proven_to, proven, proven_to, 0, checkpoint.position)
                tx.executemany(UPSERT, run)
                proven, proven_to, run = proven + len(run), position, []
            elif not pending and len(run) >= PAGE:  # the tail, after the last checkpoint: on trust, page by page
                tx.executemany(UPSERT, run)
                trusted, run = trusted + len(run), []
    except UnreadableRecord as e:  # sealed up to the record before it, on proof or (in the tail) on trust
        if not pending:
            tx.executemany(UPSERT, run)
            trusted += len(run)
        return Upgrade(proven_to, proven, last if trusted else proven_to, trusted, e.position)
    if pending:  # checkpoints beyond the last record: the events they signed are gone
        return Upgrade(proven_to, proven, proven_to, 0, pending[0].position)
    tx.executemany(UPSERT, run)
    trusted += len(run)
    return Upgrade(proven_to, proven, last if trusted else proven_to, trusted, None)


def _holds(checkpoint: Any, chain: Chain, signing_key: SigningKey) -> bool:
    return (
        checkpoint.count == chain.count
        and checkpoint.chain_hash == chain.head_hex
        and verify_checkpoint(checkpoint, signing_key)
    )


def _leaves(tx: Tx, table: str, chain: Chain) -> Any:
    """(position, leaf hash) of every stored event in position order, each appended to `chain` on the way."""
    pos, after = position_column(tx), 0
    sql = (
        f"SELECT {pos} AS position, originator_id, originator_version, topic, state FROM {table}"
        f" WHERE {pos} > ? ORDER BY {pos} LIMIT {PAGE}"
    )
    while True:
        rows = tx.execute(sql, (after,)).cursor.fetchall()
        for r in rows:
            record = stored_record(r)
            leaf, _ = chain.append(record)
            yield record.position, leaf
        if len(rows) < PAGE:
            return
        after = int(rows[-1]["position"])
