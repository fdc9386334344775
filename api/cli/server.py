"""`ledger serve`, `ledger worker`, `ledger demo` and `ledger rebuild`: the processes and the views.

`serve` and `demo` create the ledger where the settings point (LEDGER_HOME by default) when there is none; `worker`
and `rebuild` refuse, creating nothing (api/cli/common.py).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from api.cli.common import VIEWS, err, fail, progress, services
from api.root.services import Services
from api.root.settings import Settings
from domain import context


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: Annotated[bool, typer.Option(help="anonymous local users read as coordinator")] = False,
) -> None:
    """API, dashboard and projection runner in one process."""
    import uvicorn

    from api.http.app import create_app
    from api.http.connections import server_options
    from api.http.middleware import is_loopback

    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    try:
        settings = Settings(demo_mode=True) if demo else Settings()
    except ValueError as e:  # e.g. the demo in production: refused before anything listens
        fail(str(e))
    if settings.demo_mode and not is_loopback(host):
        fail(f"the demo serves this machine only: bind it to 127.0.0.1, ::1 or localhost, not {host}")
    services = Services(settings)
    lines = banner(settings, host, port)
    if settings.demo_mode:
        lines += demo_key_lines(settings, services, f"http://{host}:{port}/sign-in")
    say(lines)
    uvicorn.run(
        create_app(settings, services=services),
        host=host,
        port=port,
        log_config=None,
        timeout_graceful_shutdown=20,
        **server_options(settings),  # header, keep-alive and connection limits (README, Operations)
    )


def _stopped(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGINT (Ctrl-C) asks for a stop: a clean end, exit 0. uvicorn takes both over while it serves (it
    finishes the requests in flight), then gives them back here, where its default would end the process by the
    signal (143 or 130, which `make run` reports as an error)."""
    raise SystemExit(0)


def banner(settings: Settings, host: str, port: int) -> list[str]:
    """What `ledger serve` says as it starts, one fact a line: add a fact here, as one more line."""
    lines = [
        f"Ledger on http://{host}:{port}/ (dashboard; API under /v1, its documentation at /docs)",
        f"Store: {settings.location}",
        f"Signing key: {settings.key_file}",
    ]
    if settings.demo_mode:
        lines.append("Demo mode: anonymous visitors on this machine read as coordinator. Never use this in production.")
    lines.append("Stop: Ctrl-C or SIGTERM (requests in flight finish, then exit 0)")
    return lines


def demo_key_lines(settings: Settings, services: Services, sign_in: str) -> list[str]:
    """The demo's keys, one line each (issued once per store, kept in a 0600 file: api/demo/keys.py)."""
    from api.demo import keys

    with context.recording(actor="cli"):
        issued = keys.ensure(settings, services.ledger)
    lines = [f"Demo keys, one per role (sign in at {sign_in}; kept in {keys.path(settings)}):"]
    return lines + [f"  demo key {k.role}{f' ({k.scope})' if k.scope else ''}: {k.key}" for k in issued]


def say(lines: list[str]) -> None:
    """Lines on stderr as they are: never wrapped to the terminal's width, so each fact stays one line to copy."""
    for line in lines:
        typer.echo(line, err=True)


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


def demo() -> None:
    """Load a realistic demo data set through the domain (idempotent)."""
    from api.demo.load import load

    with services(create=True) as svc:
        added = load(svc.ledger)
        with progress(svc.runner.head(), "views") as tick:
            svc.runner.catch_up(tick)
        err.print(f"demo loaded: {added} new events", highlight=False)


def rebuild(view: Annotated[str | None, typer.Argument(help=f"one of {', '.join(VIEWS)}")] = None) -> None:
    """Rebuild the views from position 0; readers see the old views until it commits.

    Every view is derived from the same need and programme rows, so any VIEW rebuilds them all.
    """
    if view is not None and view not in VIEWS:
        fail(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    with services() as svc, progress(svc.runner.head(), "rebuild") as tick:
        count = svc.runner.rebuild(svc.views, tick)
        err.print(f"rebuilt from {count} events", highlight=False)
