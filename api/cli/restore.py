"""`ledger restore FILE`: write an exported log back into an EMPTY store (docs/auditors.md, "Backup and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import err, fail, progress, services
from api.cli.verify_report import TAMPERED, UNREADABLE, failure
from projections.audit.checkpoints import load_public_key

KeyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        metavar="PEM",
        help="a public key PEM the file's checkpoints may be signed with (from /v1/audit/public-key). Repeatable",
    ),
]


def restore(
    file: Annotated[Path, typer.Argument(help="a log exported by `ledger export log`")], public_key: KeyOpt = None
) -> None:
    """Restore an exported log into an EMPTY store: verify it, write it back, rebuild everything."""
    from projections.audit.backup import verify_file
    from projections.audit.restore import RestoreRefused, ensure_empty
    from projections.audit.restore import restore as restore_into

    if not file.is_file():
        fail(f"no such log file: {file}", UNREADABLE)
    key = [_public_key(p) for p in public_key] if public_key else None
    with services() as svc:
        try:
            ensure_empty(svc)  # before reading a large file
            keys = key or svc.signing_key.public_key
            with progress(file.stat().st_size, "verify") as tick:
                verified, _ = verify_file(file, keys, (), tick)
            if not verified.ok:
                why = failure(verified, {"key_id": _key_id(keys)})
                fail(f"{file} does not verify, nothing restored: {why}", TAMPERED)
            done = restore_into(svc, file, verified, lambda label, total: progress(total, label))
        except RestoreRefused as e:
            fail(str(e), TAMPERED)
    err.print(
        f"restored {done.events} records; chain head {done.head} equals the file's; "
        f"{done.checkpoints_imported} of {done.checkpoints_in_file} checkpoints kept "
        "(those signed by this ledger's key)",
        highlight=False,
        soft_wrap=True,
    )


def _public_key(path: Path) -> Any:
    try:
        return load_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as e:
        fail(f"cannot read an Ed25519 public key from {path}: {e}", UNREADABLE)


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
