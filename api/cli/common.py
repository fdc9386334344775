"""What every `ledger` command shares: the services of an existing ledger, a progress display, and one way to fail.

Only `serve`, `demo` and `restore` create a ledger; every other command refuses, naming the location and creating
nothing (no folder, no database, no key), when there is none where the settings point (`require_ledger`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.root.services import Services
from api.root.settings import STORE_FILE, Settings
from domain import context
from domain.errors import DomainError

err = Console(stderr=True)
VIEWS = ("unmet-needs", "funding-gaps", "provider-overlap", "priority-areas", "programme-monitoring")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValueError as e:
        fail(f"the ledger's settings are invalid: {e}")


def events_table(settings: Settings) -> str:
    """The library's name for the events table (eventsourcing 9.5: SQLite's is `stored_events`, PostgreSQL's is the
    application's name + `_events`), known without opening the ledger, which would create it."""
    from domain.ledger import Ledger

    return f"{Ledger.name.lower()}_events" if settings.is_postgres else "stored_events"


def no_ledger(settings: Settings, why: object) -> str:
    """What a command that needs a ledger says when there is none: where it looked, and how to look elsewhere."""
    return (
        f"no ledger at {settings.location} ({why}); nothing was created. `ledger serve`, `ledger demo` or "
        "`ledger restore FILE` create one there; to use another, set LEDGER_HOME to the folder holding its "
        f"{STORE_FILE} (now {settings.home}) or LEDGER_DATABASE_URL"
    )


def require_ledger(settings: Settings) -> None:
    """Exit 1, creating nothing, unless a ledger is where `settings` point: the read-only check `ledger verify` makes
    (projections/audit/readonly.py), on a SQLite file or a PostgreSQL database alike."""
    from projections.audit.readonly import StoreMissing, StoreUnreadable, open_readonly

    try:
        open_readonly(settings.database_url, events_table(settings)).close()
    except StoreMissing as e:
        fail(no_ledger(settings, e))
    except StoreUnreadable as e:
        fail(f"cannot open the ledger at {settings.location}: {e}")


@contextmanager
def services(create: bool = False, **overrides: Any) -> Iterator[Any]:
    """The services of the ledger the settings point at; `create` (serve, demo, restore only) makes one if missing."""
    config = load_settings(**overrides)
    if not create:
        require_ledger(config)
    try:
        svc = Services(config)
    except Exception as e:
        fail(f"cannot open the ledger at {config.location}: {e}")
    try:
        with context.recording(actor="cli"):
            yield svc
    except DomainError as e:
        fail(f"{e.code}: {e.detail}")
    finally:
        svc.close()


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A bar on a terminal, plain lines elsewhere."""
    if sys.stderr.isatty():
        with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err) as bar:
            task = bar.add_task(label, total=total)
            yield lambda position: bar.update(task, completed=min(position, total))
    else:
        last = [0]

        def line(position: int) -> None:
            if position - last[0] >= max(1, total // 10) or position >= total:
                err.print(f"{label}: {position}/{total}", highlight=False)
                last[0] = position

        yield line
