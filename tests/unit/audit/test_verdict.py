"""The verdict on a verification (projections/audit/verdict.py): exit codes 0 proven, 1 tampered, 2 unreadable,
3 consistent but not proven, from the checkpoints' cadence, the unsigned tail, key trust and accepted ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from projections.audit.checkpoints import FIRST, Checkpoint, SigningKey
from projections.audit.verdict import Cadence, Reason, distinct, judge
from projections.audit.verify_result import LEAF_MISMATCH, MALFORMED, VerifyResult

KEY = SigningKey.generate()
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CADENCE = Cadence(every_events=100, every_seconds=600, batch=50)  # at most 150 records, 600 s + 60 s + 60 s


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(seconds: float) -> str:
    return at(seconds).isoformat()


def checkpoints(*marks: tuple[int, float]) -> list[Checkpoint]:
    """Linked checkpoints at (position = count, seconds after T0)."""
    out: list[Checkpoint] = []
    for position, seconds in marks:
        prev = (out[-1].position, out[-1].chain_hash) if out else FIRST
        out.append(KEY.sign(position, position, f"{position:064x}", at(seconds), prev))
    return out


def ok(count: int) -> VerifyResult:
    return VerifyResult(True, count, "ab" * 32, count or None)


def firsts(cps: list[Checkpoint], seconds: float = 0.0) -> dict[int, tuple[int, str]]:
    """The first record after genesis and after each checkpoint, recorded `seconds` after that checkpoint."""
    found = {0: (1, iso(0))}
    for c in cps:
        found[c.position] = (c.position + 1, iso(datetime.fromisoformat(c.time).timestamp() - T0.timestamp() + seconds))
    return found


def codes(verdict) -> list[str]:
    return [r.code for r in verdict.reasons]


def test_checkpoints_at_the_cadence_and_a_short_tail_are_proven():
    # given checkpoints every 100 records, within minutes, and 20 records after the last
    cps = checkpoints((100, 30), (200, 90), (300, 150))
    # when judged with a trusted key, just after the tail began
    verdict = judge(ok(320), cps, CADENCE, True, firsts(cps, 5), now=at(200))
    # then it is proven, with nothing against it
    assert (verdict.code, verdict.status, verdict.reasons) == (0, "proven", ())
    assert verdict.to_dict() == {"verdict": "proven", "exit_code": 0, "reasons": []}


def test_an_empty_log_is_proven():
    assert judge(ok(0), [], CADENCE, True, {}, now=T0).code == 0


def test_without_a_trusted_key_nothing_is_proven():
    cps = checkpoints((100, 30))
    verdict = judge(ok(100), cps, CADENCE, False, firsts(cps))
    assert (verdict.code, verdict.status, codes(verdict)) == (3, "unproven", ["no-trusted-key"])
    assert verdict.reasons[0].count == 1


@pytest.mark.parametrize(("problem", "code", "status"), [(LEAF_MISMATCH, 1, "tampered"), (MALFORMED, 2, "unreadable")])
def test_a_failed_verification_is_tampered_or_unreadable_naming_the_position(problem, code, status):
    # given a verification that failed at 42, the damage bracketed from 31
    failed = VerifyResult(False, 41, "ab" * 32, 41, 42, problem, "what went wrong", 31)
    # when judged, even with no trusted key
    verdict = judge(failed, [], CADENCE, False, {})
    # then the failure decides, first among the reasons, with its position and window
    assert (verdict.code, verdict.status) == (code, status)
    first = verdict.to_dict()["reasons"][0]
    assert first["code"] == problem.replace(" ", "-")
    assert (first["position"], first["from"]) == (42, 31)
    assert first["message"].startswith(f"at position 42: {problem}: what went wrong")


def test_more_records_between_two_checkpoints_than_the_cadence_allows_are_missing_checkpoints():
    # given 151 records between two checkpoints (at most 100 + 50 batch slack)
    cps = checkpoints((100, 30), (251, 60))
    verdict = judge(ok(251), cps, CADENCE, True, firsts(cps))
    # then it is not proven, naming the range and the count
    assert verdict.code == 3 and codes(verdict) == ["missing-checkpoints"]
    assert verdict.reasons[0].to_dict() | {"message": ""} == {
        "code": "missing-checkpoints",
        "message": "",
        "from": 101,
        "to": 251,
        "count": 151,
    }
    # and at exactly the limit it is proven
    assert judge(ok(250), checkpoints((100, 30), (250, 60)), CADENCE, True, firsts(cps)).code == 0


def test_more_records_from_genesis_to_the_first_checkpoint_than_the_cadence_allows_are_missing_checkpoints():
    cps = checkpoints((151, 30))
    verdict = judge(ok(151), cps, CADENCE, True, firsts(cps))
    assert codes(verdict) == ["missing-checkpoints"] and verdict.reasons[0].first == 1


def test_a_checkpoint_later_than_the_time_cadence_allows_is_missing_checkpoints():
    # given the first record after a checkpoint 10 s after it, and the next checkpoint 721 s after that
    # (the deadline: max(first record, previous + 600 s) + 60 s + 60 s = 720 s after the previous)
    cps = checkpoints((100, 0), (110, 721))
    verdict = judge(ok(110), cps, CADENCE, True, firsts(cps, 10))
    assert verdict.code == 3 and codes(verdict) == ["missing-checkpoints"]
    assert "was signed at" in verdict.reasons[0].message
    # and one second earlier it is on time
    assert judge(ok(110), checkpoints((100, 0), (110, 720)), CADENCE, True, firsts(cps, 10)).code == 0


def test_a_quiet_ledger_is_measured_from_the_first_record_after_the_pause():
    # given a checkpoint, a day of silence, then a record and a checkpoint 2 minutes later
    cps = checkpoints((100, 0), (101, 86_400 + 120))
    # then the gap in time is the pause, not missing checkpoints
    assert judge(ok(101), cps, CADENCE, True, firsts(cps, 86_400)).code == 0


def test_a_first_record_of_unknown_time_after_genesis_cannot_be_judged_by_time():
    cps = checkpoints((10, 30))
    verdict = judge(ok(10), cps, CADENCE, True, {0: (1, None)})
    assert verdict.code == 3 and codes(verdict) == ["record-time-unknown"]


@pytest.mark.parametrize(
    ("tail", "now", "unsigned"),
    [
        (150, None, False),  # a file: its tail is judged by its count only
        (151, None, True),
        (150, 719, False),  # the live database: 600 s + 120 s slack after the last checkpoint
        (10, 721, True),
    ],
)
def test_the_unsigned_tail_may_be_one_cadence_long(tail, now, unsigned):
    # given records after the last checkpoint (signed at 0 s, the first of them recorded at 1 s)
    cps = checkpoints((100, 0))
    verdict = judge(ok(100 + tail), cps, CADENCE, True, firsts(cps, 1), now=None if now is None else at(now))
    # then it is proven while within one cadence, and "unsigned-tail" past it, naming range and count
    assert verdict.code == (3 if unsigned else 0)
    if unsigned:
        (reason,) = verdict.reasons
        assert (reason.code, reason.first, reason.last, reason.count) == ("unsigned-tail", 101, 100 + tail, tail)


def test_records_no_checkpoint_signs_are_never_proven():
    # given a few records and no checkpoint at all (deleted, stripped, or not signed yet)
    verdict = judge(ok(5), [], CADENCE, True, {0: (1, iso(0))}, now=at(1))
    assert verdict.code == 3 and codes(verdict) == ["unsigned-tail"]
    assert verdict.reasons[0].message.startswith("no checkpoint signs any of the 5 records [1, 5]")


def test_with_both_triggers_off_no_unsigned_record_is_within_the_cadence():
    cps = checkpoints((100, 0))
    assert judge(ok(101), cps, Cadence(0, 0, 50), True, firsts(cps), now=at(1)).code == 3
    assert judge(ok(100), cps, Cadence(0, 0, 50), True, firsts(cps), now=at(1)).code == 0


def test_a_range_a_restore_accepted_unsigned_is_reported_and_not_judged_by_the_cadence():
    # given 400 unsigned records [1, 400] a restore accepted, then the restoring ledger's first checkpoint
    cps = checkpoints((400, 30))
    accepted = [(1, 400, "400 unsigned records accepted on restore by ops: 'the old ledger burned'")]
    verdict = judge(ok(400), cps, CADENCE, True, firsts(cps), accepted=accepted)
    # then it is proven, and says which range only the restore vouches for
    assert verdict.code == 0 and codes(verdict) == ["accepted-unsigned-range"]
    assert (verdict.reasons[0].first, verdict.reasons[0].last) == (1, 400)
    # and without the acceptance the same gap is missing checkpoints
    assert judge(ok(400), cps, CADENCE, True, firsts(cps)).code == 3


def test_the_callers_notes_are_reported_and_change_nothing():
    cps = checkpoints((100, 0))
    note = Reason("append-only-trigger-disabled", "the append-only trigger is disabled")
    verdict = judge(ok(100), cps, CADENCE, True, firsts(cps), notes=[note])
    assert verdict.code == 0 and verdict.reasons == (note,)


def test_v1_checkpoints_are_noted_as_unlinked():
    result = VerifyResult(True, 100, "ab" * 32, 100, checkpoints_verified=1, checkpoints_unlinked=1)
    cps = [KEY.sign(100, 100, f"{100:064x}", at(0), prev=None)]
    verdict = judge(result, cps, CADENCE, True, firsts(cps))
    assert verdict.code == 0 and codes(verdict) == ["unlinked-checkpoints"]


def test_a_saved_copy_of_a_checkpoint_counts_once():
    cps = checkpoints((100, 0), (200, 60))
    assert distinct([cps[1], cps[0], cps[1]]) == cps
    assert distinct(cps, until=150) == cps[:1]


def test_a_callers_finding_of_tampering_comes_first_and_decides():
    cps = checkpoints((100, 0))
    trigger = Reason("append-only-trigger-disabled", "the append-only trigger is disabled")
    unsealed = Reason("record-unsealed", "the record at 101 has no valid seal", 101)
    verdict = judge(ok(101), cps, CADENCE, True, firsts(cps, 1), notes=[trigger, unsealed])
    assert verdict.code == 1 and verdict.reasons == (unsealed, trigger)
