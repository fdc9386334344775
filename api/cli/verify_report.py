"""What `ledger verify` says: one line when intact, the first bad position when not, and the
warnings that say what was not proved. Exit codes: 0 intact, 1 not intact, 2 unreadable input."""

from __future__ import annotations

import json

import typer

from api.cli.common import err
from projections.audit.checkpoints import Checkpoint
from projections.audit.verify import SIGNATURE_INVALID, VerifyResult

TAMPERED, UNREADABLE = 1, 2


def report(result: VerifyResult, cps: list[Checkpoint], facts: dict, as_json: bool) -> None:
    last = result.last_position
    signed = [c for c in cps if last is not None and c.position <= last]
    if as_json:
        latest = signed[-1].to_dict() if signed and result.ok else None
        typer.echo(json.dumps({**result.to_dict(), **facts, "last_checkpoint": latest}))
    if not result.ok:
        err.print(f"[red]not intact:[/red] {failure(result, facts)}", highlight=False, soft_wrap=True)
        raise typer.Exit(TAMPERED)
    for warning in warnings(result, facts):
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, soft_wrap=True)
    if not as_json:
        typer.echo(summary(result, signed[-1] if signed else None))


def summary(result: VerifyResult, last: Checkpoint | None) -> str:
    if not result.count:
        return "intact: the log is empty"
    checked = result.checkpoints_verified or result.checkpoints_unsigned
    how = "verified" if result.checkpoints_verified else "on the chain, signatures not checked"
    tail = (
        f"; {checked} checkpoint{'s' if checked != 1 else ''} {how}, the last at position "
        f"{last.position} ({last.time}, key {last.key_id})"
        if last
        else "; no checkpoint"
    )
    return f"intact: {result.count} records to position {result.last_position}, chain head {result.head}{tail}"


def failure(result: VerifyResult, facts: dict) -> str:
    at = result.first_bad_position
    where = f"at position {at}" if at is not None else f"after position {result.last_position}"
    text = f"{where}: {result.problem}: {result.detail}"
    if result.suspect_from is not None and at is not None and result.suspect_from < at:
        text += f" (the checkpoints before position {result.suspect_from} still agree)"
    if result.problem == SIGNATURE_INVALID:
        text += f"; checked against key {facts.get('key_id')}: give the signing ledger's key with --public-key"
    return text


def warnings(result: VerifyResult, facts: dict) -> list[str]:
    out = []
    if facts.get("unchained"):
        out.append(
            f"{facts['unchained']} records after position {facts['chained_to']} are not "
            "chained yet (the audit projection lags): hashed, nothing stored to compare"
        )
    if result.checkpoints_unsigned:
        out.append("checkpoint signatures were not checked: give the ledger's key (--public-key)")
    elif result.count and not result.checkpoints_verified:
        out.append("no signed checkpoint covers these records: only stored hashes vouch for them")
    if facts.get("trigger") not in (None, "enabled"):
        out.append(f"the append-only trigger on the events table is {facts['trigger']}")
    return out
