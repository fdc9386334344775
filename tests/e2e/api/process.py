"""Run the real `ledger` command, as an operator would: one-shot commands and `ledger serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import wait_listening
from tests.conftest import free_port

LEDGER = str(Path(sys.executable).parent / "ledger")


def environment(database_url: str, key_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return {
        **env,
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY_FILE": str(key_file),
        "LEDGER_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def ledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEDGER, *args], env=env, capture_output=True, text=True, timeout=120)


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    output: str = field(default="")  # stdout and stderr, once it has stopped


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[Served]:
    """`ledger serve` on a free port until the block ends; its whole output is kept."""
    port = free_port()
    process = subprocess.Popen(
        [LEDGER, "serve", "--port", str(port), *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        wait_listening(served.url, lambda: process.poll() is None, timeout=30)
        yield served
    finally:
        process.terminate()  # this process only, by its id
        served.output = process.communicate(timeout=30)[0]
