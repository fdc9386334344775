"""PostgreSQL refuses to change or delete a stored event: a trigger on the events table."""

from __future__ import annotations

import psycopg
import pytest

from api.root.services import Services
from projections.audit.projection import trigger_name, trigger_state
from projections.audit.verify_store import verify_store

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def table(svc: Services) -> str:
    return svc.ledger.recorder.events_table_name


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET topic = 'domain.needs:Need.NeedWithdrawn' WHERE notification_id = 1",
        "UPDATE {table} SET state = state WHERE notification_id = 1",
        "DELETE FROM {table} WHERE notification_id = 1",
        "DELETE FROM {table}",
    ],
)
def test_the_events_table_refuses_update_and_delete(demo: Services, database_url: str, statement: str) -> None:
    # given a ledger with events, and a direct connection to its database (as a DBA has)
    # when anyone changes or deletes a stored event, it is refused
    refused = pytest.raises(psycopg.errors.RestrictViolation, match="append-only")
    with psycopg.connect(database_url) as conn, refused:
        conn.execute(statement.format(table=table(demo)))
    # then nothing changed: the store still verifies
    assert verify_store(demo.db, table(demo), demo.signing_key).result.ok


def test_the_ledger_still_appends_and_chains(services: Services) -> None:
    # the trigger is on UPDATE and DELETE only: writing new events goes on
    services.ledger.register_organisation("XM-OCHA-CBPF", "OCHA pooled funds", "40")
    services.ledger.rename_organisation(
        services.ledger.organisation_by_ref("XM-OCHA-CBPF").id, "OCHA country-based pooled funds"
    )
    services.runner.catch_up()
    assert services.runner.head() == 2
    assert verify_store(services.db, table(services), services.signing_key).result.ok


def test_creating_the_tables_again_keeps_one_enabled_trigger_and_re_enables_a_disabled_one(
    services: Services,
) -> None:
    # given the trigger disabled by hand
    with services.db.transaction() as tx:
        tx.execute(f"ALTER TABLE {table(services)} DISABLE TRIGGER {trigger_name(table(services))}")
        assert trigger_state(tx, table(services)) == "disabled"
    # when the ledger starts again (tables are created idempotently at every start)
    again = Services(services.settings)
    again.close()
    # then exactly one trigger exists, enabled again
    with services.db.transaction(commit=False) as tx:
        assert trigger_state(tx, table(services)) == "enabled"
        count = tx.scalar(
            "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = to_regclass(?) AND NOT tgisinternal", (table(services),)
        )
    assert count == 1
