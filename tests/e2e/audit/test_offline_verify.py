"""An auditor verifies an exported log offline, with only the file and the ledger's public key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.root.services import Services
from tests.e2e.audit.commands import export, run
from tests.support.audit_logs import edit_state_b64
from tests.support.processes import environment, ledger

# the file is the store: one store to export from is enough
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TARGET = 700


def offline(tmp_path: Path, *args: str):
    """`ledger verify` on a machine with no ledger: no database, no signing key, nothing created."""
    nowhere = tmp_path / "not-a-directory"
    nowhere.write_text("")  # a file: a database or key under it could not even be created
    env = environment(f"sqlite:///{nowhere}/ledger.db", nowhere / "key.pem")
    done = ledger(env, "verify", "--json", *args)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


@pytest.fixture
def exported(demo: Services, tmp_path: Path) -> tuple[list[dict], Path]:
    path = export(demo, tmp_path / "log.jsonl")
    public = tmp_path / "public.pem"
    public.write_text(run(demo, "audit", "public-key").stdout)
    return [json.loads(line) for line in path.read_text().splitlines()], public


def write(tmp_path: Path, lines: list[dict]) -> str:
    path = tmp_path / "edited.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def checked(tmp_path: Path, lines: list[dict], public: Path):
    return offline(tmp_path, "--log", write(tmp_path, lines), "--public-key", str(public))


def index_of(lines: list[dict], position: int) -> int:
    return next(i for i, o in enumerate(lines) if o.get("kind") == "event" and o["position"] == position)


def test_an_exported_log_verifies_offline_with_the_public_key(exported, tmp_path: Path) -> None:
    lines, public = exported
    # when the auditor verifies the file with the key they were given
    code, answer, said = checked(tmp_path, lines, public)
    # then it is proven and every checkpoint in it was verified
    assert code == 0, said
    assert answer["ok"] and answer["verdict"] == "proven"
    assert answer["checkpoints_verified"] == sum(o["kind"] == "checkpoint" for o in lines)
    assert answer["head"] == [o for o in lines if o["kind"] == "event"][-1]["chain_hash"]


def test_an_edited_state_in_the_file_is_found_at_its_position(exported, tmp_path: Path) -> None:
    lines, public = exported
    lines[index_of(lines, TARGET)] = edit_state_b64(lines[index_of(lines, TARGET)])
    code, answer, said = checked(tmp_path, lines, public)
    assert code == 1 and answer["first_bad_position"] == TARGET, said
    assert answer["problem"] == "leaf hash mismatch"


def test_a_line_removed_from_the_file_is_found_at_the_next_position(exported, tmp_path: Path) -> None:
    lines, public = exported
    del lines[index_of(lines, TARGET)]
    code, answer, said = checked(tmp_path, lines, public)
    # the record after the gap no longer chains onto the one before it
    assert code == 1 and answer["first_bad_position"] == TARGET + 1, said
    assert answer["problem"] == "chain hash mismatch"


def test_two_lines_exchanged_in_the_file_are_found(exported, tmp_path: Path) -> None:
    lines, public = exported
    i = index_of(lines, TARGET)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    code, answer, said = checked(tmp_path, lines, public)
    # the record moved up no longer chains onto the one before it
    assert code == 1 and answer["first_bad_position"] == TARGET + 1, said
    assert answer["problem"] == "chain hash mismatch"


def test_a_file_checked_against_a_wrong_key_fails(exported, tmp_path: Path) -> None:
    from projections.audit.checkpoints import SigningKey

    lines, _ = exported
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(SigningKey.generate().public_key_pem())
    code, answer, _ = offline(tmp_path, "--log", write(tmp_path, lines), "--public-key", str(wrong))
    assert code == 1 and answer["problem"] == "checkpoint signature invalid" and answer["verdict"] == "tampered"


def test_without_a_key_the_file_is_checked_but_not_proven(exported, tmp_path: Path) -> None:
    lines, _ = exported
    # when the auditor has no public key (and there is no key file where the ledger's would be)
    code, answer, said = offline(tmp_path, "--log", write(tmp_path, lines))
    # then the chain and the checkpoints agree, but nothing is proven: exit 3, saying why
    assert code == 3 and answer["verdict"] == "unproven" and answer["checkpoints_unsigned"] > 0, said
    assert [r["code"] for r in answer["reasons"]] == ["no-trusted-key"]
    assert "signatures not checked" in said and "no trusted public key" in said


def test_a_fresh_export_is_proven_to_its_last_record(exported, tmp_path: Path) -> None:
    # given an export (`ledger export log` signs the tail before writing)
    lines, public = exported
    events = [o for o in lines if o["kind"] == "event"]
    checkpoints = [o for o in lines if o["kind"] == "checkpoint"]
    # then its last checkpoint signs its last record, each one names the one before it
    assert checkpoints[-1]["position"] == events[-1]["position"]
    assert all(c["prev_position"] == p["position"] for p, c in zip(checkpoints, checkpoints[1:], strict=False))
    code, answer, _ = checked(tmp_path, lines, public)
    assert (code, answer["verdict"]) == (0, "proven")


def test_a_file_whose_checkpoint_lines_were_removed_is_not_proven(exported, tmp_path: Path) -> None:
    # given an export with every checkpoint line removed (its events and hashes intact)
    lines, public = exported
    bare = [o for o in lines if o["kind"] != "checkpoint"]
    # when verified with the ledger's key
    code, answer, said = checked(tmp_path, bare, public)
    # then nothing signs its records: exit 3, naming how many and where
    assert code == 3 and answer["verdict"] == "unproven", said
    (tail,) = [r for r in answer["reasons"] if r["code"] == "unsigned-tail"]
    events = [o for o in lines if o["kind"] == "event"]
    assert tail["count"] == len(events) and tail["to"] == events[-1]["position"]
    assert "no checkpoint signs any of the" in said


def test_a_file_with_a_checkpoint_line_removed_in_the_middle_is_tampered(exported, tmp_path: Path) -> None:
    # given an export from which one checkpoint line (not the last) was removed
    lines, public = exported
    middle = [i for i, o in enumerate(lines) if o["kind"] == "checkpoint"][-2]
    gone = lines[middle]["position"]
    del lines[middle]
    # then the next checkpoint's signed link names it: exit 1 at its position
    code, answer, _ = checked(tmp_path, lines, public)
    assert code == 1 and answer["problem"] == "signed link missing" and answer["first_bad_position"] == gone


def test_an_unreadable_or_missing_file_exits_2(database_url: str, tmp_path: Path) -> None:
    # (the module's store parameter is not needed: nothing but the file is read)
    junk = tmp_path / "junk.jsonl"
    junk.write_text("this is not JSON\n")
    code, answer, _ = offline(tmp_path, "--log", str(junk))
    assert (code, answer["verdict"]) == (2, "unreadable")
    code, answer, said = offline(tmp_path, "--log", str(tmp_path / "missing.jsonl"))
    assert (code, answer["verdict"]) == (2, "unreadable") and "no such log file" in said
