"""One store location: LEDGER_HOME (default the per-user data directory) holds the default store and signing key for
`make run`, the server and every CLI command, whatever folder they run from; commands that read or append refuse,
creating nothing, when no ledger is there; errors name what the user typed.

Every process here is the installed `ledger` (or `make run`), started from a folder that is not the project's, with
HOME pointing at a temporary folder and no LEDGER_ setting at all, as a newcomer's shell would be.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from api.root.services import Services
from api.root.settings import Settings
from bench.common import wait_listening
from tests import paths
from tests.support.processes import LEDGER, ledger_on
from tests.support.servers import free_port
from tests.support.stores import new_database

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SAMPLE = paths.SAMPLES / "activity-standard-example-annotated.xml"
# Every command that reads or appends (api/cli/main.py), with arguments it would otherwise accept
READERS = [
    ("keys", "issue", "--role", "admin", "--name", "ops"),
    ("keys", "list"),
    ("keys", "revoke", "1f2e3d4c-0000-4000-8000-000000000000"),
    ("import", "iati", str(SAMPLE)),
    ("export", "iati"),
    ("export", "csv"),
    ("export", "log"),
    ("report", "irg", "KEN"),
    ("verify",),
    ("rebuild",),
    ("worker",),
    ("audit", "checkpoint"),
    ("audit", "public-key"),
]


def newcomer(home: Path, **extra: str) -> dict[str, str]:
    """A shell's environment: no LEDGER_ setting, no XDG_DATA_HOME, HOME a temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "XDG_"))}
    return {**env, "HOME": str(home), "LEDGER_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1", **extra}


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEDGER, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def tree(folder: Path) -> list[str]:
    """Every path under `folder` (the folder itself if it exists), sorted."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder.parent)) for p in [folder, *folder.rglob("*")])


@contextmanager
def started(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process (its own session, output to a file); ended by its own id if the test did not."""
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def test_a_key_issued_from_any_folder_works_against_make_run_which_stops_cleanly(tmp_path: Path) -> None:
    # Given a newcomer's HOME and `make run` on a free port (its demo and its server in the default LEDGER_HOME)
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    store = home / ".local" / "share" / "uncac-ledger"
    env, port, log = newcomer(home), free_port(), tmp_path / "make-run.log"
    make = ["make", "--no-print-directory", "-o", "install", "run", f"PORT={port}"]
    with started(make, env, paths.ROOT, log) as process:
        wait_listening(f"http://127.0.0.1:{port}", lambda: process.poll() is None, 600)
        said = log.read_text()
        # Then the banner says each fact on one line: where it listens, the store and the key, both in LEDGER_HOME
        assert f"Ledger on http://127.0.0.1:{port}/ (dashboard" in said
        assert f"\nStore: {store / 'ledger.db'}\n" in said
        assert f"\nSigning key: {store / 'signing-key.pem'}\n" in said
        assert (store / "ledger.db").is_file() and (store / "signing-key.pem").is_file()
        # When a key is issued from another folder, with the same HOME
        issued = run(env, elsewhere, "keys", "issue", "--role", "admin", "--name", "newcomer")
        assert issued.returncode == 0, issued.stderr
        # Then the server accepts it (one ledger, one signing key), and the other folder holds nothing
        answer = httpx.get(
            f"http://127.0.0.1:{port}/v1/keys", headers={"Authorization": f"Bearer {issued.stdout.strip()}"}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert list(elsewhere.iterdir()) == []
        # When the server is stopped as a supervisor stops it (SIGTERM to the server, make's child by `exec`)
        [server] = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        os.kill(int(server), signal.SIGTERM)
        code = process.wait(60)
    # Then `make run` ends with status 0, and make reports no error
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert "make: ***" not in output and "Application shutdown complete" in output


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_ledger_serve_exits_0_on_sigterm_and_on_ctrl_c(tmp_path: Path, stop: signal.Signals) -> None:
    # Given `ledger serve` on a temporary LEDGER_HOME
    env, port = newcomer(tmp_path, LEDGER_HOME=str(tmp_path / "ledger")), free_port()
    serve = [LEDGER, "serve", "--port", str(port)]
    with started(serve, env, tmp_path, tmp_path / "serve.log") as process:
        wait_listening(f"http://127.0.0.1:{port}", lambda: process.poll() is None, 300)
        # When it is asked to stop
        os.kill(process.pid, stop)
        code = process.wait(60)
    # Then it finishes cleanly with 0, not by the signal (which make reports as `Error 143`)
    assert code == 0, (tmp_path / "serve.log").read_text()[-3000:]


def test_read_and_append_commands_refuse_on_an_empty_home_and_create_nothing(tmp_path: Path) -> None:
    # Given a newcomer's HOME with no ledger in it, and a folder to run from
    home, cwd = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    cwd.mkdir()
    env = newcomer(home)
    store = home / ".local" / "share" / "uncac-ledger" / "ledger.db"
    before = (tree(home), tree(cwd))
    for command in READERS:
        # When each command runs
        done = run(env, cwd, *command)
        # Then it refuses with a non-zero exit, naming where it looked and how to look elsewhere
        assert done.returncode != 0, (command, done.stdout, done.stderr)
        said = " ".join(done.stderr.split())
        assert str(store.parent) in said and "LEDGER_HOME" in said, (command, said)
        # And nothing was created: no folder, no database, no key, in HOME or where it ran
        assert (tree(home), tree(cwd)) == before, command
    # While `ledger demo` creates the ledger there
    assert run(env, cwd, "demo").returncode == 0
    assert store.is_file() and (store.parent / "signing-key.pem").is_file()
    assert tree(cwd) == before[1]


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {r[0] for r in rows}


def test_on_postgresql_a_database_without_the_event_table_is_no_ledger(tmp_path: Path) -> None:
    # Given an empty PostgreSQL database named by LEDGER_DATABASE_URL, and a LEDGER_HOME for the default key
    with new_database("postgres", tmp_path) as url:
        home = tmp_path / "ledger"
        env = newcomer(tmp_path, LEDGER_DATABASE_URL=url, LEDGER_HOME=str(home))
        for command in READERS:
            # When each command that reads or appends runs
            done = run(env, tmp_path, *command)
            # Then it refuses, naming the database (the key file, for the command that reads only that), and creates
            # no table, no key
            said = " ".join(done.stderr.split())
            looked = f"no signing key at {home}" if command == ("audit", "public-key") else "no ledger at postgresql://"
            assert done.returncode != 0 and looked in said, (command, said)
            assert tables(url) == set() and not home.exists(), command


def test_a_relative_sqlite_path_is_read_against_the_current_folder_and_shown_absolute(tmp_path: Path) -> None:
    # Given a relative store path, from a folder holding no ledger
    env = newcomer(tmp_path, LEDGER_DATABASE_URL="sqlite:///data/ledger.db")
    done = run(env, tmp_path, "keys", "list")
    # Then the refusal names the absolute path it looked at, and creates nothing there
    assert done.returncode == 1
    assert f"no ledger at {tmp_path / 'data' / 'ledger.db'}" in " ".join(done.stderr.split())
    assert not (tmp_path / "data").exists()
    assert Settings(database_url="sqlite:///data/x.db").sqlite_path == Path.cwd() / "data" / "x.db"


def test_errors_name_the_ref_the_user_typed(services: Services) -> None:
    # Given a ledger that has no organisation XX-REF
    settings = services.settings
    for command in (
        ("keys", "issue", "--role", "provider", "--organisation", "XX-REF", "--name", "desk"),
        ("keys", "issue", "--role", "provider", "--org", "XX-REF", "--name", "desk"),
        ("export", "iati", "--funder", "XX-REF"),
    ):
        # When a command names it
        done = ledger_on(settings, *command)
        # Then the error repeats the ref as typed, never an id the user did not type
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "organisation-not-found: no organisation with ref 'XX-REF'" in said, said
        assert not UUID.search(said), said
    unknown = ledger_on(settings, "report", "irg", "XXX")
    assert unknown.returncode == 1 and "unknown-state: 'XXX'" in " ".join(unknown.stderr.split())
