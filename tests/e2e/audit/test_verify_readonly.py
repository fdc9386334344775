"""`ledger verify` only reads: on SQLite and PostgreSQL it creates no key, no table, no trigger, no file and no
directory, and changes nothing it finds (a disabled append-only trigger stays disabled, and is reported). Where the
public key comes from is explicit: --public-key, or the ledger's key file when it exists, never a new one."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from api.cli.audit import events_table
from api.root.services import Services
from projections.audit.projection import trigger_name
from tests.e2e.audit.commands import run, verdict
from tests.support.processes import environment, ledger
from tests.support.stores import drop_postgres_database, new_postgres_database, postgres_url


def verify_json(url: str, key_file: Path, *args: str) -> tuple[int, dict, str]:
    import json

    done = ledger(environment(url, key_file), "verify", "--json", *args)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def schema(svc: Services) -> set[tuple[str, ...]]:
    """Every table, index and trigger of the store (with a trigger's enabled flag)."""
    with svc.db.transaction(commit=False) as tx:
        if tx.dialect == "sqlite":
            rows = tx.execute("SELECT type, name FROM sqlite_master").fetchall()
            return {(r["type"], r["name"]) for r in rows}
        tables = tx.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        triggers = tx.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal").fetchall()
    return {("table", r["tablename"]) for r in tables} | {("trigger", r["tgname"], r["tgenabled"]) for r in triggers}


def test_the_events_table_is_named_without_opening_the_ledger(services: Services) -> None:
    assert events_table(services.settings) == services.events_table


def test_verify_creates_no_key_table_or_trigger_and_without_a_key_proves_nothing(demo: Services, tmp_path) -> None:
    # given a ledger, and a key path where no key exists
    before = schema(demo)
    absent = tmp_path / "keys" / "signing-key.pem"
    # when verified without --public-key
    code, answer, said = verify_json(demo.settings.database_url, absent)
    # then no key is made: nothing is proven (3), and nothing was created
    assert code == 3 and [r["code"] for r in answer["reasons"]] == ["no-trusted-key"], said
    assert not absent.exists() and not absent.parent.exists()
    assert schema(demo) == before
    # and with the ledger's public key given, the same store is proven
    public = tmp_path / "public.pem"
    public.write_bytes(demo.signing_key.public_key_pem())
    assert verify_json(demo.settings.database_url, absent, "--public-key", str(public))[0] == 0
    assert not absent.exists() and schema(demo) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_copy_of_the_database_in_another_folder_is_proven_with_the_public_key_and_creates_no_file(
    demo: Services, tmp_path
) -> None:
    # given the database file copied into another folder (after SQLite's write-ahead log is merged into it)
    with sqlite3.connect(demo.settings.sqlite_path) as source:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(demo.settings.sqlite_path, folder / "ledger.db")
    public = tmp_path / "public.pem"
    public.write_text(run(demo, "audit", "public-key").stdout)
    url, key = f"sqlite:///{folder}/ledger.db", folder / "signing-key.pem"  # the default key path there
    # when verified there with the ledger's public key, then without any
    proven = verify_json(url, key, "--public-key", str(public))
    unproven = verify_json(url, key)
    # then the first is proven, the second consistent but not proven, and neither created a file
    assert proven[0] == 0 and proven[1]["verdict"] == "proven", proven[2]
    assert unproven[0] == 3 and unproven[1]["reasons"][0]["code"] == "no-trusted-key", unproven[2]
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.db"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_missing_database_file_is_unreadable_and_not_created(database_url: str, tmp_path) -> None:
    # given a database path in a folder that does not exist
    where = tmp_path / "nowhere" / "ledger.db"
    code, answer, said = verify_json(f"sqlite:///{where}", tmp_path / "key.pem")
    # then it exits 2, and neither the folder nor the file nor a key was made
    assert (code, answer["verdict"]) == (2, "unreadable"), said
    assert "no database file" in said
    assert not where.parent.exists() and not (tmp_path / "key.pem").exists()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_postgres_database_without_a_ledger_is_unreadable_and_left_empty(database_url: str, tmp_path) -> None:
    # given an empty database, and one that does not exist
    name = new_postgres_database()
    try:
        code, answer, said = verify_json(postgres_url(name), tmp_path / "key.pem")
        missing = verify_json(postgres_url(name + "_absent"), tmp_path / "key.pem")
        import psycopg

        with psycopg.connect(postgres_url(name)) as conn:
            tables = conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    finally:
        drop_postgres_database(name)
    # then both are unreadable (2), and the empty one is still empty
    assert (code, answer["verdict"]) == (2, "unreadable") and "not a ledger's database" in said
    assert missing[0] == 2 and missing[1]["verdict"] == "unreadable"
    assert tables == (0,)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_verify_reports_a_disabled_append_only_trigger_and_leaves_it_disabled(demo: Services) -> None:
    # given the append-only trigger disabled by someone
    table = demo.events_table
    with demo.db.transaction() as tx:
        tx.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger_name(table)}")
    # when verified
    code, answer, said = verdict(demo)
    # then the chain is still proven, the trigger is reported, and it is still disabled afterwards
    assert code == 0, said
    assert "append-only-trigger-disabled" in [r["code"] for r in answer["reasons"]]
    assert answer["trigger"] == "disabled" and "the append-only trigger on the events table is disabled" in said
    with demo.db.transaction(commit=False) as tx:
        flag = tx.scalar("SELECT tgenabled FROM pg_trigger WHERE tgname = ?", (trigger_name(table),))
    assert flag == "D"


def test_the_public_key_command_reads_the_key_file_and_never_makes_one(demo: Services, tmp_path) -> None:
    # given a ledger whose key file is elsewhere than the configured path
    before = schema(demo)
    absent = tmp_path / "keys" / "signing-key.pem"
    # when its public key is asked for there
    done = ledger(environment(demo.settings.database_url, absent), "audit", "public-key")
    # then it is unreadable input (2): no key is made up, nothing is created
    assert done.returncode == 2 and "no signing key" in done.stderr, done.stderr
    assert not absent.exists() and not absent.parent.exists() and schema(demo) == before
    # and at the real path it prints the ledger's own key
    printed = ledger(environment(demo.settings.database_url, demo.settings.key_file), "audit", "public-key")
    assert printed.returncode == 0 and printed.stdout.encode("ascii") == demo.signing_key.public_key_pem()
