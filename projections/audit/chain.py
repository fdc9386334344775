"""The audit hash chain: one leaf hash per stored event, chained in position order over the records present
(gaps in positions are normal) from GENESIS, 32 zero bytes; the leaf hashes the stored bytes exactly as the
recorder keeps them, so an auditor recomputes every leaf without our code. The layout, byte by byte, is
specified in docs/auditors.md, "The hash chain" (DESIGN §6).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # OpenSSL 3 costs ~1.4 µs per hash before any data; CPython's builtin SHA-256 half that
        from _sha256 import sha256  # CPython 3.11
    except ImportError:  # pragma: no cover - depends on the interpreter build
        try:
            from _sha2 import sha256  # CPython 3.12+
        except ImportError:
            from hashlib import sha256

GENESIS = bytes(32)
HASH_SIZE = 32

__all__ = [
    "GENESIS",
    "HASH_SIZE",
    "TOPIC_PACKERS",
    "Chain",
    "LogRecord",
    "chain_hash",
    "from_hex",
    "leaf_hash",
    "leaf_input",
    "sha256",
    "to_hex",
    "topic_packer",
]


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One stored event as the chain sees it: its log position and the stored bytes."""

    position: int
    stream_id: UUID
    version: int
    topic: str
    state: bytes


# topics are event class paths, a few dozen; the bound only matters against hostile input.
# Public for verify's hot loop, which looks a topic up here before calling topic_packer.
TOPIC_PACKERS: dict[str, tuple[bytes, struct.Struct]] = {}
_TOPIC_PACKERS_MAX = 4096


def topic_packer(topic: str) -> tuple[bytes, struct.Struct]:
    """The topic's UTF-8 bytes and one Struct packing all that precedes the state."""
    entry = TOPIC_PACKERS.get(topic)
    if entry is None:
        encoded = topic.encode("utf-8")
        # x = the 0x00 leaf prefix; then position, stream id, version, len(topic), topic, len(state)
        entry = (encoded, struct.Struct(f">xQ16sQI{len(encoded)}sI"))
        if len(TOPIC_PACKERS) >= _TOPIC_PACKERS_MAX:
            TOPIC_PACKERS.clear()
        TOPIC_PACKERS[topic] = entry
    return entry


def _leaf_bytes(position: int, stream_id: bytes, version: int, topic: str, state: bytes) -> bytes:
    """The exact bytes a leaf hashes, from already-decoded fields."""
    if len(stream_id) != 16:  # "16s" would silently pad or truncate
        raise ValueError(f"stream id must be 16 bytes, got {len(stream_id)}")
    encoded, packer = topic_packer(topic)
    try:
        return packer.pack(position, stream_id, version, len(encoded), encoded, len(state)) + state
    except struct.error as e:  # negative or oversized integers
        raise ValueError(f"record at position {position!r} does not fit the leaf layout: {e}") from e


def leaf_input(record: LogRecord) -> bytes:
    """The exact bytes hashed into `record`'s leaf (useful to auditors and benchmarks)."""
    return _leaf_bytes(record.position, record.stream_id.bytes, record.version, record.topic, record.state)


def leaf_hash(record: LogRecord) -> bytes:
    return sha256(leaf_input(record)).digest()


def chain_hash(prev: bytes, leaf: bytes) -> bytes:
    if len(prev) != HASH_SIZE or len(leaf) != HASH_SIZE:
        raise ValueError("chain_hash takes two 32-byte hashes")
    return sha256(b"\x01" + prev + leaf).digest()


def to_hex(digest: bytes) -> str:
    return digest.hex()


def from_hex(text: str, size: int = HASH_SIZE) -> bytes:
    """Decode a hex hash of exactly `size` bytes (either case accepted; we emit lowercase)."""
    raw = bytes.fromhex(text) if isinstance(text, str) and len(text) == 2 * size else b""
    if len(raw) != size:  # fromhex skips spaces: check what came out, not only the length in
        raise ValueError(f"expected {2 * size} hex characters, got {text!r}")
    return raw


class Chain:
    """The chain built one record at a time; resumable from a stored (head, position, count)."""

    __slots__ = ("head", "position", "count")

    def __init__(self, head: bytes = GENESIS, position: int | None = None, count: int = 0) -> None:
        if len(head) != HASH_SIZE:
            raise ValueError("head must be 32 bytes")
        self.head = head
        self.position = position  # last appended position, None before the first record
        self.count = count

    def append(self, record: LogRecord) -> tuple[bytes, bytes]:
        """Chain `record`; return its (leaf_hash, chain_hash). Positions must strictly increase."""
        return self.append_fields(record.position, record.stream_id.bytes, record.version, record.topic, record.state)

    def append_fields(
        self, position: int, stream_id: bytes, version: int, topic: str, state: bytes
    ) -> tuple[bytes, bytes]:
        """`append` from decoded fields (stream id as 16 bytes), for readers that skip LogRecord."""
        last = self.position
        if last is not None and position <= last:
            raise ValueError(f"position {position} does not follow {last}")
        leaf = sha256(_leaf_bytes(position, stream_id, version, topic, state)).digest()
        head = self.head = sha256(b"\x01" + self.head + leaf).digest()
        self.position = position
        self.count += 1
        return leaf, head

    @property
    def head_hex(self) -> str:
        return self.head.hex()

    def __repr__(self) -> str:
        return f"Chain(head={self.head.hex()}, position={self.position}, count={self.count})"
