"""`make bench` / `make bench-quick`: every benchmark with its baseline in the same run, and the ratios."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from bench import appends, common, http_appends, rebuild, scaling


def verify_row(quick: bool) -> list[dict]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "bench_verify.py"), "50000" if quick else "200000"],
        capture_output=True,
        text=True,
    ).stdout
    print(out.strip())
    rows = []
    for line in out.splitlines():
        if line.startswith("verify:"):  # the core over records in memory, CPU time
            parts = line.replace(",", "").split()
            measured, raw = float(parts[1]), float(parts[5])
            rows.append(common.record("ledger verify", measured, raw, "records/s", 0.5, "vs raw SHA-256 per record"))
        elif found := re.match(
            r"verify store \(SQLite\):.*pages on \d+ cores ([\d,]+) records/s.*raw sha256 ([\d,]+)", line
        ):
            measured, raw = (float(g.replace(",", "")) for g in found.groups())
            rows.append(
                common.record(
                    "ledger verify of a store", measured, raw, "records/s", 0.5, "SQLite, pages on every core, wall"
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="about a minute or two, smaller sizes")
    args = parser.parse_args()
    q = args.quick
    rows = []
    rows += appends.run(5 if q else 20)
    rows += http_appends.run(5 if q else 20)
    try:
        from bench import iati_import

        rows += iati_import.run(500 if q else 5000)
    except ImportError:
        pass
    rows += rebuild.run(5_000 if q else 100_000)
    rows += verify_row(q)
    rows += scaling.run(2_000 if q else 10_000, 10_000 if q else 1_000_000)
    path = common.save(rows, q)
    print(f"\nresults: {path} and {path.with_suffix('.md')} ({common.machine()})")
    try:
        from bench import plot

        plot.draw(rows, path.with_suffix(".png"))
    except ImportError:
        pass


if __name__ == "__main__":
    main()
