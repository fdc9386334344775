"""`ledger verify` against the database, run as the auditor runs it: intact stores pass, and each
kind of tampering with a stored event fails naming its position (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from api.root.services import Services
from projections.audit.checkpoints import SigningKey
from tests.e2e.audit.commands import run, verdict
from tests.support import tamper

TARGET = 700  # inside the log, between two checkpoints, with room for a swap partner after it


def test_an_untouched_store_verifies_and_says_what_it_checked(demo: Services) -> None:
    # given the demo data set, chained and checkpointed
    head = demo.runner.head()
    # when an auditor runs `ledger verify`
    done = run(demo, "verify")
    # then it exits 0 (proven) and says so on stderr: every record, the chain head, the checkpoints
    assert done.returncode == 0, done.stderr
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith(f"proven: {head} records to position {head}, chain head ")
    assert "checkpoints verified with key" in said and ", the last at position" in said
    # and as JSON: the verdict, its exit code and no reason against it
    code, answer, _ = verdict(demo)
    assert (code, answer["verdict"], answer["exit_code"], answer["reasons"]) == (0, "proven", 0, [])


@pytest.mark.parametrize("kind", sorted(tamper.TAMPERINGS))
def test_a_tampered_store_fails_verification_naming_the_position(demo: Services, kind: str) -> None:
    # given a stored event altered, deleted, inserted before, or swapped with a later one
    tamper.TAMPERINGS[kind](demo, TARGET)
    # when the auditor verifies the store
    code, answer, said = verdict(demo)
    # then it exits 1 (tampered) and names the tampered position, in JSON and in words
    assert code == 1, said
    assert answer["verdict"] == "tampered" and answer["exit_code"] == 1
    assert answer["ok"] is False and answer["first_bad_position"] == TARGET, answer
    assert answer["reasons"][0]["position"] == TARGET
    assert f"tampered: at position {TARGET}: " in said
    assert answer["count"] == TARGET - 1  # everything before it still verified


def test_undoing_a_tampering_makes_the_store_verify_again(demo: Services) -> None:
    # given a store whose altered byte was put back
    undo = tamper.alter_byte(demo, TARGET)
    assert verdict(demo)[0] == 1
    undo()
    # then it verifies: the check judges the bytes, not a memory of having failed
    assert verdict(demo)[0] == 0


def test_a_tamperer_who_recomputes_the_stored_hashes_is_caught_by_a_signed_checkpoint(
    demo: Services,
) -> None:
    # given an altered event whose stored leaf and chain hashes were recomputed to match
    tamper.alter_byte(demo, TARGET)
    tamper.rewrite_chain_from(demo, TARGET)
    # when the auditor verifies
    code, answer, said = verdict(demo)
    # then the first checkpoint after it no longer matches the chain: the damage is bracketed
    assert code == 1, said
    assert answer["problem"] == "checkpoint not on chain"
    assert answer["suspect_from"] <= TARGET <= answer["first_bad_position"]


def test_checkpoints_checked_against_a_wrong_key_fail(demo: Services, tmp_path) -> None:
    # given a public key that is not the ledger's
    other = tmp_path / "other.pem"
    other.write_bytes(SigningKey.generate().public_key_pem())
    # when the store is verified against it
    code, answer, said = verdict(demo, "--public-key", str(other))
    # then the first checkpoint's signature fails (tampered), and the message says which key was used
    assert code == 1 and answer["verdict"] == "tampered"
    assert answer["problem"] == "checkpoint signature invalid"
    assert "give the signing ledger's key" in said


def test_an_auditors_saved_checkpoint_catches_a_rewrite_even_by_the_key_holder(demo: Services, tmp_path) -> None:
    # given the auditor saved the latest checkpoint and the public key earlier
    saved, public = tmp_path / "saved.json", tmp_path / "public.pem"
    saved.write_text(run(demo, "audit", "checkpoint").stdout)
    public.write_text(run(demo, "audit", "public-key").stdout)
    assert verdict(demo, "--checkpoint", str(saved), "--public-key", str(public))[0] == 0
    # when someone with the database and the signing key rewrites history: event, hashes and
    # stored checkpoints (linked, v2) all made consistent again
    tamper.alter_byte(demo, TARGET)
    tamper.rewrite_chain_from(demo, TARGET)
    tamper.resign_stored_checkpoints(demo)
    assert verdict(demo)[0] == 0  # the store alone no longer shows it
    # then the auditor's own checkpoint does, at its position
    code, answer, _ = verdict(demo, "--checkpoint", str(saved), "--public-key", str(public))
    assert code == 1 and answer["problem"] == "checkpoint not on chain"
    assert answer["first_bad_position"] == json.loads(saved.read_text())["position"]


def test_an_unreadable_key_or_checkpoint_file_exits_2(demo: Services, tmp_path) -> None:
    # given a key file that is no key
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    # then verification cannot start, and says so with its own exit code
    done = run(demo, "verify", "--public-key", str(junk))
    assert done.returncode == 2 and "cannot read an Ed25519 public key" in done.stderr
    done = run(demo, "verify", "--checkpoint", str(tmp_path / "missing.json"))
    assert done.returncode == 2 and "cannot read checkpoints" in done.stderr
    # and with --json, the answer says so too
    code, answer, _ = verdict(demo, "--public-key", str(junk))
    assert (code, answer["verdict"], answer["reasons"][0]["code"]) == (2, "unreadable", "unreadable-input")
