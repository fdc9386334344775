"""What `ledger verify` and `ledger restore` trust, read the same way by both: public keys given with
`--public-key`, the ledger's own key file when it exists at the configured path (never one made for the occasion),
and checkpoints an auditor saved (`--checkpoint`). Anything unreadable is exit 2 (docs/auditors.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.cli.verify_report import unreadable
from projections.audit.checkpoints import Checkpoint, SigningKey, key_id_of, load_public_key
from projections.audit.log_format import read_checkpoints


def public_keys(paths: list[Path], as_json: bool) -> list[Any]:
    """The Ed25519 public keys in these PEM files."""
    found = []
    for path in paths:
        try:
            found.append(load_public_key(path.read_bytes()))
        except (OSError, ValueError, TypeError) as e:
            unreadable(f"cannot read an Ed25519 public key from {path}: {e}", as_json)
    return found


def own_key(path: Path, as_json: bool, needed: bool) -> Any:
    """The ledger's own key file, read if it exists (never created): its SigningKey (or a public key, if that is
    what the file holds); None when there is none. Unreadable: exit 2 if `needed`, else None."""
    if not path.is_file():
        return None
    try:
        data = path.read_bytes()
        return SigningKey.from_pem(data) if b"PRIVATE KEY" in data else load_public_key(data)
    except (OSError, ValueError, TypeError) as e:
        if needed:
            unreadable(f"cannot read the ledger's key file {path}: {e}", as_json)
        return None


def public_of(key: Any) -> Any:
    return key.public_key if isinstance(key, SigningKey) else key


def saved_checkpoints(paths: list[Path], as_json: bool) -> list[Checkpoint]:
    """The checkpoints in these files (JSON, JSON Lines or a log export)."""
    found: list[Checkpoint] = []
    for path in paths:
        try:
            found += read_checkpoints(path)
        except (OSError, ValueError) as e:
            unreadable(f"cannot read checkpoints from {path}: {e}", as_json)
    return found


def key_ids(keys: Any) -> str | None:
    """The key id(s) signatures were checked against, for messages."""
    from cryptography.hazmat.primitives import serialization

    if keys is None:
        return None
    if isinstance(keys, list):
        return ", ".join(filter(None, (key_ids(k) for k in keys)))
    return key_id_of(keys.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
