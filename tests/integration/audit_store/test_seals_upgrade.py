"""A ledger written before seals existed is sealed once, at its first start with them (docs/seals.md, "Upgrading"):
records its checkpoints prove, then the tail on trust; never again after, and never past a checkpoint that fails."""

from __future__ import annotations

from typing import Any

from structlog.testing import capture_logs

from api.root.services import Services
from projections.audit.seal_upgrade import upgrade_seals
from projections.audit.seals import SEAL_LABEL, check_seals
from tests.support import tamper
from tests.support.stores import opened


def register(svc: Services, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        svc.ledger.register_organisation(f"XM-UPG-{i:04d}", f"Provider {i}", "21")


def old_ledger(svc: Services) -> None:
    """90 events: 60 under a checkpoint (cadence 50), 30 in the unsigned tail; then no seal at all, as a ledger
    written before seals existed has."""
    register(svc, 60)
    svc.runner.catch_up()
    register(svc, 30, start=60)
    svc.runner.catch_up()
    with svc.db.transaction(commit=False) as tx:
        assert [r["position"] for r in tx.execute("SELECT position FROM audit_checkpoints").fetchall()] == [60]
    with svc.db.transaction() as tx:
        tx.execute("DELETE FROM event_seals")


def seals(svc: Services) -> dict[int, str]:
    with svc.db.transaction(commit=False) as tx:
        return {int(r["position"]): r["seal"] for r in tx.execute("SELECT position, seal FROM event_seals").fetchall()}


def first_unsealed(svc: Services) -> int | None:
    with svc.db.transaction(commit=False) as tx:
        return check_seals(tx, svc.signing_key.derive(SEAL_LABEL))


def events(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in logs if e["event"] == name]


def test_the_first_start_seals_what_checkpoints_prove_then_the_tail_on_trust(services: Services) -> None:
    # given a ledger from before seals
    old_ledger(services)
    # when it is opened with seals for the first time
    with capture_logs() as logs, opened(services.settings) as again:
        # then every record is sealed: 1..60 proven by the checkpoint, 61..90 trusted, and it says so
        assert first_unsealed(again) is None and len(seals(again)) == 90 + 1  # and the marker
        [upgraded] = events(logs, "seals_upgraded")
        assert (upgraded["proven_from"], upgraded["proven_to"], upgraded["proven"]) == (1, 60, 60)
        assert (upgraded["trusted_from"], upgraded["trusted_to"], upgraded["trusted"]) == (61, 90, 30)
        # and the checkpointer signs the tail once it is due
        register(again, 60, start=90)
        again.runner.catch_up()
        with again.db.transaction(commit=False) as tx:
            assert tx.scalar("SELECT MAX(position) FROM audit_checkpoints") == 150
    # and it happens once: a later start, or the function run again, changes nothing and logs nothing
    before = seals(services)
    with capture_logs() as later, opened(services.settings) as third:
        assert upgrade_seals(third.db, third.events_table, third.signing_key) is None
    assert seals(services) == before and not events(later, "seals_upgraded")


def test_a_checkpoint_that_does_not_verify_stops_the_upgrade_there(services: Services) -> None:
    # given a ledger from before seals, one of whose signed records was changed in place
    old_ledger(services)
    state = tamper.row(services, 20)["state"]
    with tamper.writable(services) as (tx, table, pos):
        tx.execute(f"UPDATE {table} SET state = ? WHERE {pos} = 20", (state.replace(b"Provider 19", b"Provider 91"),))
    # when it is opened with seals: the checkpoint at 60 does not hold over the recomputed chain
    with capture_logs() as logs, opened(services.settings) as again:
        [stopped] = events(logs, "seals_upgrade_stopped")
        assert stopped["position"] == 60 and stopped["proven_to"] == 0
        # then nothing is sealed, not even the tail on trust; the checkpointer will stop at record 1
        assert seals(again).keys() == {0} and first_unsealed(again) == 1
        assert not events(logs, "seals_upgraded")


def test_seals_without_the_marker_are_not_resealed(services: Services) -> None:
    # given a sealed ledger whose upgrade marker and last seals were deleted (behind the ledger's back)
    register(services, 40)
    services.runner.catch_up()
    with services.db.transaction() as tx:
        tx.execute("DELETE FROM event_seals WHERE position = 0 OR position > 35")
    # when it is opened again, nothing is sealed on trust: the missing seals stay missing, and it says why
    with capture_logs() as logs, opened(services.settings) as again:
        assert events(logs, "seal_marker_missing") and not events(logs, "seals_upgraded")
        assert first_unsealed(again) == 36


def test_an_empty_ledger_is_marked_at_its_first_start(services: Services) -> None:
    # the services fixture opened a new store: the marker is there, and nothing else
    assert set(seals(services)) == {0}
    assert upgrade_seals(services.db, services.events_table, services.signing_key) is None
