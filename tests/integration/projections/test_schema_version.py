"""Views stored under another schema version (an older fingerprint, or the integer of before) are
dropped at start and rebuilt from the log; views of this version are left as they are."""

from __future__ import annotations

from api.root.services import Services
from projections import store
from tests.support.ledgers import identify_many


def stored_version(svc: Services) -> object:
    with svc.db.transaction(commit=False) as tx:
        return tx.scalar("SELECT version FROM view_schema WHERE id = 1")


def view_needs(svc: Services) -> int:
    with svc.db.transaction(commit=False) as tx:
        return int(tx.scalar("SELECT COUNT(*) FROM view_needs"))


def test_views_of_the_integer_schema_version_are_rebuilt_under_the_fingerprint(services: Services) -> None:
    # Given views caught up with five needs, stored as a release before fingerprints stored them
    identify_many(services.ledger, 5)
    services.runner.catch_up()
    with services.db.transaction() as tx:
        tx.execute("DROP TABLE view_schema")
        tx.execute("CREATE TABLE view_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
        tx.execute("INSERT INTO view_schema (id, version) VALUES (1, 7)")
    # When the tables are created at start
    store.create_tables(services.db)
    # Then the views were dropped, their position reset, and the fingerprint stored as text
    assert view_needs(services) == 0
    assert services.runner.position(store.VIEWS) == 0
    assert stored_version(services) == store.SCHEMA_VERSION
    # And the runner rebuilds them from the log
    services.runner.catch_up()
    assert view_needs(services) == 5


def test_views_of_another_fingerprint_are_rebuilt_and_of_this_one_kept(services: Services) -> None:
    # Given views caught up with three needs
    identify_many(services.ledger, 3)
    services.runner.catch_up()
    # When the tables are created again under the same version
    store.create_tables(services.db)
    # Then the views are left as they are
    assert view_needs(services) == 3
    # When the stored version is another fingerprint (a release with another shape)
    with services.db.transaction() as tx:
        tx.execute("UPDATE view_schema SET version = ? WHERE id = 1", ("000000000000",))
    store.create_tables(services.db)
    # Then the views are dropped to be rebuilt, under this version
    assert view_needs(services) == 0
    assert stored_version(services) == store.SCHEMA_VERSION
