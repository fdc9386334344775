"""Shared bench plumbing: a fresh PostgreSQL database per benchmark, timing, the results table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

PG_URL = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[1]
KEY_FILE = Path("/tmp/bench-key.pem")  # the signing key of every history a bench generates, and of its servers


def serve(url: str, port: int, root: Path | str = ROOT, **env: str) -> subprocess.Popen[bytes]:
    """A server of the source tree `root` over the store at `url` on `port`, as every bench runs one: demo mode,
    JSON logs, the benches' signing key, its output discarded; `env` adds to its environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.http.asgi:app", "--port", str(port), "--log-level", "warning"],
        cwd=root,
        env={
            **os.environ,
            "LEDGER_DATABASE_URL": url,
            "LEDGER_SIGNING_KEY_FILE": str(KEY_FILE),
            "LEDGER_DEMO_MODE": "true",
            "LEDGER_LOG_FORMAT": "json",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def fresh_database(prefix: str = "lbench") -> Any:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_URL.rpartition("/")[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_listening(url: str, alive: Callable[[], bool], timeout: float = 60, path: str = "/healthz") -> None:
    """Until GET url+path answers 200; RuntimeError when the process exits first or time runs out.

    For every server a bench or a test starts as a separate process.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{url}: the server exited before listening")
        try:
            if httpx.get(f"{url}{path}", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}: the server did not listen within {timeout:g} s")


def run_threads(n: int, seconds: float, work: Callable[[int, Callable[[], bool]], int]) -> float:
    """n threads call work(i, keep_going) and return how many operations they did; answers ops/s."""
    stop_at = time.perf_counter() + seconds
    counts = [0] * n

    def body(i: int) -> None:
        counts[i] = work(i, lambda: time.perf_counter() < stop_at)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def record(name: str, measured: float, baseline: float, unit: str, target: float, note: str = "") -> dict:
    ratio = measured / baseline if baseline else 0.0
    row = {
        "benchmark": name,
        "measured": round(measured, 1),
        "baseline": round(baseline, 1),
        "unit": unit,
        "ratio": round(ratio, 3),
        "target": target,
        "met": ratio >= target,
        "note": note,
    }
    print(
        f"{name:<34} {measured:>12.1f} vs {baseline:>12.1f} {unit:<10} ratio {ratio:6.3f} "
        f"(target >= {target:.2f}) {'MET' if ratio >= target else 'NOT MET'} {note}",
        flush=True,
    )
    return row


def save(rows: list[dict], quick: bool) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / ("latest-quick.json" if quick else "latest.json")
    path.write_text(json.dumps({"machine": machine(), "quick": quick, "rows": rows}, indent=2))
    md = ["| benchmark | measured | baseline | unit | ratio | target | met |", "|---|---|---|---|---|---|---|"]
    md += [
        f"| {r['benchmark']} | {r['measured']} | {r['baseline']} | {r['unit']} | {r['ratio']} | "
        f"≥ {r['target']:.2f} | {'yes' if r['met'] else 'no'} |"
        for r in rows
    ]
    path.with_suffix(".md").write_text("\n".join(md) + "\n")
    return path


def machine() -> str:
    cores = os.cpu_count()
    mem = ""
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{cores} cores{mem}"
