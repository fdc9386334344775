"""The demo's keys: one per role, issued once per demo store and kept in a 0600 file beside it.

A key's plain text is shown once when issued and cannot be derived again, so the first `ledger serve --demo`
on a store issues them and writes them to `demo-keys.txt` in the store's folder; later starts read that
file and print the same keys. A file whose keys the store does not know (the store was replaced) is
written afresh.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.demo.data import PROVIDERS
from domain import context, keys
from domain.errors import NotFound

FILE = "demo-keys.txt"
STATE = "KEN"
PROVIDER = "GB-GOV-1"


@dataclass(frozen=True)
class DemoKey:
    role: str
    scope: str  # the State or organisation it is bound to, or ""
    key: str

    def line(self) -> str:
        """One unbroken line: role, scope, key."""
        return f"{self.role}\t{self.scope or '-'}\t{self.key}"


def path(settings: Any) -> Path:
    return Path(settings.data_dir) / FILE


def ensure(settings: Any, ledger: Any) -> list[DemoKey]:
    """The demo's keys: read from the file when the store knows them, else issued now and written there."""
    kept = _read(path(settings))
    if kept and all(_known(ledger, k.key) for k in kept):
        return kept
    issued = _issue(ledger)
    _write(path(settings), issued)
    return issued


def _known(ledger: Any, key: str) -> bool:
    parsed = keys.split(key)
    if parsed is None:
        return False
    try:
        return bool(ledger.key(parsed[0]).accepts(parsed[1]))
    except NotFound:
        return False


def _issue(ledger: Any) -> list[DemoKey]:
    with context.recording(actor="demo-server", reason="demo keys, one per role"):
        try:
            org = ledger.organisation_by_ref(PROVIDER)
        except NotFound:
            p = next(p for p in PROVIDERS if p.ref == PROVIDER)
            ledger.register_organisation(p.ref, p.name, p.org_type, p.country)
            org = ledger.organisation_by_ref(PROVIDER)
        return [
            DemoKey("admin", "", ledger.issue_key("demo admin", "admin")[1]),
            DemoKey("coordinator", "", ledger.issue_key("demo coordinator", "coordinator")[1]),
            DemoKey("state", STATE, ledger.issue_key(f"demo {STATE} focal point", "state", state=STATE)[1]),
            DemoKey(
                "provider", PROVIDER, ledger.issue_key(f"demo {PROVIDER} desk", "provider", organisation=org.id)[1]
            ),
            DemoKey("auditor", "", ledger.issue_key("demo auditor", "auditor")[1]),
        ]


def _read(file: Path) -> list[DemoKey]:
    try:
        text = file.read_text()
    except FileNotFoundError:
        return []
    found = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [DemoKey(role, "" if scope == "-" else scope, key) for role, scope, key in (f for f in found if len(f) == 3)]


def _write(file: Path, issued: list[DemoKey]) -> None:
    """Written to a new file readable by its owner only, then moved over the old one."""
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = file.with_suffix(".new")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("# role\tscope\tkey (the demo's keys: sign in at /sign-in with one)\n")
        out.writelines(k.line() + "\n" for k in issued)
    os.replace(fresh, file)
