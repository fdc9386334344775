"""What verify answers (`VerifyResult`, the problems it names) and the pages it may be handed already proven
(`ProvenPage`, projections/audit/verify_pages.py): shared by verify, its callers and the page workers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

OUT_OF_ORDER = "position out of order"
LEAF_MISMATCH = "leaf hash mismatch"
CHAIN_MISMATCH = "chain hash mismatch"
RECORD_INSERTED = "record inserted"
RECORD_MISSING = "record missing"
NOT_ON_STORED_CHAIN = "record not on stored chain"
HASHES_MISSING = "stored hashes missing"
MALFORMED = "malformed record"
SIGNATURE_INVALID = "checkpoint signature invalid"
CHECKPOINT_MISMATCH = "checkpoint not on chain"
LOG_ENDS_EARLY = "log ends before checkpoint"
CHECKPOINT_OUT_OF_PLACE = "checkpoint out of place"
LINK_MISSING = "signed link missing"
OUT_OF_SEQUENCE = "checkpoint out of sequence"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    count: int  # records verified before any failure
    head: str  # chain head (hex) after them
    last_position: int | None
    first_bad_position: int | None = None
    problem: str | None = None
    detail: str | None = None
    suspect_from: int | None = None  # earliest position that may be bad (<= first_bad_position)
    checkpoints_verified: int = 0  # signature valid and on the chain
    checkpoints_unsigned: int = 0  # on the chain, signature not checked (no public key given)
    checkpoints_unlinked: int = 0  # of those, v1 checkpoints (older ledgers): they name no previous checkpoint

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ProvenPage:
    """A page of stored records whose every link was checked on its own (projections/audit/verify_pages.py): each
    leaf recomputed equals its stored leaf, SHA-256(0x01 ‖ stored chain before ‖ leaf) equals its stored chain, the
    first link starting from the stored chain of the record before the page (genesis for the first record), and the
    events' positions are the stored chain's, increasing. So the recomputed chain is the stored one: the walk takes
    the page's states from it rather than hashing again. `marks` are the states a checkpoint inside the page is judged
    on: (i, position of record i, of record i - 1, chain hash after record i - 1, its leaf), by i."""

    count: int
    first: int  # first position (unused when count is 0)
    last: int  # last position
    head: bytes  # chain hash after the last record
    prev_head: bytes  # chain hash before it
    leaf: bytes  # its leaf
    marks: tuple[tuple[int, int, int, bytes, bytes], ...] = ()
