"""`ledger verify`, `ledger export log`, `ledger audit ...`: the audit trail.

`ledger verify` exits 0 proven, 1 tampered (naming the first bad position), 2 unreadable input (a missing file or
database, a key that is no Ed25519 key), 3 consistent but not proven (no trusted key, missing checkpoints, an
unsigned tail longer than one cadence): docs/audit-verify.md, "Verdicts and exit codes". It only reads: it never
creates a key, a table, a trigger or a file, on either store.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import err, events_table, fail, load_settings, no_ledger, progress, services
from api.cli.trust import key_ids, own_key, public_keys, public_of, saved_checkpoints
from api.cli.verify_report import Outcome, report, unreadable
from api.root.settings import Settings
from projections.audit.checkpoints import Checkpoint, SigningKey
from projections.audit.verdict import Cadence, Reason, judge

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
        help="a public key PEM of the ledger (from /v1/audit/public-key) that signatures are checked against; "
        "without it, the ledger's own key file when it exists at the configured path (never a new one), else "
        "nothing is proven (exit 3). Repeatable (e.g. the keys before and after a restore)",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the verdict as JSON on standard output")]


def verify(
    log: LogOpt = None, checkpoint: CheckpointOpt = None, public_key: KeyOpt = None, as_json: JsonOpt = False
) -> None:
    """Recompute the audit chain and check every checkpoint, reading only: exit 0 proven, 1 tampered, 2 unreadable,
    3 consistent but not proven."""
    try:
        settings = Settings()
    except ValueError as e:
        unreadable(f"the ledger's settings are invalid: {e}", as_json)
    given = saved_checkpoints(checkpoint or [], as_json)
    own = own_key(settings.key_file, as_json, needed=not public_key)
    keys = public_keys(public_key, as_json) if public_key else own and [public_of(own)]
    cadence = Cadence(settings.checkpoint_every_events, settings.checkpoint_every_seconds, settings.runner_batch_size)
    if log:
        outcome = _verify_file(log, keys, given, cadence, as_json)
    else:
        sealing = own if isinstance(own, SigningKey) else None
        outcome = _verify_store(settings, keys, given, cadence, sealing, as_json)
    raise typer.Exit(report(outcome, as_json))


def _verify_file(
    path: Path, keys: list[Any] | None, given: list[Checkpoint], cadence: Cadence, as_json: bool
) -> Outcome:
    from projections.audit.verify_store import verify_export

    if not path.is_file():
        unreadable(f"no such log file: {path}", as_json)
    try:
        with progress(path.stat().st_size, "verify") as tick:
            found = verify_export(path, keys, given, tick)
    except OSError as e:
        unreadable(f"cannot read {path}: {e}", as_json)
    # a file is a snapshot: its tail is judged by its count only (`ledger export log` signs it first)
    verdict = judge(
        found.result, found.checkpoints, cadence, keys is not None, found.first_records, None, found.accepted
    )
    facts = {"source": str(path), "key_id": key_ids(keys)}
    return Outcome(verdict, found.result, found.checkpoints, facts)


def _verify_store(
    settings: Settings,
    keys: list[Any] | None,
    given: list[Checkpoint],
    cadence: Cadence,
    sealing: SigningKey | None,
    as_json: bool,
) -> Outcome:
    """The database, read-only; with the ledger's own private key at hand, the seals of the unsigned tail too."""
    from projections.audit.readonly import StoreMissing, StoreUnreadable, open_readonly
    from projections.audit.store import events_head
    from projections.audit.verify_store import unsealed_after, verify_store

    table = events_table(settings)
    try:
        db = open_readonly(settings.database_url, table)
    except StoreMissing as e:
        unreadable(no_ledger(settings, e), as_json)
    except StoreUnreadable as e:
        unreadable(f"{settings.safe_database_url}: {e}", as_json)
    try:
        with db.transaction(commit=False) as tx:
            total = events_head(tx, table)
        with progress(total, "verify") as tick:
            found = verify_store(db, table, keys, given, tick)
        signed = found.checkpoints[-1].position if found.checkpoints else 0
        check = sealing if found.result.ok else None
        unsealed = unsealed_after(db, check, signed, found.chained_head) if check else None
    finally:
        db.close()
    notes = _store_notes(found.trigger, found.unchained, found.chained_head, unsealed)
    now = datetime.now(UTC)
    verdict = judge(
        found.result, found.checkpoints, cadence, keys is not None, found.first_records, now, found.accepted, notes
    )
    facts = {
        "source": "store",
        "key_id": key_ids(keys),
        "events_head": found.events_head,
        "chained_to": found.chained_head,
        "unchained": found.unchained,
        "trigger": found.trigger,
    }
    return Outcome(verdict, found.result, found.checkpoints, facts)


def _store_notes(trigger: str | None, unchained: int, chained: int, unsealed: int | None) -> list[Reason]:
    """What the database shows besides the chain: said as it is, never repaired (verify only reads)."""
    notes = []
    if unsealed is not None:
        text = (
            f"the record at {unsealed} has no valid seal: the ledger did not write it (inserted or changed behind "
            "the application's back); no checkpoint will sign it (docs/seals.md)"
        )
        notes.append(Reason("record-unsealed", text, unsealed))
    if trigger not in (None, "enabled"):
        text = f"the append-only trigger on the events table is {trigger}: verify only reads, so it stays {trigger}"
        notes.append(Reason(f"append-only-trigger-{trigger}", text))
    if unchained:
        text = (
            f"{unchained} records after position {chained} are not chained yet (the audit projection lags): "
            "hashed, nothing stored to compare"
        )
        notes.append(Reason("unchained-records", text, None, chained + 1, None, unchained))
    return notes


def export_log(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write here (default: standard output)")] = None,
) -> None:
    """Every chained event with its stored bytes and hashes, and every checkpoint, as JSON Lines. The unsigned tail
    is signed first (a checkpoint out of cadence), so a fresh export is covered to its last record."""
    from projections.audit.backup import Export

    with services() as svc:
        with progress(svc.runner.head(), "chain") as tick:  # export everything recorded so far
            svc.runner.catch_up(tick)
        with svc.db.transaction() as tx:
            svc.db.lock(tx, svc.audit.lock_key)
            svc.audit.checkpoint_if_due(tx, force=True)
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
    """Print the ledger's public key (PEM): give it to auditors, who keep their own copy. Reads the key file only:
    it never creates a key (nor opens the database), so it cannot hand out a key the ledger does not sign with."""
    config = load_settings()
    path = config.key_file
    if not path.is_file():
        unreadable(
            f"no signing key at {path}: the ledger creates it when it first starts (ledger serve or demo); to use "
            f"another ledger's, set LEDGER_HOME (now {config.home}) or LEDGER_SIGNING_KEY_FILE",
            False,
        )
    try:
        key = SigningKey.load(path)
    except (OSError, ValueError, TypeError) as e:
        unreadable(f"cannot read the signing key {path}: {e}", False)
    typer.echo(key.public_key_pem().decode("ascii"), nl=False)


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
