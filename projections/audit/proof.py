"""What an exported log proves before `ledger restore` writes any of it (docs/auditors.md, "Backup and restore").

`prove` reads the file once, as `ledger verify --log` does (`verify_export`), against the trusted public keys only
and the checkpoints the auditor saved (`--checkpoint`), and judges it with the same `verdict.judge`: a file is
restored only when its verdict is 0 (proven). The answer is a `Proof`: either a `Refusal` (the verdict's exit code:
1 tampered, 2 unreadable, 3 not proven, and its reasons) or what to restore: the checkpoints to import and, when the
caller deliberately accepted it, the unsigned tail to note. Nothing here writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from projections.audit.backup import Tick
from projections.audit.checkpoints import Checkpoint
from projections.audit.verdict import PROVEN, UNPROVEN, UNPROVEN_CODES, Cadence, Verdict, judge
from projections.audit.verify_result import VerifyResult
from projections.audit.verify_store import verify_export

__all__ = ["Cadence", "Proof", "Refusal", "Tail", "prove"]

UNSIGNED_TAIL = "unsigned-tail"


@dataclass(frozen=True)
class Tail:
    """Records [first, last] of the file, `count` of them, that no trusted checkpoint signs."""

    first: int
    last: int
    count: int


@dataclass(frozen=True)
class Refusal:
    exit_code: int  # the verdict's: 1 tampered, 2 unreadable, 3 not proven
    reasons: list[dict[str, Any]]

    @property
    def message(self) -> str:
        return "; ".join(r["message"] for r in self.reasons)


@dataclass(frozen=True)
class Proof:
    result: VerifyResult
    sha256: str
    checkpoints: list[Checkpoint] = field(default_factory=list)  # every trusted one, file's and saved, by position
    in_file: int = 0  # checkpoint lines in the file
    tail: Tail | None = None  # the unsigned tail accepted (only when the caller accepted one)
    refusal: Refusal | None = None


def _acceptable_tail(verdict: Verdict) -> Tail | None:
    """The tail to accept when the only thing not proven is the unsigned tail (never a gap between checkpoints, a
    missing key or tampering)."""
    if verdict.code != UNPROVEN:
        return None
    blocking = [r for r in verdict.reasons if r.code in UNPROVEN_CODES]
    if len(blocking) != 1 or blocking[0].code != UNSIGNED_TAIL:
        return None
    tail = blocking[0]
    if tail.first is None or tail.last is None or tail.count is None:
        return None
    return Tail(tail.first, tail.last, tail.count)


def _refusal(verdict: Verdict, hint: bool) -> Refusal:
    """The verdict's reasons that refuse the file (for a verdict of 3, only those that make it 3)."""
    reasons = [r.to_dict() for r in verdict.reasons if r.code in UNPROVEN_CODES or verdict.code != UNPROVEN]
    for reason in reasons:
        if hint and reason["code"] == UNSIGNED_TAIL:
            reason["message"] += (
                "; give a checkpoint you saved (--checkpoint) or accept the tail (--accept-unsigned-tail --reason)"
            )
    return Refusal(verdict.code, reasons)


def prove(
    path: Path,
    keys: list[Any],
    saved: Sequence[Checkpoint],
    cadence: Cadence,
    accept_tail: bool = False,
    tick: Tick | None = None,
) -> Proof:
    """Judge the export at `path` against the trusted public `keys` and the `saved` checkpoints (read only)."""
    digest = hashlib.sha256()
    found = verify_export(path, keys or None, saved, tick, digest)
    in_file = len([c for c in found.checkpoints if c not in saved])
    verdict = judge(found.result, found.checkpoints, cadence, bool(keys), found.first_records, None, found.accepted)
    sha = digest.hexdigest()
    trusted = found.checkpoints if keys and found.result.ok else []
    if verdict.code == PROVEN:
        return Proof(found.result, sha, trusted, in_file)
    tail = _acceptable_tail(verdict) if accept_tail else None
    if tail is not None:
        return Proof(found.result, sha, trusted, in_file, tail=tail)
    return Proof(found.result, sha, trusted, in_file, refusal=_refusal(verdict, not accept_tail))
