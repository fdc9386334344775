"""What a verification proves, as an exit code and reasons (docs/audit-verify.md, "Verdicts and exit codes").

`judge` is pure: from a `VerifyResult`, the checkpoints met, the ledger's `Cadence`, whether a trusted public key
checked them, the first record after each checkpoint (with its recorded time), the clock (the live database only)
and the unsigned ranges a restore deliberately accepted, it answers a `Verdict`: 0 proven, 1 tampered, 2 unreadable,
3 consistent but not proven, with one `Reason` per finding (a stable kebab-case code, a message for people, and
the positions and counts it concerns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.audit.checkpoints import Checkpoint
from projections.audit.verify_result import HASHES_MISSING, MALFORMED, VerifyResult

PROVEN, TAMPERED, UNREADABLE, UNPROVEN = 0, 1, 2, 3
STATUS = {PROVEN: "proven", TAMPERED: "tampered", UNREADABLE: "unreadable", UNPROVEN: "unproven"}
UNREADABLE_PROBLEMS = frozenset({MALFORMED, HASHES_MISSING})  # the input does not decode: nothing to judge
# what each code of a finding means for the exit code; any other code is a note that changes nothing
UNPROVEN_CODES = frozenset({"no-trusted-key", "missing-checkpoints", "unsigned-tail", "record-time-unknown"})
TAMPERED_CODES = frozenset({"record-unsealed"})  # a caller's finding that is tampering (docs/seals.md)
ACCEPTED = "accepted-unsigned-range"

# previous checkpoint's position (0: genesis) -> (position, recorded time) of the first record after it
FirstRecords = Mapping[int, tuple[int, Any]]
Accepted = tuple[int, int, str]  # (first, last, description) of a range a restore accepted unsigned

__all__ = [
    "ACCEPTED",
    "PROVEN",
    "STATUS",
    "TAMPERED",
    "TAMPERED_CODES",
    "UNPROVEN",
    "UNREADABLE",
    "Cadence",
    "Reason",
    "Verdict",
    "distinct",
    "judge",
    "parse_time",
]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # stable, kebab-case
    message: str
    position: int | None = None
    first: int | None = None  # "from" in JSON
    last: int | None = None  # "to" in JSON
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        for key, value in (("position", self.position), ("from", self.first), ("to", self.last), ("count", self.count)):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    code: int  # the exit code
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> str:
        return STATUS[self.code]

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.status, "exit_code": self.code, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often the ledger signs: every `every_events` records (N) or `every_seconds` (T) after the last checkpoint
    (0 turns a trigger off), with slack for batching: `batch` records (the runner's batch size) and 60 s + T/10."""

    every_events: int
    every_seconds: float
    batch: int

    @property
    def off(self) -> bool:
        """Both triggers off: the ledger never signs on its own, so no unsigned record is within its cadence."""
        return self.every_events <= 0 and self.every_seconds <= 0

    @property
    def most_records(self) -> int | None:
        """The most records one checkpoint may leave to the next (None: no count trigger)."""
        return self.every_events + self.batch if self.every_events > 0 else None

    def deadline(self, first_record: datetime | None, previous: datetime | None) -> datetime | None:
        """The latest time the next checkpoint may carry: max(first record's time after the previous checkpoint,
        previous checkpoint's time + T) + 60 s + T/10; None without a time trigger or anything to measure from."""
        if self.every_seconds <= 0:
            return None
        period = timedelta(seconds=self.every_seconds)
        starts = [t for t in (first_record, previous + period if previous else None) if t is not None]
        return max(starts) + timedelta(seconds=60) + period / 10 if starts else None


def parse_time(value: Any) -> datetime | None:
    """A recorded or signed time (ISO 8601, …Z or with an offset; naive read as UTC) as an aware datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def distinct(checkpoints: Iterable[Checkpoint], until: int | None = None) -> list[Checkpoint]:
    """One checkpoint per position (the first given), oldest first, up to `until`: a saved copy counts once."""
    by_position: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        if until is None or checkpoint.position <= until:
            by_position.setdefault(checkpoint.position, checkpoint)
    return [by_position[p] for p in sorted(by_position)]


def failure_reason(result: VerifyResult) -> Reason:
    """The verifier's first failure as a reason: its problem as the code, the first bad position, the suspect window."""
    at = result.first_bad_position
    where = f"at position {at}" if at is not None else f"after position {result.last_position}"
    suspect = result.suspect_from if at is not None and result.suspect_from is not None else None
    text = f"{where}: {result.problem}: {result.detail}"
    if suspect is not None and 0 < suspect < (at or 0):  # from 0, no checkpoint before agrees: nothing to say
        text += f" (the checkpoints before position {suspect} still agree)"
    code = (result.problem or "failed").replace(" ", "-")
    return Reason(code, text, at, suspect if suspect is not None and suspect < (at or 0) else None)


def _overlaps(first: int, last: int, accepted: Sequence[Accepted]) -> bool:
    return any(a <= last and first <= b for a, b, _ in accepted)


def _window(
    checkpoint: Checkpoint, since: Checkpoint | None, first: tuple[int, Any] | None, cadence: Cadence
) -> Reason | None:
    """ "missing-checkpoints" when `checkpoint` came later than the cadence allows after `since` (None: genesis)."""
    records = checkpoint.count - (since.count if since else 0)
    start = first[0] if first else (since.position + 1 if since else None)
    after = f"after the checkpoint at {since.position}" if since else "from the first record"
    most = cadence.most_records
    if records <= 0:
        return None
    if most is not None and records > most:
        text = (
            f"{records} records {after} to the checkpoint at {checkpoint.position}: more than the {most} one "
            f"checkpoint may leave to the next ({cadence.every_events} + {cadence.batch} slack)"
        )
        return Reason("missing-checkpoints", text, None, start, checkpoint.position, records)
    if cadence.every_seconds <= 0:
        return None
    recorded = parse_time(first[1]) if first else None
    deadline = cadence.deadline(recorded, parse_time(since.time) if since else None)
    if deadline is None:
        text = f"the first record {after} has no recorded time: the time cadence cannot be checked"
        return Reason("record-time-unknown", text, None, start, checkpoint.position, records)
    signed = parse_time(checkpoint.time)
    if signed is None or signed <= deadline:
        return None
    text = (
        f"the checkpoint at {checkpoint.position} was signed at {checkpoint.time}, later than "
        f"{deadline.isoformat()} ({cadence.every_seconds:g} s + slack {after}): {records} records waited"
    )
    return Reason("missing-checkpoints", text, None, start, checkpoint.position, records)


def _tail(
    result: VerifyResult,
    last: Checkpoint | None,
    first: tuple[int, Any] | None,
    cadence: Cadence,
    now: datetime | None,
) -> Reason | None:
    """ "unsigned-tail" when the records after the last checkpoint are more, or older, than one cadence allows."""
    count = result.count - (last.count if last else 0)
    if count <= 0 or result.last_position is None:
        return None
    start = first[0] if first else (last.position + 1 if last else None)
    span = f"[{start}, {result.last_position}]" if start is not None else f"to {result.last_position}"
    head = (
        f"{count} records {span} after the last checkpoint (at {last.position})"
        if last
        else f"no checkpoint signs any of the {count} records {span}"
    )
    why: list[str] = []
    if last is None:
        why.append("a trusted key proves nothing without a checkpoint")
    if cadence.off:
        why.append("the ledger's settings turn both checkpoint triggers off")
    most = cadence.most_records
    if most is not None and count > most:
        why.append(f"more than the {most} one cadence allows ({cadence.every_events} + {cadence.batch} slack)")
    if now is not None and cadence.every_seconds > 0:
        deadline = cadence.deadline(parse_time(first[1]) if first else None, parse_time(last.time) if last else None)
        if deadline is None:
            why.append("the first of them has no recorded time")
        elif now > deadline:
            why.append(f"unsigned since before {deadline.isoformat()} ({cadence.every_seconds:g} s + slack)")
    if not why:
        return None
    return Reason("unsigned-tail", f"{head}: {'; '.join(why)}", None, start, result.last_position, count)


def _cadence(
    result: VerifyResult,
    signed: list[Checkpoint],
    cadence: Cadence,
    first_records: FirstRecords,
    now: datetime | None,
    accepted: Sequence[Accepted],
) -> list[Reason]:
    """Every gap wider than the cadence, from genesis to the first checkpoint, between two, and after the last; a
    gap that overlaps a range a restore accepted unsigned is not judged (that range is reported instead)."""
    found: list[Reason] = []
    since: Checkpoint | None = None
    for checkpoint in signed:
        after = since.position if since else 0
        judged = not _overlaps(after + 1, checkpoint.position, accepted)
        if judged and (reason := _window(checkpoint, since, first_records.get(after), cadence)):
            found.append(reason)
        since = checkpoint
    after = since.position if since else 0
    end = result.last_position
    judged = end is not None and not _overlaps(after + 1, end, accepted)
    if judged and (reason := _tail(result, since, first_records.get(after), cadence, now)):
        found.append(reason)
    return found


def _exit_code(reasons: Sequence[Reason]) -> int:
    if any(r.code in TAMPERED_CODES for r in reasons):
        return TAMPERED
    return UNPROVEN if any(r.code in UNPROVEN_CODES for r in reasons) else PROVEN


def judge(
    result: VerifyResult,
    checkpoints: Iterable[Checkpoint],
    cadence: Cadence,
    trusted: bool,
    first_records: FirstRecords,
    now: datetime | None = None,
    accepted: Sequence[Accepted] = (),
    notes: Sequence[Reason] = (),
) -> Verdict:
    """The verdict on one verification (docs/audit-verify.md, "Verdicts and exit codes"). `trusted`: the checkpoint
    signatures were checked against a trusted public key; `now`: the clock for the unsigned tail of a live
    database (None for a file, whose tail is judged by its count only); `notes`: the caller's findings (e.g. the
    append-only trigger's state, or "record-unsealed", which is tampering), reported as they are, tampering first."""
    reasons = sorted(notes, key=lambda r: r.code not in TAMPERED_CODES)
    reasons += [
        Reason(ACCEPTED, f"records [{first}, {last}] were accepted unsigned by a restore: {why}", None, first, last)
        for first, last, why in accepted
    ]
    if not result.ok:
        bad = UNREADABLE if result.problem in UNREADABLE_PROBLEMS else TAMPERED
        return Verdict(bad, (failure_reason(result), *reasons))
    signed = distinct(checkpoints, result.last_position)
    if not trusted:
        found = (
            "no checkpoint"
            if not signed
            else f"the {len(signed)} checkpoint{'s' if len(signed) != 1 else ''} agree{'' if len(signed) != 1 else 's'}"
            " with the chain but signatures were not checked"
        )
        text = f"no trusted public key: {found}; give the ledger's key with --public-key"
        reasons.append(Reason("no-trusted-key", text, count=len(signed)))
    if result.checkpoints_unlinked:
        text = (
            f"{result.checkpoints_unlinked} checkpoints are v1 (from before checkpoints were linked): "
            "deleting one of them leaves no broken link"
        )
        reasons.append(Reason("unlinked-checkpoints", text, count=result.checkpoints_unlinked))
    reasons += _cadence(result, signed, cadence, first_records, now, accepted)
    return Verdict(_exit_code(reasons), tuple(reasons))
