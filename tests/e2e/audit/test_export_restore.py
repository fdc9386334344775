"""Backup by export, restore into an empty store: the same views, positions and chain head, on
either store and across them; a non-empty store or a tampered file is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.demo.load import load
from api.root.services import Services
from projections.audit import projection as audit
from tests.e2e.audit.commands import export, run, verdict
from tests.support.audit_logs import edit_state_b64
from tests.support.stores import empty_store, opened, require_postgres


def kind_of(svc: Services) -> str:
    return "postgres" if svc.settings.is_postgres else "sqlite"


def evidence(svc: Services) -> dict[str, Any]:
    """What a restore must reproduce: every view's rows, the positions and the chain head."""
    with svc.db.transaction(commit=False) as tx:
        positions = [r["position"] for r in tx.execute("SELECT position FROM audit_log ORDER BY position").fetchall()]
        head = audit.head_of(tx)
    return {
        "needs": svc.durable.needs(),
        "programmes": svc.durable.programmes(),
        "organisations": svc.durable.organisations(),
        "rates": svc.durable.rates(),
        "positions": positions,
        "head": head["chain_hash"] if head else None,
    }


def test_a_restored_export_has_the_same_views_positions_and_chain_head(demo: Services, tmp_path: Path) -> None:
    # given the demo exported as JSON Lines
    path = export(demo, tmp_path / "log.jsonl")
    # when it is restored into an empty store of the same kind, with the ledger's key backed up too
    with empty_store(kind_of(demo), tmp_path, demo.settings.key_file) as target:
        done = run(target, "restore", str(path))
        assert done.returncode == 0, done.stderr
        # then views, positions and chain head equal the original's
        with opened(target) as restored:
            assert evidence(restored) == evidence(demo)
        # and the restored store verifies, with the original's checkpoints kept and checked
        code, answer, said = verdict(target, "--checkpoint", str(path))
        assert code == 0, said
        assert answer["checkpoints_verified"] >= len(_checkpoints(demo))  # a saved copy of one counts once


def test_a_restore_under_a_new_key_needs_the_old_public_key_and_imports_the_old_checkpoints(
    demo: Services, tmp_path: Path
) -> None:
    # given an export, the original's public key, and an empty store whose key does not exist yet
    path = export(demo, tmp_path / "log.jsonl")
    old = tmp_path / "old.pem"
    old.write_bytes(demo.signing_key.public_key_pem())
    with empty_store(kind_of(demo), tmp_path, tmp_path / "new-key.pem") as target:
        # when it is restored without the old key: no key to trust, nothing proven, no key made, nothing written
        refused = run(target, "restore", str(path))
        assert refused.returncode == 3 and "no trusted public key" in refused.stderr
        assert not target.key_file.exists()
        # when it is restored with the old key
        done = run(target, "restore", str(path), "--public-key", str(old))
        assert done.returncode == 0, done.stderr
        # then every checkpoint of the file is imported, still under the old key
        assert f"{len(_checkpoints(demo))} checkpoints imported" in done.stderr
        # and the store verifies with both keys, against the old checkpoints too; with its own key only, it cannot
        new = tmp_path / "new.pem"
        new.write_text(run(target, "audit", "public-key").stdout)
        code, _, said = verdict(target, "--checkpoint", str(path), "--public-key", str(old), "--public-key", str(new))
        assert code == 0, said
        assert verdict(target)[0] != 0


def test_a_restore_into_a_store_that_is_not_empty_is_refused(demo: Services, tmp_path: Path) -> None:
    # given an export of a store
    path = export(demo, tmp_path / "log.jsonl")
    head = demo.runner.head()
    # when it is restored into that same store
    done = run(demo, "restore", str(path))
    # then nothing is written
    assert done.returncode == 1 and "not empty" in done.stderr
    assert demo.runner.head() == head


def test_a_tampered_export_is_refused_and_nothing_is_restored(demo: Services, tmp_path: Path) -> None:
    # given an export with one byte of the event at position 700 changed
    path = export(demo, tmp_path / "log.jsonl")
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(_edited(path.read_text().splitlines(keepends=True), 700)))
    with empty_store(kind_of(demo), tmp_path, demo.settings.key_file) as target:
        # when it is restored
        done = run(target, "restore", str(tampered))
        # then the restore refuses it, naming the position, and the store stays empty
        assert done.returncode == 1 and "at position 700: leaf hash mismatch" in done.stderr
        with opened(target) as untouched:
            assert untouched.runner.head() == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_ledger_moves_to_postgresql_by_export_and_restore(tmp_path: Path, services: Services) -> None:
    require_postgres()
    # given the demo on SQLite
    load(services.ledger)
    services.runner.catch_up()
    path = export(services, tmp_path / "log.jsonl")
    # when it is restored into PostgreSQL
    with empty_store("postgres", tmp_path, services.settings.key_file) as target:
        assert run(target, "restore", str(path)).returncode == 0
        # then the same views, positions and chain head
        with opened(target) as moved:
            assert evidence(moved) == evidence(services)


def test_positions_with_gaps_are_kept_on_restore_into_either_store(tmp_path: Path) -> None:
    require_postgres()
    # given a PostgreSQL ledger whose positions have gaps (rolled-back inserts burn ids)
    with empty_store("postgres", tmp_path, tmp_path / "key.pem") as source_settings:
        with opened(source_settings) as source:
            source.ledger.register_organisation("XM-DAC-41114", "UNDP", "40")
            _burn_positions(source, 3)
            load(source.ledger)
            source.runner.catch_up()
            original = evidence(source)
            assert original["positions"][:2] == [1, 5]
            path = export(source, tmp_path / "log.jsonl")
        # when it is restored into an empty PostgreSQL and an empty SQLite store
        for kind in ("postgres", "sqlite"):
            with empty_store(kind, tmp_path, tmp_path / "key.pem") as target:
                done = run(target, "restore", str(path))
                assert done.returncode == 0, done.stderr
                # then each has the same positions, gaps included, and the same chain head
                with opened(target) as restored:
                    assert evidence(restored) == original, kind
                assert verdict(target)[0] == 0


def _burn_positions(svc: Services, n: int) -> None:
    table = svc.ledger.recorder.events_table_name
    with svc.db.transaction() as tx:
        for _ in range(n):
            tx.execute("SELECT nextval(pg_get_serial_sequence(?, 'notification_id'))", (table,))


def _checkpoints(svc: Services) -> list[Any]:
    with svc.db.transaction(commit=False) as tx:
        return tx.execute("SELECT position FROM audit_checkpoints").fetchall()


def _edited(lines: list[str], position: int) -> list[str]:
    import json

    out = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("kind") == "event" and obj["position"] == position:
            line = json.dumps(edit_state_b64(obj)) + "\n"
        out.append(line)
    return out
