"""`ledger verify`, `ledger export log`, `ledger audit ...`: the audit trail.

`ledger verify` exits 0 when the log is intact, 1 when it fails verification (naming the first bad
position), 2 when its input cannot be read (a missing file, a key that is no Ed25519 key).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import err, fail, progress, services
from api.cli.verify_report import UNREADABLE, report
from projections.audit.checkpoints import Checkpoint, load_public_key
from projections.audit.log_format import read_checkpoints
from projections.audit.verify import VerifyResult

LogOpt = Annotated[
    Path | None,
    typer.Option(
        "--log", metavar="FILE", help="verify an exported log file instead of the database (offline: needs no database)"
    ),
]
CheckpointOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--checkpoint",
        metavar="FILE",
        help="a checkpoint you saved earlier (JSON as from /v1/audit/checkpoints or `ledger audit "
        "checkpoint`, or a log export); the log must agree with it. Repeatable",
    ),
]
KeyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        metavar="PEM",
        help="a public key PEM of the ledger (from /v1/audit/public-key): signatures are checked "
        "against the keys given instead of the key in the data directory. Repeatable (e.g. the keys "
        "before and after a restore)",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def verify(
    log: LogOpt = None, checkpoint: CheckpointOpt = None, public_key: KeyOpt = None, as_json: JsonOpt = False
) -> None:
    """Recompute the audit chain and check every checkpoint: exit 0 intact, 1 not, 2 unreadable."""
    from projections.audit.backup import verify_file

    given = _saved_checkpoints(checkpoint or [])
    key = [_public_key(p) for p in public_key] if public_key else None
    if log is not None:
        if not log.is_file():
            _unreadable(f"no such log file: {log}")
        with progress(log.stat().st_size, "verify") as tick:
            result, seen = verify_file(log, key, given, tick)
        cps = sorted([*given, *(Checkpoint.from_dict(c) for c in seen)], key=lambda c: c.position)
        facts: dict[str, Any] = {"source": str(log), "key_id": _key_id(key)}
    else:
        result, cps, facts = _verify_store(given, key)
    report(result, cps, facts, as_json)


def _verify_store(given: list[Checkpoint], key: Any) -> tuple[VerifyResult, list[Checkpoint], dict]:
    from projections.audit.verify_store import verify_store

    with services() as svc:
        keys = key or svc.signing_key.public_key
        with progress(svc.runner.head(), "verify") as tick:
            found = verify_store(svc.db, svc.events_table, keys, given, tick)
    facts = {
        "source": "store",
        "key_id": _key_id(keys),
        "events_head": found.events_head,
        "chained_to": found.chained_head,
        "unchained": found.unchained,
        "trigger": found.trigger,
    }
    return found.result, found.checkpoints, facts


def export_log(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write here (default: standard output)")] = None,
) -> None:
    """Every chained event with its stored bytes and hashes, and every checkpoint, as JSON Lines."""
    from projections.audit.backup import Export

    with services() as svc:
        with progress(svc.runner.head(), "chain") as tick:  # export everything recorded so far
            svc.runner.catch_up(tick)
        export = Export(svc)
        with progress(export.chained, "export") as tick:
            _write(export.lines(tick), output)
    if export.missing:
        err.print(
            f"[red]warning:[/red] {export.missing} chained records have no stored event: "
            "this export will not verify; run `ledger verify`",
            highlight=False,
            soft_wrap=True,
        )
    err.print(
        f"exported {export.count} records to position {export.chained} and "
        f"{len(export.checkpoints)} checkpoints" + (f" to {output}" if output else ""),
        highlight=False,
        soft_wrap=True,
    )


def _write(lines: Any, output: Path | None) -> None:
    if output is None:
        sys.stdout.writelines(lines)
        sys.stdout.flush()
        return
    partial = output.with_name(output.name + ".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(output)  # never a half-written backup under the real name


def public_key() -> None:
    """Print the ledger's public key (PEM): give it to auditors, who keep their own copy."""
    with services() as svc:
        typer.echo(svc.signing_key.public_key_pem().decode("ascii"), nl=False)


def latest_checkpoint() -> None:
    """Print the latest signed checkpoint (JSON): save it; `ledger verify --checkpoint` it later."""
    from projections.audit.projection import last_checkpoint

    with services() as svc:
        svc.runner.catch_up()
        with svc.db.transaction(commit=False) as tx:
            found = last_checkpoint(tx)
    if found is None:
        fail("no checkpoint has been signed yet")
    typer.echo(json.dumps(found.to_dict()))


def _saved_checkpoints(paths: list[Path]) -> list[Checkpoint]:
    found = []
    for path in paths:
        try:
            found += read_checkpoints(path)
        except (OSError, ValueError) as e:
            _unreadable(f"cannot read checkpoints from {path}: {e}")
    return found


def _public_key(path: Path) -> Any:
    try:
        return load_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as e:
        _unreadable(f"cannot read an Ed25519 public key from {path}: {e}")


def _key_id(key: Any) -> str | None:
    """The key id(s) signatures were checked against, for messages."""
    from cryptography.hazmat.primitives import serialization

    from projections.audit.checkpoints import key_id_of

    if key is None:
        return None
    if isinstance(key, list):
        return ", ".join(filter(None, (_key_id(k) for k in key)))
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key_id_of(raw)


def _unreadable(message: str) -> None:
    fail(message, UNREADABLE)
