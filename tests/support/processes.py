"""The ledger as separate processes, run as an operator runs them: the installed `ledger` command.

`ledger(env, ...)` runs a one-shot command and keeps its output; `Process`, `Server`, `worker` and
`cli` start long-running ones a test can SIGKILL or SIGTERM. Their output goes to a file, never a
pipe: a busy server would fill a pipe nobody reads and stall. Every process is ended by its own id,
never by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from api.root.settings import Settings
from bench.common import wait_listening
from tests import paths
from tests.support.servers import free_port

PYTHON = sys.executable
LEDGER = str(Path(sys.executable).parent / "ledger")  # the console script pyproject.toml installs


def environment(database_url: str, key_file: Path, **extra: str) -> dict[str, str]:
    """This environment without any LEDGER_ setting of the developer's, then the suite's LEDGER_HOME (a temporary
    folder, tests/conftest.py), the store, the key and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return {
        **env,
        "LEDGER_HOME": os.environ["LEDGER_HOME"],
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY_FILE": str(key_file),
        "LEDGER_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def environment_of(settings: Settings, **extra: str) -> dict[str, str]:
    return environment(settings.database_url, settings.key_file, **extra)


def ledger(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`ledger <args>` to its end: its exit code, stdout and stderr."""
    return subprocess.run([LEDGER, *args], env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=timeout)


def ledger_on(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`ledger <args>` against the store and key of `settings`."""
    return ledger(environment_of(settings), *args)


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(self.args, env=self.env, cwd=paths.ROOT, stdout=out, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses the process."""
        os.kill(self.pid, signal.SIGKILL)
        self.wait(10)

    def terminate(self) -> None:
        os.kill(self.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        """Clean up after a test, whatever state it left the process in."""
        if self.alive():
            self.terminate()
            try:
                self.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON log lines (structlog), skipping anything else a library printed."""
        records = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):  # a line that only looks like JSON
                    records.append(json.loads(line))
        return records

    def errors(self) -> list[str]:
        """Lines that say something went wrong: error-level records and tracebacks."""
        bad = [json.dumps(r) for r in self.log_records() if r.get("level") in ("error", "critical")]
        bad += [line for line in self.output().splitlines() if line.startswith("Traceback")]
        return bad


class Server(Process):
    """`uvicorn api.http.asgi:app` or `ledger serve`: the app built from the environment, as deployed."""

    def __init__(self, env: dict[str, str], log: Path, command: str = "uvicorn", *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        where = ["--host", "127.0.0.1", "--port", str(self.port)]
        args = {
            "uvicorn": [PYTHON, "-m", "uvicorn", "api.http.asgi:app", *where, "--timeout-graceful-shutdown", "20"],
            "ledger": [LEDGER, "serve", *where, *options],  # graceful 20 s too
        }[command]
        super().__init__(args, env, log)

    def start(self) -> Server:
        super().start()
        self.wait_up()
        return self

    def wait_up(self, timeout: float = 60) -> None:
        try:
            wait_listening(self.url, self.alive, timeout)
        except RuntimeError as e:
            raise RuntimeError(f"{e}:\n{self.output()[-3000:]}") from None

    def shut_down(self, timeout: float) -> float:
        """SIGTERM, then wait for a graceful exit; answers how long it took.

        uvicorn finishes in-flight requests and the lifespan shutdown, then re-raises the SIGTERM
        it caught (since 0.29), so a clean exit reads as "terminated by SIGTERM", not 0.
        """
        started = time.monotonic()
        self.terminate()
        code = self.wait(timeout)
        assert code in (0, -signal.SIGTERM), f"exit {code}:\n{self.output()[-3000:]}"
        assert "Application shutdown complete" in self.output()
        return time.monotonic() - started

    def wait_caught_up(self, timeout: float = 60) -> float:
        """Until /readyz says the projections applied the whole log; answers how long it took."""
        started = time.monotonic()
        while True:
            r = httpx.get(f"{self.url}/readyz", timeout=30)
            if r.status_code == 200 and r.json()["lag"] == 0 and r.json()["runner"] == "ok":
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"the projections did not catch up within {timeout} s: {r.text}")
            time.sleep(0.1)


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, *options: str) -> Iterator[Server]:
    """`ledger serve <options>` on a free port until the block ends; its output stays in `log`."""
    server = Server(env, log, "ledger", *options).start()
    try:
        yield server
    finally:
        server.stop()


def worker(env: dict[str, str], log: Path) -> Process:
    return Process([LEDGER, "worker"], env, log).start()


def cli(env: dict[str, str], log: Path, *args: str) -> Process:
    return Process([LEDGER, *args], env, log).start()
