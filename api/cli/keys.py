"""`ledger keys issue|list|revoke`: API keys from the command line (the key is printed once, on stdout)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from api.cli.common import err, fail, services


def issue(
    role: Annotated[str, typer.Option(help="admin, coordinator, state, provider or auditor")],
    name: Annotated[str, typer.Option(help="who holds the key")],
    org: Annotated[
        str | None, typer.Option("--organisation", "--org", help="IATI ref of a registered organisation (provider)")
    ] = None,
    state: Annotated[str | None, typer.Option(help="ISO alpha-3 (state keys)")] = None,
) -> None:
    """Print a new key alone on stdout; it is shown once and stored only as a hash."""
    with services() as svc:
        org_id = svc.ledger.organisation_by_ref(org).id if org else None
        _, secret = svc.ledger.issue_key(name, role, org_id, state)
        typer.echo(secret)


def list_keys() -> None:
    """The keys issued, with their role and scope (never the key)."""
    from projections.store import entities

    with services() as svc:
        svc.runner.catch_up()
        with svc.db.transaction(commit=False) as tx:
            for k in entities(tx, "apikey"):
                scope = k["state"] or k["organisation"] or "-"
                status = "revoked" if k["revoked"] else "active"
                typer.echo(f"{k['key_id']}\t{k['role']}\t{scope}\t{status}\t{k['name']}")


def revoke(key_id: str) -> None:
    """Revoke a key by its id (see `ledger keys list`)."""
    try:
        uid = UUID(key_id)
    except ValueError:
        fail(f"{key_id!r} is not a key id")
    with services() as svc:
        svc.ledger.revoke_key(uid)
        err.print(f"revoked {key_id}", highlight=False)
