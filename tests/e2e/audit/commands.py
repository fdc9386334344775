"""The real `ledger` commands an auditor or operator runs against a store: verify, export, restore."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from api.root.services import Services
from api.root.settings import Settings
from tests.support.processes import environment_of, ledger


def run(svc: Services | Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `ledger` command against this store, as an operator or auditor runs it: with the ledger's own
    settings for its checkpoint cadence, which verify judges the checkpoints by."""
    settings = svc.settings if isinstance(svc, Services) else svc
    cadence = {
        "LEDGER_CHECKPOINT_EVERY_EVENTS": str(settings.checkpoint_every_events),
        "LEDGER_CHECKPOINT_EVERY_SECONDS": str(settings.checkpoint_every_seconds),
        "LEDGER_RUNNER_BATCH_SIZE": str(settings.runner_batch_size),
    }
    return ledger(environment_of(settings, **cadence), *args)


def verdict(svc: Services | Settings, *args: str) -> tuple[int, dict[str, Any], str]:
    """`ledger verify --json`: its exit code, its JSON answer and what it said on stderr."""
    done = run(svc, "verify", "--json", *args)
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


def export(svc: Services, path: Path) -> Path:
    done = run(svc, "export", "log", "-o", str(path))
    assert done.returncode == 0, done.stderr
    return path
