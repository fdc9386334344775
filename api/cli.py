"""`ledger`: serve, work, load the demo, rebuild views, manage keys. Errors go to stderr, exit 1."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.settings import Settings
from domain import context
from domain.errors import DomainError

app = typer.Typer(help="The UNCAC technical-assistance coordination ledger.", no_args_is_help=True)
keys_app = typer.Typer(help="Issue, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
err = Console(stderr=True)
VIEWS = ("unmet-needs", "funding-gaps", "provider-overlap", "priority-areas", "programme-monitoring")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def services(**overrides: Any) -> Iterator[Any]:
    from api.services import Services

    try:
        svc = Services(Settings(**overrides))
    except Exception as e:
        fail(f"cannot open the ledger: {e}")
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
        with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err) as bar:
            task = bar.add_task(label, total=total)
            yield lambda position: bar.update(task, completed=min(position, total))
    else:
        last = [0]

        def line(position: int) -> None:
            if position - last[0] >= max(1, total // 10) or position >= total:
                err.print(f"{label}: {position}/{total}", highlight=False)
                last[0] = position

        yield line


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          demo: Annotated[bool, typer.Option(help="anonymous local users read as coordinator")] = False) -> None:
    """API, dashboard and projection runner in one process."""
    import uvicorn

    from api.app import create_app

    try:
        settings = Settings(demo_mode=True) if demo else Settings()
    except ValueError as e:  # e.g. the demo in production: refused before anything listens
        fail(str(e))
    if settings.demo_mode:
        err.print("[yellow]Demo mode:[/yellow] anonymous visitors read as coordinator. "
                  "Never use this in production.", highlight=False)
    err.print(f"Ledger on http://{host}:{port}/  (API docs at /docs, store {settings.safe_database_url})",
              highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, timeout_graceful_shutdown=20)


@app.command()
def worker() -> None:
    """Projections only: keep every view current until SIGTERM."""
    with services() as svc:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        svc.runner.start()
        err.print("worker running; SIGTERM to stop", highlight=False)
        stop.wait()
        svc.runner.stop()


@app.command()
def demo() -> None:
    """Load a realistic demo data set through the domain (idempotent)."""
    from api.demo import load

    with services() as svc:
        added = load(svc.ledger)
        with progress(svc.runner.head(), "views") as tick:
            svc.runner.catch_up(tick)
        err.print(f"demo loaded: {added} new events", highlight=False)


@app.command()
def rebuild(view: Annotated[str | None, typer.Argument(help=f"one of {', '.join(VIEWS)}")] = None) -> None:
    """Rebuild the views from position 0; readers see the old views until it commits.

    Every view is derived from the same need and programme rows, so any VIEW rebuilds them all.
    """
    if view is not None and view not in VIEWS:
        fail(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    with services() as svc, progress(svc.runner.head(), "rebuild") as tick:
        count = svc.runner.rebuild(svc.views, tick)
        err.print(f"rebuilt from {count} events", highlight=False)


@keys_app.command("issue")
def keys_issue(
    role: Annotated[str, typer.Option(help="admin, coordinator, state, provider or auditor")],
    name: Annotated[str, typer.Option(help="who holds the key")],
    org: Annotated[str | None, typer.Option(help="organisation ref (provider keys)")] = None,
    state: Annotated[str | None, typer.Option(help="ISO alpha-3 (state keys)")] = None,
) -> None:
    """Print a new key alone on stdout; it is shown once and stored only as a hash."""
    with services() as svc:
        org_id = svc.ledger.organisation_by_ref(org).id if org else None
        _, secret = svc.ledger.issue_key(name, role, org_id, state)
        typer.echo(secret)


@keys_app.command("list")
def keys_list() -> None:
    """The keys issued, with their role and scope (never the key)."""
    from projections.store import entities

    with services() as svc:
        svc.runner.catch_up()
        with svc.db.transaction(commit=False) as tx:
            for k in entities(tx, "apikey"):
                scope = k["state"] or k["organisation"] or "-"
                status = "revoked" if k["revoked"] else "active"
                typer.echo(f"{k['key_id']}\t{k['role']}\t{scope}\t{status}\t{k['name']}")


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id (see `ledger keys list`)."""
    try:
        uid = UUID(key_id)
    except ValueError:
        fail(f"{key_id!r} is not a key id")
    with services() as svc:
        svc.ledger.revoke_key(uid)
        err.print(f"revoked {key_id}", highlight=False)


def main() -> None:
    from api.commands import register_all

    register_all(app)
    app()


if __name__ == "__main__":
    main()
