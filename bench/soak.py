"""Soak test: `ledger serve` under mixed reads and writes from `wrk` for N minutes, loopback only.

    python -m bench.soak [--minutes 3] [--connections 8] [--write-share 0.2] [--database-url URL]

Seeds a realistic history, starts the real server, drives it with `wrk` and bench/soak.lua,
then reports latency percentiles and answers by status class. Fails (exit 1) on any 5xx, any
socket error or timeout, an error line in the server's log, or views still lagging at the end.
Bounded in time (--minutes) and in count (--max-requests). Results: bench/results/soak-latest.json.
Client and server share the machine, so the numbers are a floor, not the server's capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.common import PG_URL, RESULTS, fresh_database, machine, wait_listening
from bench.generate import generate

LUA = Path(__file__).with_name("soak.lua")
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if shutil.which(args.wrk) is None:
        print(f"soak: {args.wrk} not found (Debian package `wrk`)", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ledger-soak-")))
        url = args.database_url or stack.enter_context(store(work))
        key = seed(url, work, args.seed_events)
        report = run(args, url, work, key)
    print_report(report)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2))
    return 0 if report["passed"] else 1


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--seconds", type=float, default=None, help="overrides --minutes (smoke runs)")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--write-share", type=float, default=0.2)
    p.add_argument("--max-requests", type=int, default=500_000, help="stop after this many answers")
    p.add_argument("--seed-events", type=int, default=5_000)
    p.add_argument("--database-url", default=None, help="default: a fresh PostgreSQL database, else SQLite")
    p.add_argument("--wrk", default="wrk")
    p.add_argument("--results", type=Path, default=RESULTS / "soak-latest.json")
    return p.parse_args(argv)


@contextmanager
def store(work: Path) -> Iterator[str]:
    """A fresh PostgreSQL database when one is reachable, else an SQLite file."""
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error:
        yield f"sqlite:///{work}/soak.db"
        return
    with fresh_database("lsoak") as url:
        yield url


def seed(url: str, work: Path, events: int) -> str:
    """A realistic history with current views, and an admin key for wrk."""
    from api.root.services import Services
    from api.root.settings import Settings

    svc = Services(Settings(database_url=url, signing_key_file=work / "signing-key.pem"))
    try:
        generate(svc.ledger, events)
        svc.runner.catch_up()
        return svc.ledger.issue_key("soak admin", "admin")[1]
    finally:
        svc.close()


def run(args: argparse.Namespace, url: str, work: Path, key: str) -> dict[str, Any]:
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    log = work / "server.log"
    with serving(url, work, log) as (base, exit_code):
        print(
            f"soak: {seconds:.0f} s of wrk ({args.threads} threads, {args.connections} connections, "
            f"{args.write_share:.0%} writes) against {url.split('@')[-1]}",
            flush=True,
        )
        wrk = drive(args, base, key, seconds)
        lag_seconds = wait_caught_up(base)
    result = summary(wrk.stdout)
    problems = judge(result, wrk.returncode, lag_seconds, errors_in(log), exit_code[0])
    return {
        "machine": machine(),
        "store": "postgresql" if url.startswith("postgres") else "sqlite",
        "seconds": seconds,
        "connections": args.connections,
        "write_share": args.write_share,
        **result,
        "caught_up_after_s": lag_seconds,
        "server_exit": exit_code[0],
        "problems": problems,
        "passed": not problems,
        "wrk_output": wrk.stdout + wrk.stderr,
    }


@contextmanager
def serving(url: str, work: Path, log: Path) -> Iterator[tuple[str, list[int]]]:
    """`ledger serve` on a free loopback port until the block ends; then SIGTERM and its exit code."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")},
        "LEDGER_DATABASE_URL": url,
        "LEDGER_SIGNING_KEY_FILE": str(work / "signing-key.pem"),
        "LEDGER_LOG_FORMAT": "json",
    }
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    exit_code: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_listening(base, lambda: server.poll() is None)
        except RuntimeError as e:
            raise SystemExit(f"soak: {e}") from None
        yield base, exit_code
    finally:
        server.send_signal(signal.SIGTERM)  # this process only, by its id
        exit_code.append(server.wait(60))


def drive(args: argparse.Namespace, base: str, key: str, seconds: float) -> subprocess.CompletedProcess[str]:
    """wrk with bench/soak.lua; each thread stops after its share of --max-requests."""
    per_thread = max(1, args.max_requests // args.threads)
    command = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        base,
        "--",
        key,
        str(args.write_share),
        str(per_thread),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)


def summary(wrk_output: str) -> dict[str, Any]:
    line = next((ln for ln in wrk_output.splitlines() if ln.startswith("SOAK ")), None)
    if line is None:
        return {"requests": 0, "error": "wrk printed no summary"}
    data = json.loads(line.removeprefix("SOAK "))
    data["requests_per_s"] = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    data["latency_ms"] = {k: round(v / 1000, 2) for k, v in data.pop("latency_us").items()}
    return data


def judge(
    result: dict[str, Any], wrk_code: int, lag_seconds: float | None, log_errors: list[str], server_code: int
) -> list[str]:
    problems = []
    if wrk_code != 0 or "error" in result:
        problems.append(f"wrk failed (exit {wrk_code}): {result.get('error', '')}")
    if result.get("5xx"):
        problems.append(f"{result['5xx']} answers were 5xx")
    errors = {k: v for k, v in result.get("errors", {}).items() if v}
    if errors:
        problems.append(f"socket errors: {errors}")
    if result.get("requests", 0) and not result.get("2xx"):
        problems.append("no request succeeded")
    if lag_seconds is None:
        problems.append("the views did not catch up within 60 s of the end")
    if log_errors:
        problems.append(f"{len(log_errors)} error lines in the server log, first: {log_errors[0][:300]}")
    if server_code not in (0, -signal.SIGTERM):  # uvicorn re-raises the SIGTERM after a clean shutdown
        problems.append(f"the server exited {server_code} on SIGTERM")
    return problems


def errors_in(log: Path) -> list[str]:
    """Error-level JSON records and tracebacks in the server's output."""
    bad = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Traceback"):
            bad.append(line)
        elif line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("level") in ("error", "critical") or record.get("status", 0) >= 500:
                bad.append(line)
    return bad


def wait_caught_up(base: str, timeout: float = 60) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        r = httpx.get(f"{base}/readyz", timeout=30)
        if r.status_code == 200 and r.json()["lag"] == 0:
            return round(time.monotonic() - started, 2)
        time.sleep(0.2)
    return None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def print_report(r: dict[str, Any]) -> None:
    lat = r.get("latency_ms", {})
    print(
        f"soak on {r['store']} ({r['machine']}): {r.get('requests', 0)} requests "
        f"in {r['seconds']:.0f} s "
        f"({r.get('requests_per_s', 0)}/s), {r.get('writes_sent', 0)} writes sent"
    )
    print(
        f"  answers: 2xx {r.get('2xx', 0)}  3xx {r.get('3xx', 0)}  4xx {r.get('4xx', 0)}  "
        f"5xx {r.get('5xx', 0)}  socket errors {r.get('errors', {})}"
    )
    print(
        f"  latency ms: p50 {lat.get('p50')}  p90 {lat.get('p90')}  p99 {lat.get('p99')}  "
        f"p99.9 {lat.get('p99.9')}  max {lat.get('max')}"
    )
    print(f"  views caught up {r['caught_up_after_s']} s after the load; server exit {r['server_exit']}")
    print("  PASSED" if r["passed"] else "  FAILED: " + "; ".join(r["problems"]))


if __name__ == "__main__":
    sys.exit(main())
