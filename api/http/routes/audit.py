"""The audit trail over HTTP (DESIGN §6): who recorded what, when and why, and the evidence.

The log and its hashes are read from `audit_log` (kept by the audit projection, never recomputed
per request) beside the stored bytes of the events table, so an auditor recomputes every hash.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.http.auth import PrincipalDep
from api.http.deps import LimitQ, ServicesDep
from api.http.problems import ApiProblem, responses
from api.http.schemas.audit import CheckpointPage, LogPage, PublicKey, StreamHistory
from projections.audit import projection as audit
from projections.audit import store as audit_store
from projections.audit.checkpoints import DOMAIN, DOMAIN_V2
from projections.audit.records import aggregate_of, logged_record, stream_event

router = APIRouter(prefix="/v1/audit", tags=["audit"])
# what a checkpoint signs (docs/audit-verify.md, "Checkpoints"): v2 links it to the checkpoint before it (FIRST,
# position 0 and 64 zeros, for a ledger's first); v1, without the link, only on checkpoints of older ledgers
SIGNED_MESSAGE_V1 = DOMAIN.decode("ascii") + "{position}\n{count}\n{chain_hash}\n{time}\n"
SIGNED_MESSAGE = (
    DOMAIN_V2.decode("ascii") + "{position}\n{count}\n{chain_hash}\n{time}\n{prev_position}\n{prev_chain_hash}\n"
)
AfterQ = Annotated[int, Query(ge=0, le=2**62, description="the last position already read")]


@router.get("/streams/{stream_id}", response_model=StreamHistory, responses=responses(404, 422))
def stream(stream_id: UUID, svc: ServicesDep, who: PrincipalDep) -> dict:
    """One aggregate's events in order, read from the event store itself, with who, when and why."""
    with svc.db.transaction(commit=False) as tx:
        rows = audit_store.stream_events(tx, svc.events_table, stream_id)
    if not rows:
        raise ApiProblem(404, "stream-not-found", f"no events recorded for {stream_id}")
    mapper = svc.ledger.mapper
    return {
        "stream_id": stream_id,
        "aggregate": aggregate_of(rows[0]["topic"]),
        "events": [stream_event(mapper, r) for r in rows],
    }


@router.get("/log", response_model=LogPage, responses=responses(422))
def log(svc: ServicesDep, who: PrincipalDep, after: AfterQ = 0, limit: LimitQ = 100) -> dict:
    """The chained log in position order: stored fields, base64 state, leaf and chain hashes."""
    with svc.db.transaction(commit=False) as tx:
        records = audit_store.log_page(tx, svc.events_table, after, limit + 1)
        chained = audit_store.chained_head(tx)
    page = records[:limit]
    more = len(records) > limit
    return {
        "items": [logged_record(r) for r in page],
        "next": page[-1]["position"] if more else None,
        "chained_to": chained,
    }


@router.get("/checkpoints", response_model=CheckpointPage, responses=responses(422))
def checkpoints(svc: ServicesDep, who: PrincipalDep, after: AfterQ = 0, limit: LimitQ = 100) -> dict:
    """Signed checkpoints, oldest first; `latest` is the one to save for a later `ledger verify`."""
    with svc.db.transaction(commit=False) as tx:
        found = audit_store.checkpoints(tx, after, limit + 1)
        latest = audit.last_checkpoint(tx)
    page = found[:limit]
    return {
        "items": [c.to_dict() for c in page],
        "next": page[-1].position if len(found) > limit else None,
        "latest": latest.to_dict() if latest else None,
    }


@router.get("/public-key", response_model=PublicKey)
def public_key(svc: ServicesDep, who: PrincipalDep) -> dict:
    """The Ed25519 key that verifies every checkpoint, and the message each signs; keep a copy of your own."""
    key = svc.signing_key
    return {
        "key_id": key.key_id,
        "pem": key.public_key_pem().decode("ascii"),
        "raw_hex": key.public_key_raw_hex(),
        "signed_message": SIGNED_MESSAGE,
        "signed_message_v1": SIGNED_MESSAGE_V1,
    }
