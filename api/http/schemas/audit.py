"""What the audit endpoints answer (DESIGN §6): stream histories, log records with their hashes,
signed checkpoints and the public key that verifies them."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

HEX64 = r"^[0-9a-f]{64}$"


class StreamEvent(BaseModel):
    position: int = Field(description="the event's log position")
    version: int
    type: str = Field(description="the event's name, e.g. NeedIdentified")
    topic: str
    data: dict[str, Any] | None = Field(
        description="the recorded fields (decoded); null if the stored bytes do not decode"
    )
    actor: str | None
    actor_org: str | None
    reason: str | None
    request_id: str | None
    recorded_at: str | None


class StreamHistory(BaseModel):
    stream_id: UUID
    aggregate: str = Field(description="Need, Programme, Organisation, ExchangeRate or ApiKey")
    events: list[StreamEvent]


class LoggedRecord(BaseModel):
    position: int
    stream_id: UUID
    version: int
    topic: str
    type: str
    state: str | None = Field(
        description="base64 of the stored state bytes, exactly as hashed; null when the event is "
        "gone from the store although the chain holds it"
    )
    recorded_at: str
    actor: str | None
    leaf_hash: str = Field(pattern=HEX64)
    chain_hash: str = Field(pattern=HEX64)


class LogPage(BaseModel):
    items: list[LoggedRecord]
    next: int | None = Field(description="pass as `after` for the next page; null at the end")
    chained_to: int = Field(description="the last position the chain covers now")


class CheckpointPublic(BaseModel):
    kind: Literal["checkpoint"] = "checkpoint"
    position: int
    count: int = Field(description="records with position <= `position`")
    chain_hash: str = Field(pattern=HEX64)
    time: str
    signature: str = Field(description="Ed25519 signature, hex")
    key_id: str
    prev_position: int | None = Field(None, description="v2: the previous checkpoint's position (0 for the first)")
    prev_chain_hash: str | None = Field(
        None, description="v2: the previous checkpoint's chain hash (zeros for the first)"
    )


class CheckpointPage(BaseModel):
    items: list[CheckpointPublic]
    next: int | None = Field(description="pass as `after` for the next page; null at the end")
    latest: CheckpointPublic | None = Field(description="the most recent checkpoint: save it")


class PublicKey(BaseModel):
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str = Field(description="first 16 hex characters of SHA-256 of the raw public key")
    pem: str = Field(description="SubjectPublicKeyInfo PEM, for `ledger verify --public-key`")
    raw_hex: str = Field(description="the raw 32-byte public key, hex")
    signed_message: str = Field(
        description="the exact text a checkpoint's signature covers, its fields in braces: position, count, "
        "chain_hash, time, and the previous checkpoint's prev_position and prev_chain_hash (0 and 64 zeros for "
        "the first), so deleting a checkpoint breaks the signed sequence"
    )
    signed_message_v1: str = Field(
        description="what older checkpoints, those without prev_position and prev_chain_hash, sign instead"
    )
