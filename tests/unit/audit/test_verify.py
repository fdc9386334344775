"""Verifying a log: intact logs pass; altered, deleted, inserted and reordered records are named.

Three ways to verify, as `ledger verify` does: against the stored chain of the database
(`expected`), against the hashes carried by an exported log, and against signed checkpoints alone.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.audit.chain import Chain, chain_hash, leaf_hash
from projections.audit.checkpoints import SigningKey
from projections.audit.log_format import FORMAT, read_checkpoints, read_jsonl_log, record_from_json
from projections.audit.verify import verify_log
from projections.audit.verify_result import VerifyResult
from tests.support.audit_logs import (
    altered,
    deleted,
    edit_state_b64,
    export,
    forged_before,
    inserted,
    make_log,
    sign_every,
    stored_chain,
    swapped_contents,
    swapped_order,
)

KEY = SigningKey.generate()
OTHER = SigningKey.generate()
LOG = make_log(12, seed=1)
P = [r.position for r in LOG]
FORGED = forged_before(LOG, 5).position


def failed_at(result: VerifyResult) -> tuple[str | None, int | None]:
    assert not result.ok, result
    return result.problem, result.first_bad_position


def by_stored_chain(records):
    return verify_log(records, expected=stored_chain(LOG))


def by_export(records):
    return verify_log(export(LOG, records))


def by_checkpoints(records, every=1):
    return verify_log(records, sign_every(LOG, KEY, every), KEY.public_key_pem())


# ---------------------------------------------------------------- intact logs


def test_an_untouched_log_verifies_every_way():
    # given an intact log, its stored chain, its export and checkpoints signed every 4 records
    checkpoints = sign_every(LOG, KEY, every=4)
    head = Chain()
    for record in LOG:
        head.append(record)
    # when it is verified against each, and all at once
    results = [
        verify_log(LOG),
        verify_log(LOG, expected=stored_chain(LOG)),
        verify_log(export(LOG)),
        verify_log(LOG, checkpoints, KEY.public_key_pem()),
        verify_log(export(LOG, checkpoints=checkpoints), public_key=KEY.public_key_raw_hex()),
        verify_log(LOG, checkpoints, KEY.public_key_pem(), expected=stored_chain(LOG)),
    ]
    # then every result is ok and describes the whole log
    for result in results:
        assert result.ok and result.problem is None and result.first_bad_position is None
        assert (result.count, result.head, result.last_position) == (12, head.head_hex, P[-1])
    assert results[3].checkpoints_verified == len(checkpoints) == 3
    assert results[4].checkpoints_verified == 3


def test_an_empty_log_verifies_at_genesis():
    result = verify_log([])
    assert result.ok and (result.count, result.head, result.last_position) == (0, "00" * 32, None)


def test_checkpoints_without_a_public_key_are_checked_on_the_chain_but_counted_unsigned():
    # given checkpoints whose signatures cannot be checked (no key given)
    checkpoints = sign_every(LOG, KEY, every=4)
    # when verifying
    intact = verify_log(LOG, checkpoints)
    broken = verify_log(altered(LOG, 2), checkpoints)
    # then their links are still checked, and the result says the signatures were not
    assert intact.ok and (intact.checkpoints_verified, intact.checkpoints_unsigned) == (0, 3)
    assert failed_at(broken)[0] == "checkpoint not on chain"


def test_a_stored_chain_that_lags_the_log_checks_the_records_it_covers():
    # given a stored chain written up to record 8 (the projection has not caught up)
    lagging = stored_chain(LOG)[:8]
    # when verifying the whole log against it
    # then the log is intact, and a record it covers is still checked
    assert verify_log(LOG, expected=lagging).ok
    assert failed_at(verify_log(altered(LOG, 7), expected=lagging)) == ("leaf hash mismatch", P[7])


def test_stored_hashes_as_bytes_or_uppercase_hex_are_the_same_hashes():
    stored = stored_chain(LOG)
    as_bytes = [(p, bytes.fromhex(leaf), bytes.fromhex(head)) for p, leaf, head in stored]
    upper = [(p, leaf.upper(), head.upper()) for p, leaf, head in stored]
    assert verify_log(LOG, expected=as_bytes).ok
    assert verify_log(LOG, expected=upper).ok


# ---------------------------------------------------------------- each tampering, each way

TAMPERING = {
    "a state byte altered": (altered(LOG, 5), P[5]),
    "a record deleted": (deleted(LOG, 5), P[5]),
    "a forged record inserted": (inserted(LOG, 5), FORGED),
    "two records' contents swapped": (swapped_contents(LOG, 5, 8), P[5]),
    "two records reordered": (swapped_order(LOG, 5), P[5]),
}

STORED_CHAIN = {
    "a state byte altered": "leaf hash mismatch",
    "a record deleted": "record missing",
    "a forged record inserted": "record not on stored chain",
    "two records' contents swapped": "leaf hash mismatch",
    "two records reordered": "record missing",
}


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_is_named_at_its_position_by_the_stored_chain(case):
    # given the log tampered with in the database, its stored chain untouched
    records, position = TAMPERING[case]
    # when it is verified against the stored chain
    result = by_stored_chain(records)
    # then the tampered position is named, and the verified prefix ends just before it
    assert failed_at(result) == (STORED_CHAIN[case], position)
    assert result.last_position is not None and result.last_position < position


EXPORT = {  # the first line, in file order, that no longer fits its stored hashes
    "a state byte altered": ("leaf hash mismatch", P[5]),
    "a record deleted": ("chain hash mismatch", P[6]),
    "a forged record inserted": ("record inserted", FORGED),
    "two records' contents swapped": ("leaf hash mismatch", P[5]),
    "two records reordered": ("chain hash mismatch", P[6]),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_is_named_by_the_hashes_an_exported_log_carries(case):
    # given an exported log edited line by line (a forged line with hashes chained on its own)
    records, _ = TAMPERING[case]
    # when it is verified on its own
    # then the first line that no longer fits is named
    assert failed_at(by_export(records)) == EXPORT[case]


CHECKPOINTS = {
    "a state byte altered": "checkpoint not on chain",
    "a record deleted": "checkpoint not on chain",
    "a forged record inserted": "record inserted",
    "two records' contents swapped": "checkpoint not on chain",
    "two records reordered": "checkpoint not on chain",
}


@pytest.mark.parametrize("case", TAMPERING)
def test_tampering_is_named_by_a_checkpoint_at_every_event_alone(case):
    # given the tampered records with no stored hashes, and a signed checkpoint at every event
    records, position = TAMPERING[case]
    # when verified against the checkpoints and the public key
    result = by_checkpoints(records)
    # then the tampered position is named exactly
    assert failed_at(result) == (CHECKPOINTS[case], position)
    assert result.checkpoints_verified == 5  # the ones before it held


@pytest.mark.parametrize("case", TAMPERING)
def test_sparse_checkpoints_bound_the_tampering_to_the_window_since_the_last_good_one(case):
    # given checkpoints every 4 records (after records 4, 8 and 12)
    records, position = TAMPERING[case]
    # when verified against them alone
    result = by_checkpoints(records, every=4)
    # then the failing checkpoint is named, and the tampered position lies in the reported window
    assert not result.ok
    assert result.suspect_from is not None and result.first_bad_position is not None
    assert result.suspect_from <= position <= result.first_bad_position
    if case == "two records reordered":  # the order itself gives it away, exactly
        assert failed_at(result) == ("position out of order", P[5])
    else:  # after the good checkpoint at record 4, up to the failing one at record 8
        assert (result.suspect_from, result.first_bad_position) == (P[3] + 1, P[7])


# ---------------------------------------------------------------- edges


def test_deleting_the_last_record_is_caught_by_the_checkpoint_that_signed_it():
    # given the last record deleted from the database and from the stored chain alike
    records = deleted(LOG, 11)
    # when verified against the stored chain as it was, and against the checkpoints
    # then both name it
    assert failed_at(by_stored_chain(records)) == ("record missing", P[11])
    assert failed_at(by_checkpoints(records, every=4)) == ("log ends before checkpoint", P[11])
    lines = export(LOG, records, sign_every(LOG, KEY, every=4))
    assert failed_at(verify_log(lines, public_key=KEY.public_key_pem()))[0] == ("log ends before checkpoint")


def test_an_export_rehashed_after_tampering_is_still_caught_by_its_signed_checkpoints():
    # given an export whose every hash was recomputed after record 5 was edited
    tampered = altered(LOG, 5)
    lines = export(tampered, checkpoints=sign_every(LOG, KEY, every=4))
    # when verified on its own hashes it looks intact, but with the signed checkpoints it is not
    assert verify_log([line for line in lines if line["kind"] != "checkpoint"]).ok
    result = verify_log(lines, public_key=KEY.public_key_pem())
    assert failed_at(result) == ("checkpoint not on chain", P[7])
    assert result.suspect_from == P[3] + 1


def test_checkpoints_signed_with_another_key_are_refused():
    # given checkpoints signed by key A
    checkpoints = sign_every(LOG, KEY, every=4)
    # when verified with key B
    result = verify_log(LOG, checkpoints, OTHER.public_key_pem())
    # then the first checkpoint is named as invalid
    assert failed_at(result) == ("checkpoint signature invalid", P[3])
    # and with both keys (a rotation), A's checkpoints verify
    assert verify_log(LOG, checkpoints, [OTHER.public_key_pem(), KEY.public_key_pem()]).ok


def test_a_forged_checkpoint_is_refused_before_it_can_vouch_for_anything():
    # given a checkpoint whose chain hash was edited to match a tampered log
    tampered = altered(LOG, 2)
    forged = sign_every(tampered, OTHER, every=12)[0]
    good = sign_every(LOG, KEY, every=12)[0]
    edited = replace(good, chain_hash=forged.chain_hash)
    # when the tampered log is verified with it
    # then its signature fails
    assert failed_at(verify_log(tampered, [edited], KEY.public_key_pem())) == (
        "checkpoint signature invalid",
        P[11],
    )


def test_records_out_of_position_order_are_refused():
    records = [LOG[0], LOG[2], LOG[1]]
    assert failed_at(verify_log(records)) == ("position out of order", P[1])
    assert failed_at(verify_log([LOG[0], LOG[0]])) == ("position out of order", P[0])


def test_a_checkpoint_line_after_events_beyond_it_is_out_of_place():
    # given an export whose first checkpoint line was moved to the end
    lines = export(LOG, checkpoints=sign_every(LOG, KEY, every=4))
    first = next(i for i, line in enumerate(lines) if line["kind"] == "checkpoint")
    moved = lines[:first] + lines[first + 1 :] + [lines[first]]
    # when verified
    # then the move is reported at the checkpoint's position: the next checkpoint signs it as its predecessor
    result = verify_log(moved, public_key=KEY.public_key_pem())
    assert failed_at(result) == ("signed link missing", P[3])
    # and with only that checkpoint in the file, the line itself is out of place
    alone = [line for line in moved if line["kind"] != "checkpoint" or line["position"] == P[3]]
    assert failed_at(verify_log(alone, public_key=KEY.public_key_pem())) == ("checkpoint out of place", P[3])


def test_event_lines_without_stored_hashes_or_with_broken_fields_are_reported():
    lines = [line for line in export(LOG) if line["kind"] == "event"]
    no_hashes = [*lines[:3], {k: v for k, v in lines[3].items() if k != "chain_hash"}, *lines[4:]]
    bad_base64 = [*lines[:3], {**lines[3], "state": "***"}, *lines[4:]]
    bad_uuid = [*lines[:3], {**lines[3], "stream_id": "not-a-uuid"}, *lines[4:]]
    bad_hash = [*lines[:3], {**lines[3], "leaf_hash": "zz"}, *lines[4:]]
    unknown = [*lines[:3], {"kind": "comment"}, *lines[3:]]
    assert failed_at(verify_log(no_hashes)) == ("stored hashes missing", P[3])
    assert failed_at(verify_log(bad_base64)) == ("malformed record", P[3])
    assert failed_at(verify_log(bad_uuid)) == ("malformed record", P[3])
    assert failed_at(verify_log(bad_hash)) == ("malformed record", P[3])
    assert failed_at(verify_log(unknown)) == ("malformed record", None)


def test_an_export_edited_in_its_base64_state_is_caught_at_that_line():
    lines = export(LOG)
    index = next(i for i, line in enumerate(lines) if line.get("position") == P[4])
    lines[index] = edit_state_b64(lines[index])
    assert failed_at(verify_log(lines)) == ("leaf hash mismatch", P[4])


# ---------------------------------------------------------------- the export file


def test_an_export_file_round_trips_and_verifies(tmp_path):
    # given the log exported to a JSON Lines file, with checkpoints
    checkpoints = sign_every(LOG, KEY, every=4)
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in export(LOG, checkpoints=checkpoints)))
    # when read back
    objects = list(read_jsonl_log(path))
    # then it starts with the format header, its events decode to the same records,
    # it doubles as a checkpoint file, and it verifies with the key
    assert objects[0] == {"kind": "header", "format": FORMAT}
    events = [o for o in objects if o["kind"] == "event"]
    assert [record_from_json(o) for o in events] == LOG
    assert {"type", "leaf_hash", "chain_hash"} <= set(events[0])
    assert read_checkpoints(path) == checkpoints
    assert verify_log(read_jsonl_log(path), public_key=KEY.public_key_pem()).ok
    records_only = [o for o in objects if o["kind"] != "checkpoint"]
    assert verify_log(records_only, read_checkpoints(path), KEY.public_key_pem()).ok


def test_an_export_line_holds_exactly_the_fields_an_auditor_needs():
    line = next(o for o in export(LOG) if o["kind"] == "event")
    record = LOG[0]
    assert line["position"] == record.position and line["version"] == record.version
    assert line["stream_id"] == str(record.stream_id) and line["topic"] == record.topic
    assert line["leaf_hash"] == leaf_hash(record).hex()
    assert line["chain_hash"] == chain_hash(bytes(32), leaf_hash(record)).hex()


def test_a_line_that_is_not_json_names_its_line_number():
    source = io.StringIO('{"kind":"header","format":"uncac-ledger-log/1"}\n\n{oops\n')
    with pytest.raises(ValueError, match=":3: not JSON"):
        list(read_jsonl_log(source))
    result = verify_log(read_jsonl_log(io.StringIO('{"kind":"header"}\n[1]\n')))
    assert failed_at(result)[0] == "malformed record"


# ---------------------------------------------------------------- mutations, at random

KINDS = ["alter", "delete", "insert", "swap contents", "swap order"]


def tamper(records, kind, i, j):
    """The tampered records and the position that should be named."""
    if kind == "alter":
        return altered(records, i), records[i].position
    if kind == "delete":
        return deleted(records, i), records[i].position
    if kind == "insert":
        return inserted(records, i), forged_before(records, i).position
    if kind == "swap contents":
        i, j = sorted((i, j))
        return swapped_contents(records, i, j), records[i].position
    i = min(i, len(records) - 2)
    return swapped_order(records, i), records[i].position


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(3, 30),
    seed=st.integers(0, 2**32),
    kind=st.sampled_from(KINDS),
    data=st.data(),
    every=st.integers(1, 5),
)
def test_every_single_tampering_of_a_random_log_is_detected_and_located(n, seed, kind, data, every):
    # given a random log, its stored chain and checkpoints every few records
    records = make_log(n, seed)
    i = data.draw(st.integers(0, n - 1), label="i")
    j = data.draw(st.integers(0, n - 1).filter(lambda x: x != i), label="j")
    tampered, position = tamper(records, kind, i, j)
    checkpoints = sign_every(records, KEY, every)
    # when the tampered log is verified against the stored chain
    stored = verify_log(tampered, expected=stored_chain(records))
    # then it fails exactly at the tampered position
    assert not stored.ok and stored.first_bad_position == position, stored
    # and against the signed checkpoints alone, the reported window holds the tampered position
    signed = verify_log(tampered, checkpoints, KEY.public_key_pem())
    assert not signed.ok, signed
    assert signed.suspect_from is not None and signed.first_bad_position is not None
    assert signed.suspect_from <= position <= signed.first_bad_position, signed
    if every == 1:  # a checkpoint at every event localises exactly
        assert signed.first_bad_position == position, signed
    # and an exported log carrying its hashes fails too (its last line is covered by a checkpoint)
    lines = export(records, tampered, checkpoints)
    assert not verify_log(lines, public_key=KEY.public_key_pem()).ok


def test_a_checkpoint_file_may_be_json_lines_a_json_list_or_a_saved_api_answer(tmp_path):
    # given the same checkpoints saved three ways
    checkpoints = sign_every(LOG, KEY, every=4)
    dicts = [c.to_dict() for c in checkpoints]
    bare = [{k: v for k, v in d.items() if k != "kind"} for d in dicts]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(d) + "\n" for d in bare))
    (tmp_path / "b.json").write_text(json.dumps(dicts))
    (tmp_path / "c.json").write_text(json.dumps({"items": dicts, "next_cursor": None}))
    (tmp_path / "d.json").write_text(json.dumps({"detail": "not found"}))
    # when read
    # then each gives the checkpoints back, and a document without any is an error
    for name in ("a.jsonl", "b.json", "c.json"):
        assert read_checkpoints(tmp_path / name) == checkpoints
    with pytest.raises(ValueError, match="no checkpoints"):
        read_checkpoints(tmp_path / "d.json")


@pytest.mark.parametrize("every", [1, 4])
def test_with_stored_hashes_and_checkpoints_together_the_earliest_failure_is_named(every):
    # given a record deleted from the database, whose stored chain and checkpoints still list it
    records = deleted(LOG, 5)
    # when verified with both
    result = verify_log(records, sign_every(LOG, KEY, every), KEY.public_key_pem(), expected=stored_chain(LOG))
    # then the stored chain names the missing position itself, not a later checkpoint
    assert failed_at(result) == ("record missing", P[5])


def test_a_record_whose_fields_do_not_fit_the_layout_is_named_as_malformed():
    bad = replace(LOG[4], version=-1)
    result = verify_log([*LOG[:4], bad, *LOG[5:]])
    assert failed_at(result) == ("malformed record", P[4])
    assert result.count == 4 and result.last_position == P[3]


def test_a_source_that_cannot_read_a_record_is_reported_at_the_position_it_names():
    # given a record source that fails on a row it cannot decode, naming its position
    class Unreadable(ValueError):
        position = P[6]

    def source():
        yield from LOG[:6]
        raise Unreadable("originator_id is not a UUID")

    # when verified
    result = verify_log(source())
    # then the failure is a malformed record at that position, after a good prefix of six
    assert failed_at(result) == ("malformed record", P[6])
    assert "originator_id" in (result.detail or "") and result.count == 6
