"""What `ledger verify` says: the verdict as its exit code (0 proven, 1 tampered, 2 unreadable, 3 consistent but not
proven), in words on standard error (the counts and positions each reason concerns), and with `--json` as one JSON
object on standard output: `verdict`, `exit_code`, `reasons`, the verification's own fields and the facts of the
source (docs/audit-verify.md, "Verdicts and exit codes")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NoReturn

import typer
from rich.markup import escape

from api.cli.common import err
from projections.audit.checkpoints import Checkpoint
from projections.audit.verdict import PROVEN, TAMPERED, UNPROVEN, UNPROVEN_CODES, UNREADABLE, Verdict
from projections.audit.verify_result import SIGNATURE_INVALID, VerifyResult

__all__ = ["TAMPERED", "UNPROVEN", "UNREADABLE", "Outcome", "report", "unreadable"]
COLOUR = {PROVEN: "green", TAMPERED: "red", UNREADABLE: "red", UNPROVEN: "yellow"}


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    result: VerifyResult
    checkpoints: list[Checkpoint]  # one per position, oldest first
    facts: dict[str, Any]  # the source, the key id(s), and the database's heads and trigger


def report(outcome: Outcome, as_json: bool) -> int:
    """Say the verdict (JSON on stdout when asked, words on stderr always) and answer its exit code."""
    verdict, result = outcome.verdict, outcome.result
    if as_json:
        last = _last(outcome)
        document = {
            **verdict.to_dict(),
            **result.to_dict(),
            **outcome.facts,
            "last_checkpoint": last.to_dict() if last and result.ok else None,
        }
        typer.echo(json.dumps(document))
    _say(f"[{COLOUR[verdict.code]}]{verdict.status}:[/] {escape(headline(outcome))}")
    failed = verdict.code in (TAMPERED, UNREADABLE)  # the first reason is the headline
    for reason in verdict.reasons[1:] if failed else verdict.reasons:
        label = "not proven" if reason.code in UNPROVEN_CODES else "note"
        _say(f"  {label} ({reason.code}): {escape(reason.message)}")
    return verdict.code


def headline(outcome: Outcome) -> str:
    """One line: what failed and where, or what was verified and what it rests on."""
    verdict, result, facts = outcome.verdict, outcome.result, outcome.facts
    if verdict.code in (TAMPERED, UNREADABLE):
        text = verdict.reasons[0].message
        if result.problem == SIGNATURE_INVALID:
            text += f"; checked against key {facts.get('key_id')}: give the signing ledger's key with --public-key"
        return text
    if not result.count:
        return "the log is empty"
    text = f"{result.count} records to position {result.last_position}, chain head {result.head}"
    last = _last(outcome)
    checked = result.checkpoints_verified or result.checkpoints_unsigned
    if last is None:
        return text + "; no checkpoint"
    plural = "s" if checked != 1 else ""
    how = (
        f"verified with key {facts.get('key_id')}"
        if result.checkpoints_verified
        else f"on the chain, signature{plural} not checked"
    )
    text += f"; {checked} checkpoint{plural} {how}, the last at position {last.position} ({last.time})"
    return text if verdict.code == PROVEN else text + "; consistent, but not proven:"


def unreadable(message: str, as_json: bool) -> NoReturn:
    """Exit 2: the input could not be read (nothing was judged)."""
    if as_json:
        reason = {"code": "unreadable-input", "message": message}
        typer.echo(json.dumps({"verdict": "unreadable", "exit_code": UNREADABLE, "reasons": [reason]}))
    _say(f"[red]unreadable:[/] {escape(message)}")
    raise typer.Exit(UNREADABLE)


def _last(outcome: Outcome) -> Checkpoint | None:
    end = outcome.result.last_position
    signed = [c for c in outcome.checkpoints if end is not None and c.position <= end]
    return signed[-1] if signed else None


def _say(text: str) -> None:
    err.print(text, highlight=False, soft_wrap=True)
