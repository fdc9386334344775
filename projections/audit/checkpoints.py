"""Signed checkpoints of the audit chain (Ed25519, DESIGN §6): a `Checkpoint` says "after the `count` records up to
log `position`, the chain head was `chain_hash`", signed at `time` by the ledger's `SigningKey`; `verify_checkpoint`
checks one against a public key, and `CheckpointPolicy` says when the next is due. The signed bytes, the JSON form
and the key id are specified in docs/audit-verify.md, "Checkpoints".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DOMAIN = b"uncac-ledger-checkpoint-v1\n"  # v1: no link to the previous checkpoint (read, never written)
DOMAIN_V2 = b"uncac-ledger-checkpoint-v2\n"  # v2: signs the previous checkpoint's position and chain hash too
FIRST = (0, "0" * 64)  # what the first checkpoint of a ledger names as its previous one
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|\+00:00)")

__all__ = [
    "DOMAIN",
    "DOMAIN_V2",
    "FIRST",
    "Checkpoint",
    "CheckpointPolicy",
    "LinkBreak",
    "SigningKey",
    "key_id_of",
    "link_break",
    "load_public_key",
    "signed_bytes",
    "utc_now_iso",
    "verify_checkpoint",
]

PublicKeyLike = Ed25519PublicKey | bytes | str


def _nonneg_int(name: str, value: Any) -> int:
    if type(value) is not int or value < 0:  # bool is an int subclass: refuse it too
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _hex64(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError(f"{name} must be 64 lowercase hex characters")
    return value


def signed_bytes(position: int, count: int, chain_hash: str, time: str, prev: tuple[int, str] | None = None) -> bytes:
    """The canonical message a checkpoint signs (docs/audit-verify.md): v2 when `prev`, the previous checkpoint's
    (position, chain_hash) or FIRST, is given; v1 (old checkpoints only) without it."""
    _nonneg_int("position", position)
    _nonneg_int("count", count)
    _hex64("chain_hash", chain_hash)
    if not isinstance(time, str) or not _UTC_TIME.fullmatch(time):
        raise ValueError(f"time must be ISO 8601 UTC (…Z or …+00:00), got {time!r}")
    body = f"{position}\n{count}\n{chain_hash}\n{time}\n"
    if prev is None:
        return DOMAIN + body.encode("ascii")
    prev_position = _nonneg_int("prev_position", prev[0])
    if prev_position >= position and position > 0:
        raise ValueError(f"prev_position {prev_position} must come before position {position}")
    return DOMAIN_V2 + f"{body}{prev_position}\n{_hex64('prev_chain_hash', prev[1])}\n".encode("ascii")


def utc_now_iso(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    position: int
    count: int
    chain_hash: str
    time: str
    signature: str
    key_id: str
    prev_position: int | None = None  # v2: the previous checkpoint's position (0 for the first); None on v1
    prev_chain_hash: str | None = None  # v2: the previous checkpoint's chain hash (64 zeros for the first)

    @property
    def version(self) -> int:
        return 1 if self.prev_position is None else 2

    @property
    def prev(self) -> tuple[int, str] | None:
        """The previous checkpoint this one names (FIRST for a ledger's first), None for a v1 checkpoint."""
        if self.prev_position is None:
            return None
        return (self.prev_position, self.prev_chain_hash or "")

    def message(self) -> bytes:
        return signed_bytes(self.position, self.count, self.chain_hash, self.time, self.prev)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "checkpoint",
            "position": self.position,
            "count": self.count,
            "chain_hash": self.chain_hash,
            "time": self.time,
            "signature": self.signature,
            "key_id": self.key_id,
        }
        if self.prev_position is not None:
            out["prev_position"] = self.prev_position
            out["prev_chain_hash"] = self.prev_chain_hash
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Parse the JSON form; ValueError on anything malformed (the signature is not checked)."""
        if data.get("kind", "checkpoint") != "checkpoint":
            raise ValueError(f"not a checkpoint: kind={data.get('kind')!r}")
        try:
            checkpoint = cls(
                position=_nonneg_int("position", data["position"]),
                count=_nonneg_int("count", data["count"]),
                chain_hash=data["chain_hash"],
                time=data["time"],
                signature=data["signature"],
                key_id=data["key_id"],
                prev_position=None
                if data.get("prev_position") is None
                else _nonneg_int("prev_position", data["prev_position"]),
                prev_chain_hash=data.get("prev_chain_hash"),
            )
        except KeyError as e:
            raise ValueError(f"checkpoint lacks {e.args[0]!r}") from None
        if (checkpoint.prev_position is None) != (checkpoint.prev_chain_hash is None):
            raise ValueError("prev_position and prev_chain_hash come together")
        checkpoint.message()  # validates chain_hash, time and the link
        if not isinstance(checkpoint.signature, str) or not _HEX128.fullmatch(checkpoint.signature):
            raise ValueError("signature must be 128 lowercase hex characters")
        if not isinstance(checkpoint.key_id, str) or not _KEY_ID.fullmatch(checkpoint.key_id):
            raise ValueError("key_id must be 16 lowercase hex characters")
        return checkpoint


@dataclass(frozen=True, slots=True)
class LinkBreak:
    """How a checkpoint fails to extend the signed sequence: `unlinked` (a v1 checkpoint after v2 ones), `missing`
    (it names a previous checkpoint beyond the expected one: a signed checkpoint was deleted), `skipped` (it names
    one before the expected one: the expected one is outside the signed sequence) or `fork` (it names the expected
    position with another chain hash). `at` is the checkpoint's position, `named` the one it names, `expected` the
    one it should name."""

    kind: str
    at: int
    named: int | None
    expected: int


def link_break(checkpoint: Checkpoint, expected: tuple[int, str], linked: bool) -> LinkBreak | None:
    """The one rule of linked (v2) checkpoints, for verify and the witness alike: None when `checkpoint` names
    `expected` (the previous good checkpoint, FIRST for the first). `linked`: whether v2 checkpoints came before,
    after which a v1 (unlinked) checkpoint is out of sequence; before them a v1 checkpoint is an older ledger's."""
    at, prev = checkpoint.position, checkpoint.prev
    if prev is None:
        return LinkBreak("unlinked", at, None, expected[0]) if linked else None
    if prev == expected:
        return None
    kind = "missing" if prev[0] > expected[0] else "skipped" if prev[0] < expected[0] else "fork"
    return LinkBreak(kind, at, prev[0], expected[0])


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public_key(key: PublicKeyLike | SigningKey) -> Ed25519PublicKey:
    """A public key from PEM (bytes or str), raw 32 bytes, 64-character hex, or a key object."""
    if isinstance(key, Ed25519PublicKey):
        return key
    if isinstance(key, SigningKey):
        return key.public_key
    if isinstance(key, str):
        key = key.strip().encode("ascii")
    if not isinstance(key, bytes):
        raise TypeError(f"cannot read a public key from {type(key).__name__}")
    if key.lstrip().startswith(b"-----BEGIN"):
        loaded = serialization.load_pem_public_key(key)
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError("the PEM public key is not Ed25519")
        return loaded
    if len(key) == 32:
        return Ed25519PublicKey.from_public_bytes(key)
    if len(key) == 64:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.decode("ascii")))
    raise ValueError("a public key is PEM, 32 raw bytes or 64 hex characters")


def verify_checkpoint(checkpoint: Checkpoint, public_key: PublicKeyLike | SigningKey) -> bool:
    """True iff `checkpoint` is well formed and signed by `public_key`; never raises on bad data (an unreadable
    `public_key` is the caller's error and raises ValueError/TypeError)."""
    key = load_public_key(public_key)
    try:
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.message())
    except (InvalidSignature, ValueError, TypeError, AttributeError):
        return False
    return True


class SigningKey:
    """The ledger's Ed25519 signing key. Its repr names only the key id, never the key."""

    __slots__ = ("_private", "public_key", "key_id")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(_raw_public(self.public_key))

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, data: bytes) -> SigningKey:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the signing key is not an Ed25519 private key")
        return cls(private)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SigningKey:
        return cls.from_pem(Path(path).read_bytes())

    @classmethod
    def load_or_create(cls, path: str | os.PathLike[str]) -> SigningKey:
        """Load the PEM (PKCS#8) key at `path`, or create it there with mode 0600: a private temporary file
        hard-linked into place, so two processes starting together share whichever key landed first and no reader
        sees half a file."""
        path = Path(path)
        if path.exists():
            return cls.load(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = cls.generate()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o600)  # the umask may only narrow it; make sure of it
                out.write(key._private_pem())
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:  # another process won the race: use its key
                return cls.load(path)
        finally:
            tmp.unlink(missing_ok=True)
        return key

    def derive(self, label: bytes) -> bytes:
        """A 32-byte secret for another use, named by `label` (the seals' key: docs/seals.md): HMAC-SHA256 keyed
        with the raw private key. Only the key's holder can compute it, the database never holds it, and it tells
        nothing of the signing key itself."""
        if not isinstance(label, bytes) or not label:
            raise ValueError("a derived key needs a non-empty label (bytes)")
        raw = self._private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return hmac.new(raw, label, hashlib.sha256).digest()

    def _private_pem(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_key_pem(self) -> bytes:
        return self.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def public_key_raw_hex(self) -> str:
        return _raw_public(self.public_key).hex()

    def sign(
        self,
        position: int,
        count: int,
        chain_hash_hex: str | bytes,
        time: datetime | str | None = None,
        prev: tuple[int, str] | None = FIRST,
    ) -> Checkpoint:
        """Sign the chain state (position, count, chain_hash) at `time` (default: now, UTC), linked to the previous
        checkpoint `prev` = (position, chain_hash), FIRST for the first; `prev=None` signs a v1 checkpoint (for
        tests of old ledgers only)."""
        if isinstance(chain_hash_hex, bytes):
            chain_hash_hex = chain_hash_hex.hex()
        if isinstance(time, datetime):
            if time.tzinfo is None:
                raise ValueError("time must be timezone-aware")
            time = utc_now_iso(time)
        elif time is None:
            time = utc_now_iso()
        message = signed_bytes(position, count, chain_hash_hex, time, prev)
        return Checkpoint(
            position=position,
            count=count,
            chain_hash=chain_hash_hex,
            time=time,
            signature=self._private.sign(message).hex(),
            key_id=self.key_id,
            prev_position=None if prev is None else prev[0],
            prev_chain_hash=None if prev is None else prev[1],
        )

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id})"


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    """Checkpoint every `every_events` new records or every `every_seconds`; 0 turns a trigger off. Nothing is due
    without at least one new record: re-signing an unchanged head proves nothing new."""

    every_events: int = 1000
    every_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.every_events < 0 or self.every_seconds < 0:
            raise ValueError("checkpoint intervals must be >= 0 (0 disables a trigger)")

    def due(self, count_since_last: int, seconds_since_last: float) -> bool:
        if count_since_last <= 0:
            return False
        by_count = self.every_events > 0 and count_since_last >= self.every_events
        by_time = self.every_seconds > 0 and seconds_since_last >= self.every_seconds
        return by_count or by_time
