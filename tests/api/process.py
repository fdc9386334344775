"""Run the real `ledger` command, as an operator would: one-shot commands and `ledger serve`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import free_port

LEDGER = str(Path(sys.executable).parent / "ledger")


def environment(database_url: str, key_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return {**env, "LEDGER_DATABASE_URL": database_url, "LEDGER_SIGNING_KEY_FILE": str(key_file),
            "LEDGER_LOG_FORMAT": "json", **extra}


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
    process = subprocess.Popen([LEDGER, "serve", "--port", str(port), *args], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_up(served)
        yield served
    finally:
        process.terminate()  # this process only, by its id
        served.output = process.communicate(timeout=30)[0]


def _wait_until_up(served: Served) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError("ledger serve exited before listening")
        try:
            if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("ledger serve did not start within 30 s")
