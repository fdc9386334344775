"""CLI command groups: every module here with `register(app)` adds its commands to `ledger`."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def register_all(app: Any) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(app)


def group(app: Any, name: str, help: str) -> Any:
    """The sub-command group `name` (e.g. "export"), shared by every module that adds to it."""
    import typer

    for info in app.registered_groups:
        if info.name == name:
            return info.typer_instance
    sub = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub
