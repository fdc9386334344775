"""What an exported log proves before `ledger restore` writes any of it (docs/auditors.md, "Backup and restore").

`prove` reads the file once: it verifies the chain, every checkpoint in it and every checkpoint the auditor saved
(`--checkpoint`) against the trusted public keys only, and then asks whether those checkpoints cover the file at the
ledger's cadence. The answer is a `Proof`: either a `Refusal` (exit 1 tampered, 3 not proven, with reasons that name
positions and counts) or what to restore: the checkpoints to import and, when the caller deliberately accepted it,
the unsigned tail to note. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from projections.audit.backup import Tick, verify_file
from projections.audit.checkpoints import Checkpoint
from projections.audit.verify import VerifyResult

TAMPERED, NOT_PROVEN = 1, 3
Reason = dict[str, Any]


@dataclass(frozen=True)
class Cadence:
    """How often the ledger signs (settings `checkpoint_every_events` N, `checkpoint_every_seconds` T) and the slack
    batching needs: `batch` records (the runner's batch size) and 60 s + T/10. 0 turns a trigger off."""

    every_events: int
    every_seconds: float
    batch: int

    @property
    def most_records(self) -> int | None:
        """The most records one checkpoint may leave to the next (None: no count trigger)."""
        return self.every_events + self.batch if self.every_events > 0 else None

    def deadline(self, first_record: datetime | None, previous: datetime | None) -> datetime | None:
        """The latest time the next checkpoint may carry: max(first record after the previous checkpoint, previous
        checkpoint + T) + slack (None: no time trigger, or nothing to measure from)."""
        if not self.every_seconds:
            return None
        starts = [t for t in (first_record, previous and previous + timedelta(seconds=self.every_seconds)) if t]
        return max(starts) + timedelta(seconds=60 + self.every_seconds / 10) if starts else None


@dataclass(frozen=True)
class Tail:
    """Records [first, last] of the file, `count` of them, after its last trusted checkpoint."""

    first: int
    last: int
    count: int


@dataclass(frozen=True)
class Refusal:
    exit_code: int  # TAMPERED or NOT_PROVEN
    reasons: list[Reason]

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


class _Facts:
    """What coverage needs from one pass over the file: its checkpoints and, for every checkpoint (and genesis),
    the first record after it, with its recorded time."""

    def __init__(self, saved: Sequence[Checkpoint]) -> None:
        self.waiting = sorted({0, *(c.position for c in saved)})
        self.after: dict[int, tuple[int, datetime | None]] = {}
        self.checkpoints: list[Checkpoint] = []

    def __call__(self, objects: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        waiting, after = self.waiting, self.after
        for obj in objects:
            kind = obj.get("kind", "event")
            if kind == "event":
                position = obj.get("position")
                if waiting and type(position) is int and waiting[0] < position:
                    when = _time(obj.get("recorded_at"))
                    while waiting and waiting[0] < position:
                        after[heapq.heappop(waiting)] = (position, when)
            elif kind == "checkpoint":
                try:
                    checkpoint = Checkpoint.from_dict(obj)
                except (ValueError, TypeError, AttributeError):
                    pass  # the verifier names it
                else:
                    self.checkpoints.append(checkpoint)
                    heapq.heappush(waiting, checkpoint.position)
            yield obj


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _unique(checkpoints: Sequence[Checkpoint]) -> list[Checkpoint]:
    """One checkpoint per position, by position: a saved copy of a checkpoint in the file counts once."""
    by_position: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        by_position.setdefault(checkpoint.position, checkpoint)
    return [by_position[p] for p in sorted(by_position)]


def tampered(result: VerifyResult) -> Reason:
    at = result.first_bad_position
    where = f"at position {at}" if at is not None else f"after position {result.last_position}"
    code = (result.problem or "tampered").replace(" ", "-")
    return {"code": code, "message": f"{where}: {result.problem}: {result.detail}", "position": at}


def coverage(
    checkpoints: Sequence[Checkpoint], facts: _Facts, result: VerifyResult, cadence: Cadence
) -> tuple[list[Reason], Tail | None]:
    """Gaps wider than the cadence between trusted checkpoints (from genesis to the first, between two), and the
    tail after the last: (reasons for the gaps, the tail when it is longer than one cadence or nothing signs it)."""
    reasons: list[Reason] = []
    most = cadence.most_records
    prev_position, prev_count, prev_time = 0, 0, None
    for checkpoint in checkpoints:
        records = checkpoint.count - prev_count
        first, first_time = facts.after.get(prev_position, (None, None))
        since = f"checkpoint at {prev_position}" if prev_position else "the first record"
        if records > 0 and most is not None and records > most:
            reasons.append(
                {
                    "code": "missing-checkpoints",
                    "message": f"{records} records from {since} to the checkpoint at {checkpoint.position}: more "
                    f"than the {most} one checkpoint may leave to the next (N {cadence.every_events} + slack)",
                    "from": first,
                    "to": checkpoint.position,
                    "count": records,
                }
            )
        elif records > 0 and (deadline := cadence.deadline(first_time, prev_time)) is not None:
            signed = _time(checkpoint.time)
            if signed is not None and signed > deadline:
                reasons.append(
                    {
                        "code": "missing-checkpoints",
                        "message": f"the checkpoint at {checkpoint.position} was signed at {checkpoint.time}, later "
                        f"than {deadline.isoformat()} (T {cadence.every_seconds:g} s + slack after {since})",
                        "from": first,
                        "to": checkpoint.position,
                        "count": records,
                    }
                )
        prev_position, prev_count, prev_time = checkpoint.position, checkpoint.count, _time(checkpoint.time)
    unsigned = result.count - prev_count
    if unsigned <= 0 or result.last_position is None:
        return reasons, None
    first = facts.after.get(prev_position, (result.last_position, None))[0]
    tail = Tail(first, result.last_position, unsigned)
    if not checkpoints or (most is not None and unsigned > most):
        return reasons, tail
    return reasons, None


def _tail_reason(tail: Tail, checkpoints: Sequence[Checkpoint], cadence: Cadence) -> Reason:
    if not checkpoints:
        text = f"no trusted checkpoint signs any of the file's {tail.count} records [{tail.first}, {tail.last}]"
    else:
        text = (
            f"{tail.count} records [{tail.first}, {tail.last}] follow the last trusted checkpoint (at "
            f"{checkpoints[-1].position}): more than the {cadence.most_records} one cadence allows"
        )
    text += "; give a checkpoint you saved (--checkpoint) or accept the tail (--accept-unsigned-tail --reason)"
    return {"code": "unsigned-tail", "message": text, "from": tail.first, "to": tail.last, "count": tail.count}


def prove(
    path: Path,
    keys: list[Any],
    saved: Sequence[Checkpoint],
    cadence: Cadence,
    accept_tail: bool = False,
    tick: Tick | None = None,
) -> Proof:
    """Judge the export at `path` against the trusted public `keys` and the `saved` checkpoints (read only)."""
    facts, digest = _Facts(saved), hashlib.sha256()
    result, seen = verify_file(path, keys or None, saved, tick, facts, digest)
    sha = digest.hexdigest()
    if not result.ok:
        return Proof(result, sha, in_file=len(seen), refusal=Refusal(TAMPERED, [tampered(result)]))
    if not keys:
        reason = {
            "code": "no-trusted-key",
            "message": "no trusted public key: give the signing ledger's key (--public-key), or restore where the "
            "ledger's own key file is",
        }
        return Proof(result, sha, in_file=len(seen), refusal=Refusal(NOT_PROVEN, [reason]))
    checkpoints = _unique([*facts.checkpoints, *saved])
    reasons, tail = coverage(checkpoints, facts, result, cadence)
    if tail is not None and not accept_tail:
        reasons.append(_tail_reason(tail, checkpoints, cadence))
    if reasons:
        return Proof(result, sha, checkpoints, len(seen), refusal=Refusal(NOT_PROVEN, reasons))
    return Proof(result, sha, checkpoints, len(seen), tail=tail)
