"""`ledger restore FILE`: write an exported log back into an EMPTY store, only when the file is proven
(docs/auditors.md, "Backup and restore").

The file is judged before anything is opened for writing (`projections.audit.proof`): its checkpoints and the ones
the auditor saved (`--checkpoint`) must verify against a trusted key (`--public-key`, else the ledger's own key file
when it exists, never a fresh one) and cover it at the ledger's cadence. Otherwise it exits 1 (tampered) or
3 (not proven), naming positions and counts, and writes nothing: no key, no table, no event. An unsigned tail is
restored only with `--accept-unsigned-tail --reason TEXT`, and recorded as an event after the restored records.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import err, fail, load_settings, progress, services
from api.cli.trust import key_ids, own_key, public_keys, public_of, saved_checkpoints
from domain import context

TAMPERED, UNREADABLE = 1, 2

KeyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        metavar="PEM",
        help="a public key PEM the file's checkpoints may be signed with (from /v1/audit/public-key); without it, "
        "the ledger's own key file, if it exists. Repeatable",
    ),
]
SavedOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--checkpoint",
        metavar="SAVED",
        help="a checkpoint you saved earlier (JSON, or a log export): the file must reach it and agree. Repeatable",
    ),
]
AcceptOpt = Annotated[
    bool,
    typer.Option(
        "--accept-unsigned-tail",
        help="restore records after the last trusted checkpoint even when they exceed one cadence; recorded as an "
        "event naming the file's SHA-256, the range, you and --reason, and reported by `ledger verify`",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the outcome as JSON on standard output")]
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", metavar="TEXT", help="why the unsigned tail is accepted (required with it)")
]


def restore(
    file: Annotated[Path, typer.Argument(help="a log exported by `ledger export log`")],
    public_key: KeyOpt = None,
    checkpoint: SavedOpt = None,
    accept_unsigned_tail: AcceptOpt = False,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Restore an exported log into an EMPTY store, only if its signed checkpoints prove it: exit 0 restored,
    1 tampered, 2 unreadable input, 3 not proven; nothing is written unless it is restored."""
    from projections.audit.proof import Cadence, prove
    from projections.audit.restore import RestoreRefused
    from projections.audit.restore import restore as restore_into

    why = _reason(accept_unsigned_tail, reason)
    if not file.is_file():
        fail(f"no such log file: {file}", UNREADABLE)
    settings = load_settings()
    own = own_key(settings.key_file, as_json, needed=not public_key)
    keys = public_keys(public_key or [], as_json) or ([public_of(own)] if own else [])
    saved = saved_checkpoints(checkpoint or [], as_json)
    cadence = Cadence(settings.checkpoint_every_events, settings.checkpoint_every_seconds, settings.runner_batch_size)
    with progress(file.stat().st_size, "verify") as tick:
        proof = prove(file, keys, saved, cadence, accept_unsigned_tail, tick)
    if proof.refusal is not None:
        if as_json:
            typer.echo(json.dumps({"restored": False, "exit_code": proof.refusal.exit_code, **_facts(proof)}))
        fail(f"{file} not restored, nothing written: {proof.refusal.message}", proof.refusal.exit_code)
    with services(create=True) as svc, context.recording(actor=_actor(), reason=why):
        try:
            done = restore_into(svc, file, proof, lambda label, total: progress(total, label))
        except RestoreRefused as e:
            fail(str(e), TAMPERED)
    if as_json:
        typer.echo(json.dumps({"restored": True, "exit_code": 0, **_facts(proof), "note_position": done.note_position}))
    err.print(_summary(done, keys), highlight=False, soft_wrap=True)


def _facts(proof: Any) -> dict[str, Any]:
    """The outcome's facts for --json: the file's SHA-256, what verified, the reasons of a refusal, the tail."""
    tail = proof.tail
    return {
        "file_sha256": proof.sha256,
        "records": proof.result.count,
        "last_position": proof.result.last_position,
        "checkpoints": len(proof.checkpoints),
        "reasons": proof.refusal.reasons if proof.refusal else [],
        "accepted_tail": None if tail is None else {"from": tail.first, "to": tail.last, "count": tail.count},
    }


def _reason(accept: bool, reason: str | None) -> str | None:
    """The reason an unsigned tail is accepted: required with --accept-unsigned-tail, refused without it."""
    if accept and not (reason or "").strip():
        raise typer.BadParameter("--accept-unsigned-tail needs --reason TEXT saying why", param_hint="--reason")
    if not accept and reason is not None:
        raise typer.BadParameter("--reason goes with --accept-unsigned-tail", param_hint="--reason")
    return reason.strip() if reason else None


def _actor() -> str:
    """Who runs the restore: the operating system's user at this terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _summary(done: Any, keys: list[Any]) -> str:
    text = (
        f"restored {done.events} records; chain head {done.head} equals the file's; {done.checkpoints_imported} "
        f"checkpoints imported ({done.checkpoints_in_file} in the file), verified against key {key_ids(keys)}"
    )
    if done.tail is not None:
        t = done.tail
        text += (
            f"; the unsigned tail [{t.first}, {t.last}] ({t.count} records) was accepted and noted at position "
            f"{done.note_position}: `ledger verify` reports it"
        )
    return text
