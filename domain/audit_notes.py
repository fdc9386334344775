"""Notes the ledger keeps about its own audit trail, recorded as events so they are chained and signed like any
other: `UnsignedTail.UnsignedTailAccepted` says that a restore deliberately accepted records no trusted checkpoint
covered (the file's SHA-256, the range, the count; who accepted it and why are the event's `actor` and `reason`).
Verify reads these notes back and reports the range as accepted, never as proven (docs/auditors.md).
"""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import context
from domain.events import LedgerAggregate

_SHA256 = re.compile(r"[0-9a-f]{64}")


def unsigned_tail_id(file_sha256: str, first_position: int, last_position: int) -> UUID:
    """One note per file and range: accepting the same tail twice collides instead of noting it twice."""
    return uuid5(NAMESPACE_URL, f"urn:ledger:unsigned-tail:{file_sha256}:{first_position}-{last_position}")


class UnsignedTail(LedgerAggregate):
    """Records [first_position, last_position] of a restored file, `count` of them, accepted without a signature."""

    @staticmethod
    def create_id(file_sha256: str, first_position: int, last_position: int, **_: object) -> UUID:
        return unsigned_tail_id(file_sha256, first_position, last_position)

    @classmethod
    def accept(cls, file_sha256: str, first_position: int, last_position: int, count: int) -> UnsignedTail:
        """The note, attributed from the recording context, whose reason is required: an acceptance must say why.
        Only `ledger restore` records it, after checking its input: a ValueError here is a caller's bug."""
        if not isinstance(file_sha256, str) or not _SHA256.fullmatch(file_sha256):
            raise ValueError("the file's SHA-256 is 64 lowercase hex characters")
        if not all(type(v) is int for v in (first_position, last_position, count)):
            raise ValueError("positions and count are integers")
        if not 1 <= first_position <= last_position or not 1 <= count <= last_position - first_position + 1:
            raise ValueError(
                f"an unsigned tail is 1 <= first <= last with 1 <= count <= last - first + 1; got "
                f"[{first_position}, {last_position}] and {count}",
            )
        if not (context.current().reason or "").strip():
            raise ValueError("accepting an unsigned tail needs a reason (the recording context's)")
        return cls._create(
            cls.UnsignedTailAccepted,
            file_sha256=file_sha256,
            first_position=first_position,
            last_position=last_position,
            count=count,
        )

    class UnsignedTailAccepted(LedgerAggregate.Created):
        file_sha256: str
        first_position: int
        last_position: int
        count: int

    def __init__(self, file_sha256: str, first_position: int, last_position: int, count: int) -> None:
        self.file_sha256 = file_sha256
        self.first_position = first_position
        self.last_position = last_position
        self.count = count
