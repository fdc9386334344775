"""What every `ledger` command shares: the caught-up services, a progress display, and one way to fail."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.root.services import Services
from api.root.settings import Settings
from domain import context
from domain.errors import DomainError

err = Console(stderr=True)
VIEWS = ("unmet-needs", "funding-gaps", "provider-overlap", "priority-areas", "programme-monitoring")


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def services(**overrides: Any) -> Iterator[Any]:
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
