"""The auditor's witness, run as the real `ledger witness` against a real server with an auditor key, on both
stores: it keeps its own copy and exits 0 while the ledger's history extends it, 1 when the ledger answers a
rewrite, a cut, a vanished or forked checkpoint (naming the first diverging position), 2 when it cannot read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.root.services import Services
from projections.audit import store as audit_store
from projections.audit.checkpoints import FIRST, SigningKey
from projections.audit.projection import AUDIT_LOCK, insert_checkpoint
from projections.audit.witness_store import CHECKPOINTS, LOG, STATE
from tests.support import tamper
from tests.support.ledgers import identify_many
from tests.support.processes import environment_of, ledger
from tests.support.servers import LiveServer


@pytest.fixture
def auditor_env(services: Services, keys: dict[str, str]) -> dict[str, str]:
    return environment_of(services.settings, LEDGER_API_KEY=keys["auditor"])


@pytest.fixture
def pem(services: Services, tmp_path: Path) -> Path:
    """The auditor's own copy of the ledger's public key."""
    path = tmp_path / "ledger-public.pem"
    path.write_bytes(services.signing_key.public_key_pem())
    return path


def grow(svc: Services, n: int) -> None:
    """n more events, chained (and checkpointed every 50) by the server's own runner."""
    identify_many(svc.ledger, n)
    assert svc.runner.wait_for(svc.runner.head(), timeout=60)


def witness(env: dict[str, str], url: str, pem: Path, directory: Path) -> tuple[int, dict[str, Any], str]:
    """`ledger witness --json`: its exit code, its JSON answer and what it said on stderr."""
    done = ledger(env, "witness", "--url", url, "--public-key", str(pem), "--dir", str(directory), "--json")
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def stored_checkpoints(svc: Services) -> list[Any]:
    with svc.db.transaction(commit=False) as tx:
        return audit_store.checkpoints(tx)


def chained_positions(svc: Services) -> list[int]:
    with svc.db.transaction(commit=False) as tx:
        return [r["position"] for r in tx.execute("SELECT position FROM audit_log ORDER BY position").fetchall()]


def resign_checkpoints(svc: Services) -> None:
    """What an operator holding the real key does after recomputing the stored hashes: sign every checkpoint
    again over the stored chain, each linked to the re-signed previous one."""
    prev = FIRST
    with svc.db.transaction() as tx:
        for c in audit_store.checkpoints(tx):
            head = tx.scalar("SELECT chain_hash FROM audit_log WHERE position = ?", (c.position,))
            new = svc.signing_key.sign(c.position, c.count, head, c.time, prev)
            tx.execute(
                "UPDATE audit_checkpoints SET chain_hash = ?, signature = ?, prev_chain_hash = ? WHERE position = ?",
                (new.chain_hash, new.signature, new.prev_chain_hash, c.position),
            )
            prev = (new.position, new.chain_hash)


def cut_from(svc: Services, position: int) -> None:
    """The ledger truncated: every record from `position` on gone, and every checkpoint past the new end."""
    with tamper.writable(svc) as (tx, table, pos):
        tx.execute(f"DELETE FROM {table} WHERE {pos} >= ?", (position,))
        tx.execute("DELETE FROM audit_log WHERE position >= ?", (position,))
        tx.execute("DELETE FROM audit_checkpoints WHERE position >= ?", (position,))


def copy_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.name in (LOG, CHECKPOINTS, STATE)}


@pytest.fixture
def synced(services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, tmp_path: Path) -> Path:
    """A ledger of about 130 events (checkpoints every 50) and a witness copy of it, in sync."""
    grow(services, 120)
    copy = tmp_path / "witness"
    code, answer, stderr = witness(auditor_env, server.url, pem, copy)
    assert code == 0, stderr
    return copy


def test_the_first_sync_copies_the_log_then_new_records_extend_it_and_the_copy_verifies(
    services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, tmp_path: Path
) -> None:
    # given a ledger with records and checkpoints
    grow(services, 120)
    copy = tmp_path / "witness"
    # when the auditor's witness runs for the first time
    code, first, stderr = witness(auditor_env, server.url, pem, copy)
    # then it holds every chained record and every checkpoint, and says so
    assert code == 0, stderr
    positions, checkpoints = chained_positions(services), stored_checkpoints(services)
    assert first["verdict"] == "extends" and first["reasons"] == []
    assert first["added"] == {"records": len(positions), "checkpoints": len(checkpoints)} and len(checkpoints) >= 2
    assert first["held"]["position"] == positions[-1] and first["held"]["count"] == len(positions)
    assert first["held"]["checkpoint"] == checkpoints[-1].to_dict()
    state = json.loads((copy / STATE).read_text())
    assert (state["position"], state["count"], state["checkpoints"]) == (
        positions[-1],
        len(positions),
        len(checkpoints),
    )
    # when the ledger records more and the witness runs again
    grow(services, 60)
    code, second, stderr = witness(auditor_env, server.url, pem, copy)
    # then only the new records and checkpoints are appended
    assert code == 0, stderr
    now = chained_positions(services)
    assert second["added"]["records"] == len(now) - len(positions)
    assert second["added"]["checkpoints"] == len(stored_checkpoints(services)) - len(checkpoints)
    assert second["held"]["position"] == now[-1]
    events = [json.loads(line) for line in (copy / LOG).read_text().splitlines()]
    assert [e["position"] for e in events if e["kind"] == "event"] == now
    assert len((copy / CHECKPOINTS).read_text().splitlines()) == len(stored_checkpoints(services))
    # and a run with nothing new adds nothing
    code, third, _ = witness(auditor_env, server.url, pem, copy)
    assert code == 0 and third["added"] == {"records": 0, "checkpoints": 0}
    # and the copy is a log `ledger verify` proves with the auditor's key
    verified = ledger(auditor_env, "verify", "--log", str(copy / LOG), "--public-key", str(pem), "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_crash_mid_run_leaves_a_copy_the_next_run_repairs(
    services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, synced: Path
) -> None:
    # given a run that died after appending, before its state file (a half-written line at the end)
    before = copy_files(synced)
    with open(synced / LOG, "ab") as log:
        log.write(b'{"kind":"event","position":99999,"stream_id":"')
    # when the next run comes
    grow(services, 5)
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    # then the unclaimed tail is gone and the copy extends as if the crash never happened
    assert code == 0, stderr
    assert answer["added"]["records"] == 5
    assert (synced / LOG).read_bytes().startswith(before[LOG])
    assert b'"position":99999,' not in (synced / LOG).read_bytes()  # the torn line (hashes may hold 99999)


def test_a_rewrite_after_the_sync_is_named_even_when_hashes_and_signatures_are_redone(
    services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, synced: Path
) -> None:
    # given the operator alters an event the witness holds, recomputes the stored hashes and re-signs every
    # checkpoint with the real key: the ledger agrees with itself again
    target = chained_positions(services)[40]
    tamper.alter_byte(services, target)
    tamper.rewrite_chain_from(services, target)
    resign_checkpoints(services)
    before = copy_files(synced)
    # when the witness runs
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    # then it exits 1 naming the altered position, and its copy is untouched
    assert code == 1, stderr
    assert answer["verdict"] == "diverged"
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("record-changed", target)]
    assert f"at position {target}" in stderr
    assert copy_files(synced) == before


def test_records_not_yet_signed_are_witnessed_too(
    services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, synced: Path
) -> None:
    # given new records past the last checkpoint: one's stored hashes do not match its bytes, and an event the
    # copy holds is gone from the store while the chain still lists it
    grow(services, 5)
    last = chained_positions(services)[-1]
    with services.db.transaction() as tx:
        tx.execute("UPDATE audit_log SET leaf_hash = ? WHERE position = ?", ("00" * 32, last))
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    # then the witness believes the served bytes, not the served hashes, and appends nothing
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("served-hash-mismatch", last)]
    held = json.loads((synced / STATE).read_text())["position"]
    tamper.delete(services, held)
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("record-deleted", held)]


def test_a_cut_of_the_last_records_and_checkpoints_is_named(
    services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, synced: Path
) -> None:
    # given the ledger loses its last records and the checkpoints over them
    positions = chained_positions(services)
    first_cut = positions[stored_checkpoints(services)[-1].count - 5]  # five records before the last checkpoint
    cut_from(services, first_cut)
    # when the witness runs
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    # then it exits 1 naming the first position it holds and the ledger no longer serves
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("log-cut", first_cut)]


def test_a_deleted_middle_checkpoint_is_named_by_the_copy_and_by_the_signed_links(
    services: Services,
    server: LiveServer,
    auditor_env: dict[str, str],
    pem: Path,
    synced: Path,
    tmp_path: Path,
) -> None:
    # given the ledger's first checkpoint of two or more is deleted after the witness held it
    middle = stored_checkpoints(services)[0].position
    with services.db.transaction() as tx:
        tx.execute("DELETE FROM audit_checkpoints WHERE position = ?", (middle,))
    # when the witness runs: then the checkpoint it holds has vanished
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("checkpoint-vanished", middle)]
    # and a witness that never held it sees the next checkpoint's signed link name it
    code, fresh, stderr = witness(auditor_env, server.url, pem, tmp_path / "late")
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in fresh["reasons"]] == [("signed-link-missing", middle)]
    assert not (tmp_path / "late").exists()  # a run that diverges writes nothing


def test_a_new_checkpoint_that_forks_the_signed_sequence_is_named(
    services: Services, server: LiveServer, auditor_env: dict[str, str], pem: Path, synced: Path
) -> None:
    # given new records, and a checkpoint over them signed with the real key but linked to another history
    held = stored_checkpoints(services)[-1]
    grow(services, 10)
    with services.db.transaction() as tx:
        # under the checkpointer's lock; the runner may have signed the new head already (it signs every 50
        # records at a batch end, and where batches end varies), and the forked checkpoint takes its place
        services.db.lock(tx, AUDIT_LOCK)
        tx.execute("DELETE FROM audit_checkpoints WHERE position > ?", (held.position,))
        head = tx.execute("SELECT position, chain_hash FROM audit_log ORDER BY position DESC LIMIT 1").fetchone()
        count = int(tx.scalar("SELECT COUNT(*) FROM audit_log"))
        forked = services.signing_key.sign(head["position"], count, head["chain_hash"], prev=(held.position, "ab" * 32))
        insert_checkpoint(tx, forked)
    # when the witness runs: then it names the fork and appends nothing
    before = copy_files(synced)
    code, answer, stderr = witness(auditor_env, server.url, pem, synced)
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("checkpoint-fork", forked.position)]
    assert copy_files(synced) == before


def test_a_wrong_public_key_is_a_divergence_and_a_copy_kept_under_another_key_is_refused(
    services: Services,
    server: LiveServer,
    auditor_env: dict[str, str],
    synced: Path,
    tmp_path: Path,
) -> None:
    # given a public key that is not the ledger's
    other = tmp_path / "other.pem"
    other.write_bytes(SigningKey.generate().public_key_pem())
    first = stored_checkpoints(services)[0].position
    # when a new witness syncs with it: then the first checkpoint does not verify (1) and nothing is written
    code, answer, stderr = witness(auditor_env, server.url, other, tmp_path / "new")
    assert code == 1, stderr
    assert [(r["code"], r["position"]) for r in answer["reasons"]] == [("checkpoint-signature-invalid", first)]
    assert not (tmp_path / "new").exists()
    # and a copy kept under the right key is not continued under another one (2)
    code, answer, stderr = witness(auditor_env, server.url, other, synced)
    assert code == 2 and answer["reasons"][0]["code"] == "copy-key-differs", stderr


def test_an_unreachable_server_a_refused_key_and_an_unreadable_public_key_exit_2(
    services: Services,
    server: LiveServer,
    keys: dict[str, str],
    auditor_env: dict[str, str],
    pem: Path,
    synced: Path,
    tmp_path: Path,
) -> None:
    before = copy_files(synced)
    # a closed port
    code, answer, stderr = witness(auditor_env, "http://127.0.0.1:9", pem, synced)
    assert code == 2 and answer["reasons"][0]["code"] == "unreachable", stderr
    assert "cannot reach" in stderr
    # a provider's key: the log is not theirs to read
    provider = {**auditor_env, "LEDGER_API_KEY": keys["provider"]}
    code, answer, stderr = witness(provider, server.url, pem, synced)
    assert code == 2 and "refused the API key" in stderr, stderr
    # no key at all
    nobody = {k: v for k, v in auditor_env.items() if k != "LEDGER_API_KEY"}
    code, answer, stderr = witness(nobody, server.url, pem, synced)
    assert code == 2 and answer["reasons"][0]["code"] == "no-api-key"
    # a public key file that is no key
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    code, answer, stderr = witness(auditor_env, server.url, junk, synced)
    assert code == 2 and answer["reasons"][0]["code"] == "bad-public-key"
    # a folder that holds something else
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    code, answer, stderr = witness(auditor_env, server.url, pem, stranger)
    assert code == 2 and answer["reasons"][0]["code"] == "copy-unusable"
    # and none of this touched the copy
    assert copy_files(synced) == before
