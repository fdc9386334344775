"""HTTP appends: wrk with 8 connections, one command per request, against an empty FastAPI endpoint."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import fresh_database, record, wait_listening

ROOT = Path(__file__).resolve().parents[1]
BODY = {
    "state": "KEN",
    "article": 9,
    "ta_types": ["legal-advice"],
    "description": "bench need",
    "horizon": "current",
    "priority": "high",
    "source": {"kind": "self-assessment", "reference": "SA"},
}
LUA = """wrk.method = "POST"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
"""


def serve(app: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        + (["--factory"] if app.endswith("factory") else []),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(f"http://127.0.0.1:{port}", lambda: proc.poll() is None, 30, path="/docs")
    except RuntimeError:
        proc.kill()
        raise
    return proc


def wrk(port: int, key: str, seconds: int) -> tuple[float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA.format(body=json.dumps(BODY), key=key))
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", f.name, f"http://127.0.0.1:{port}/v1/needs"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def run(seconds: int) -> list[dict]:
    if not shutil.which("wrk"):
        print("http appends: skipped, wrk is not installed (apt-get install wrk)")
        return []
    env = {**os.environ, "LEDGER_LOG_FORMAT": "json"}
    base = serve("bench.empty_app:app", 8911, env)
    try:
        baseline, _ = wrk(8911, "none", seconds)
    finally:
        base.terminate()
        base.wait()
    with fresh_database() as url:
        env = {**env, "LEDGER_DATABASE_URL": url, "LEDGER_SIGNING_KEY_FILE": "/tmp/bench-key.pem"}
        ours_proc = serve("api.http.asgi:app", 8912, env)  # the server creates the ledger; the CLI needs one
        try:
            key = subprocess.run(
                [sys.executable, "-m", "api.cli", "keys", "issue", "--role", "admin", "--name", "bench"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            ours, failures = wrk(8912, key, seconds)
        finally:
            ours_proc.terminate()
            ours_proc.wait()
    return [
        record(
            "http appends (wrk, 8 conns)",
            ours,
            baseline,
            "req/s",
            0.7,
            f"POST /v1/needs vs empty FastAPI endpoint; non-2xx: {failures}",
        )
    ]


if __name__ == "__main__":
    run(int(os.environ.get("BENCH_SECONDS", "10")))
