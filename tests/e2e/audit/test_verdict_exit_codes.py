"""`ledger verify`'s exit codes on the live database, on SQLite and PostgreSQL, as an auditor runs it: deleted
checkpoints, an unsigned tail, hashes recomputed behind the checkpoints' back. A script checking `rc == 0` must
pass none of them. (The same codes for an exported log: test_offline_verify.py.)"""

from __future__ import annotations

from pathlib import Path

from api.root.services import Services
from tests.e2e.audit.commands import verdict
from tests.support import tamper

TARGET = 700


def reason(answer: dict, code: str) -> dict:
    (found,) = [r for r in answer["reasons"] if r["code"] == code]
    return found


def test_a_checkpoint_deleted_in_the_middle_is_tampered_and_named(demo: Services) -> None:
    # given the demo's checkpoints, one in the middle deleted from the database
    positions = tamper.checkpoint_positions(demo)
    assert len(positions) >= 3
    gone = positions[len(positions) // 2]
    tamper.delete_checkpoints(demo, [gone])
    # when the auditor verifies
    code, answer, said = verdict(demo)
    # then the next checkpoint's signed link names it: exit 1 at its position
    assert code == 1 and answer["verdict"] == "tampered", said
    assert answer["problem"] == "signed link missing" and answer["first_bad_position"] == gone
    assert reason(answer, "signed-link-missing")["position"] == gone
    assert f"tampered: at position {gone}: signed link missing" in said


def test_every_checkpoint_deleted_is_not_proven(demo: Services) -> None:
    # given every checkpoint deleted from the database
    head = demo.runner.head()
    tamper.delete_checkpoints(demo)
    # then the chain still agrees, but nothing signs it: exit 3, saying how many records and where
    code, answer, said = verdict(demo)
    assert code == 3 and answer["verdict"] == "unproven", said
    tail = reason(answer, "unsigned-tail")
    assert (tail["from"], tail["to"], tail["count"]) == (1, head, head)
    assert "no checkpoint signs any of the" in said


def test_an_altered_event_with_recomputed_hashes_and_no_checkpoints_is_never_proven(
    demo: Services, tmp_path: Path
) -> None:
    # given an altered event, its stored hashes recomputed, and the checkpoints that would betray it deleted
    tamper.alter_byte(demo, TARGET)
    tamper.rewrite_chain_from(demo, TARGET)
    tamper.delete_checkpoints(demo)
    # when an auditor verifies with the public key only (no key file where the ledger's would be)
    public = tmp_path / "public.pem"
    public.write_bytes(demo.signing_key.public_key_pem())
    elsewhere = demo.settings.model_copy(update={"signing_key_file": tmp_path / "absent.pem"})
    code, answer, said = verdict(elsewhere, "--public-key", str(public))
    # then verify does not say proven: nothing signs the records (3)
    assert code == 3 and answer["verdict"] == "unproven", said
    assert reason(answer, "unsigned-tail")["count"] == demo.runner.head()
    # and on the ledger's host, with its key file, the altered record's seal names it (1)
    code, answer, said = verdict(demo)
    assert code == 1 and reason(answer, "record-unsealed")["position"] == TARGET, said


def test_an_unsigned_tail_longer_than_one_cadence_is_not_proven(demo: Services) -> None:
    # given the last checkpoints deleted, leaving more records unsigned than one cadence allows
    # (the test settings sign every 50 events; the runner's batch of 500 is the slack: 550 at most)
    positions = tamper.checkpoint_positions(demo)
    head = demo.runner.head()
    kept = [p for p in positions if head - p > 550]
    assert kept, positions
    tamper.delete_checkpoints(demo, [p for p in positions if p > kept[-1]])
    # then it exits 3 naming the tail: its range and its count
    code, answer, said = verdict(demo)
    assert code == 3 and answer["verdict"] == "unproven", said
    tail = reason(answer, "unsigned-tail")
    assert (tail["from"], tail["to"], tail["count"]) == (kept[-1] + 1, head, head - kept[-1])
    assert f"after the last checkpoint (at {kept[-1]})" in said


def test_an_unsigned_tail_within_one_cadence_is_proven(demo: Services) -> None:
    # given a few records written after the last checkpoint was signed, not chained yet
    demo.ledger.register_organisation("XM-DAC-9", "A late organisation", "10")
    # then they are hashed, noted as unchained, and within the cadence: proven
    code, answer, said = verdict(demo)
    assert code == 0, said
    assert reason(answer, "unchained-records")["count"] == 1


def test_a_row_inserted_behind_the_application_is_tampered_and_named(demo: Services) -> None:
    # given a row inserted straight into the events table after the last checkpoint, then chained by the runner
    # (the checkpointer signs no record without the ledger's seal)
    at = demo.runner.head() + 1
    forged = {**tamper.row(demo, 1), "originator_version": 99}
    with tamper.writable(demo) as (tx, table, pos):
        tx.execute(
            f"INSERT INTO {table} ({pos}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            (at, forged["originator_id"], 99, forged["topic"], forged["state"]),
        )
    demo.runner.catch_up()
    # when verified on the ledger's host, where its key file is (only it can tell a seal)
    code, answer, said = verdict(demo)
    # then it is tampered, naming the row's position
    assert code == 1 and answer["verdict"] == "tampered", said
    assert reason(answer, "record-unsealed")["position"] == at
    assert f"tampered: the record at {at} has no valid seal" in said
