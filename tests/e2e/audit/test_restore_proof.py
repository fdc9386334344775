"""`ledger restore` refuses what it cannot prove, on both stores, through the real command: a rewritten export
(hashes recomputed, checkpoints deleted), one re-signed with another key, one cut short of a checkpoint the auditor
saved, one whose tail no checkpoint signs; each is refused with its exit code and reasons, and writes nothing. An
unsigned tail accepted with a reason is restored and recorded as an event that verify reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from api.root.services import Services
from api.root.settings import Settings
from projections.audit.accepted import TOPIC, accepted_ranges
from projections.audit.chain import Chain
from projections.audit.checkpoints import FIRST, SigningKey
from projections.audit.log_format import record_from_json
from projections.audit.projection import last_checkpoint
from tests.e2e.audit.commands import export, run
from tests.support.audit_logs import edit_state_b64
from tests.support.processes import environment_of, ledger
from tests.support.stores import empty_store, opened

Line = dict[str, Any]
# the restoring ledger signs every 50 records, as the demo's did: one cadence is 50 + the runner's batch of 500
CADENCE = {"LEDGER_CHECKPOINT_EVERY_EVENTS": "50"}


def kind_of(svc: Services) -> str:
    return "postgres" if svc.settings.is_postgres else "sqlite"


def lines_of(path: Path) -> list[Line]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(path: Path, lines: list[Line]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def rewritten(lines: list[Line], position: int, key: SigningKey | None) -> list[Line]:
    """What a tamperer with the public recipe does: alter the event at `position`, recompute every leaf and chain
    hash, and drop every checkpoint line (`key` None) or re-sign each, linked as the ledger links them, with `key`."""
    chain, prev, out = Chain(), FIRST, []
    for line in lines:
        if line.get("kind") == "event":
            line = edit_state_b64(line) if line["position"] == position else line
            leaf, head = chain.append(record_from_json(line))
            out.append({**line, "leaf_hash": leaf.hex(), "chain_hash": head.hex()})
        elif line.get("kind") == "checkpoint":
            if key is not None:
                forged = key.sign(line["position"], line["count"], chain.head_hex, line["time"], prev)
                out.append(forged.to_dict())
                prev = (forged.position, forged.chain_hash)
        else:
            out.append(line)
    return out


def restore(target: Settings, *args: str) -> tuple[int, dict[str, Any], str]:
    """`ledger restore --json` into `target` at the demo's cadence: exit code, JSON answer, stderr."""
    done = ledger(environment_of(target, **CADENCE), "restore", "--json", *args)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def untouched(target: Settings, key_existed: bool) -> None:
    """Nothing was written: no database file or table, and no key file unless there was one before."""
    if target.is_postgres:
        with psycopg.connect(target.database_url) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchone()
        assert tables == (0,)
    else:
        assert not target.sqlite_path.exists()
    assert target.key_file.exists() == key_existed


def codes(answer: dict[str, Any]) -> list[str]:
    return [r["code"] for r in answer["reasons"]]


def test_a_rewritten_export_without_checkpoints_is_refused_and_nothing_is_written(
    demo: Services, tmp_path: Path
) -> None:
    # given the attack: one event altered, every leaf and chain hash recomputed, the checkpoint lines deleted
    forged = write(tmp_path / "forged.jsonl", rewritten(lines_of(export(demo, tmp_path / "log.jsonl")), 700, None))
    with empty_store(kind_of(demo), tmp_path, demo.settings.key_file) as target:
        # when it is restored where the ledger's own key is, at the default cadence (one covers all ~1,300 records)
        done = run(target, "restore", "--json", str(forged))
        code, answer, said = done.returncode, json.loads(done.stdout or "{}"), done.stderr
        # then it is refused as not proven: no trusted checkpoint signs any record, and the store stays empty
        assert code == 3, said
        assert codes(answer) == ["unsigned-tail"] and answer["reasons"][0]["from"] == 1
        assert "no checkpoint signs any of the" in said and "nothing written" in said
        untouched(target, key_existed=True)


def test_an_export_re_signed_with_another_key_is_refused_without_that_key(demo: Services, tmp_path: Path) -> None:
    # given the same attack with every checkpoint re-signed by the tamperer's own key
    other = SigningKey.generate()
    original = lines_of(export(demo, tmp_path / "log.jsonl"))
    forged = write(tmp_path / "forged.jsonl", rewritten(original, 700, other))
    first = next(line["position"] for line in original if line.get("kind") == "checkpoint")
    with empty_store(kind_of(demo), tmp_path, demo.settings.key_file) as target:
        # when it is restored trusting the ledger's key only
        code, answer, said = restore(target, str(forged))
        # then the first checkpoint's signature does not verify: tampered, named, nothing written
        assert code == 1, said
        assert codes(answer) == ["checkpoint-signature-invalid"]
        assert answer["reasons"][0]["position"] == first
        untouched(target, key_existed=True)
    with empty_store(kind_of(demo), tmp_path, tmp_path / "none.pem") as target:
        # and with no key at all (no --public-key, no key file) nothing can be proven: 3, and no key is made
        code, answer, said = restore(target, str(forged))
        assert code == 3 and codes(answer) == ["no-trusted-key"], said
        untouched(target, key_existed=False)


def test_a_truncated_export_is_refused_against_a_checkpoint_saved_later(demo: Services, tmp_path: Path) -> None:
    # given an export, the latest checkpoint an auditor saved, and the export cut at the checkpoint before it
    lines = lines_of(export(demo, tmp_path / "log.jsonl"))
    saved = tmp_path / "saved.json"
    saved.write_text(run(demo, "audit", "checkpoint").stdout)
    latest = json.loads(saved.read_text())
    cut = max(
        line["position"] for line in lines if line.get("kind") == "checkpoint" and line["position"] < latest["position"]
    )
    short = write(tmp_path / "short.jsonl", [line for line in lines if line.get("position", 0) <= cut])
    with empty_store(kind_of(demo), tmp_path, demo.settings.key_file) as target:
        # when it is restored with the saved checkpoint
        code, answer, said = restore(target, str(short), "--checkpoint", str(saved))
        # then the file ends before the saved checkpoint: tampered at its position, nothing written
        assert code == 1, said
        assert codes(answer) == ["log-ends-before-checkpoint"]
        assert answer["reasons"][0]["position"] == latest["position"]
        untouched(target, key_existed=True)
        # while without the saved checkpoint the cut cannot be seen: that is what saving one is for
        code, answer, said = restore(target, str(short))
        assert code == 0 and answer["last_position"] == cut, said


def test_an_unsigned_tail_longer_than_one_cadence_is_refused_unless_accepted_with_a_reason(
    demo: Services, tmp_path: Path
) -> None:
    # given an export whose checkpoints after position 600 are gone: its last ~700 records are signed by none
    lines = lines_of(export(demo, tmp_path / "log.jsonl"))
    kept = [line for line in lines if not (line.get("kind") == "checkpoint" and line["position"] > 600)]
    path = write(tmp_path / "tail.jsonl", kept)
    events = [line["position"] for line in kept if line.get("kind") == "event"]
    signed = max(line["position"] for line in kept if line.get("kind") == "checkpoint")
    tail = [p for p in events if p > signed]
    with empty_store(kind_of(demo), tmp_path, demo.settings.key_file) as target:
        # when it is restored as it is: refused, naming the tail's range and count, nothing written
        code, answer, said = restore(target, str(path))
        assert code == 3, said
        assert answer["reasons"] == [{**answer["reasons"][0], "code": "unsigned-tail", "from": tail[0], "to": tail[-1]}]
        assert answer["reasons"][0]["count"] == len(tail)
        untouched(target, key_existed=True)
        # when the tail is accepted without a reason: a usage error, nothing written
        done = ledger(environment_of(target, **CADENCE), "restore", str(path), "--accept-unsigned-tail")
        assert done.returncode == 2 and "--reason" in done.stderr
        done = ledger(
            environment_of(target, **CADENCE), "restore", str(path), "--accept-unsigned-tail", "--reason", " "
        )
        assert done.returncode == 2
        untouched(target, key_existed=True)
        # when it is accepted with a reason
        code, answer, said = restore(target, str(path), "--accept-unsigned-tail", "--reason", "last checkpoint lost")
        assert code == 0, said
        assert answer["accepted_tail"] == {"from": tail[0], "to": tail[-1], "count": len(tail)}
        # then the acceptance is an event after the restored records, naming the file's SHA-256, range, actor, reason
        with opened(target) as restored:
            note = _note(restored)
            assert note["position"] == answer["note_position"] > events[-1]
            assert note["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() == answer["file_sha256"]
            assert (note["first_position"], note["last_position"], note["count"]) == (tail[0], tail[-1], len(tail))
            assert note["reason"] == "last checkpoint lost" and note["actor"].startswith("cli:")
            ranges = accepted_ranges(restored.db, restored.events_table)
            assert [(first, last) for first, last, _ in ranges] == [(tail[0], tail[-1])]
        # and verify names the accepted range instead of proving it
        done = ledger(environment_of(target, **CADENCE), "verify", "--json")
        reported = json.loads(done.stdout)
        accepted = [r for r in reported.get("reasons", []) if r["code"] == "accepted-unsigned-range"]
        assert [(r["from"], r["to"]) for r in accepted] == [(tail[0], tail[-1])], done.stdout


def test_the_restored_ledgers_next_checkpoint_links_to_the_files_last(demo: Services, tmp_path: Path) -> None:
    # given an honest export restored under a new key, with the old public key given
    path = export(demo, tmp_path / "log.jsonl")
    last = [line for line in lines_of(path) if line.get("kind") == "checkpoint"][-1]
    old = tmp_path / "old.pem"
    old.write_bytes(demo.signing_key.public_key_pem())
    with empty_store(kind_of(demo), tmp_path, tmp_path / "new-key.pem") as target:
        code, answer, said = restore(target, str(path), "--public-key", str(old))
        assert code == 0 and answer["checkpoints"] >= 2, said
        # when the restored ledger records and signs again
        with opened(target.model_copy(update={"checkpoint_every_events": 1})) as restored:
            restored.ledger.register_organisation("XM-RESTORED-1", "After the restore", "40")
            restored.runner.catch_up()
            with restored.db.transaction(commit=False) as tx:
                signed = last_checkpoint(tx)
            new = tmp_path / "new.pem"
            new.write_bytes(restored.signing_key.public_key_pem())
        # then its first checkpoint names the file's last one, and verify with both keys proves the whole chain
        assert signed is not None and signed.key_id != last["key_id"]
        assert (signed.prev_position, signed.prev_chain_hash) == (last["position"], last["chain_hash"])
        done = run(target, "verify", "--public-key", str(old), "--public-key", str(new))
        assert done.returncode == 0, done.stderr


def _note(svc: Services) -> dict[str, Any]:
    """The one UnsignedTailAccepted event in the store, decoded, with its position."""
    table, pos = svc.events_table, "rowid" if svc.db.dialect == "sqlite" else "notification_id"
    with svc.db.transaction(commit=False) as tx:
        rows = tx.execute(f"SELECT {pos} AS position, state FROM {table} WHERE topic = ?", (TOPIC,)).fetchall()
    assert len(rows) == 1
    decoded: Callable[[bytes], Any] = svc.ledger.mapper.transcoder.decode
    return {**decoded(bytes(rows[0]["state"])), "position": int(rows[0]["position"])}
