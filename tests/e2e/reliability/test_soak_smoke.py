"""A short run of the soak test (bench/soak.py): reads and writes from wrk, no 5xx, no error logged.

The full run is `make soak` (3 minutes); this one proves the harness and the server hold for a
few seconds of the same load, on the store the suite uses by default.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import soak


def test_a_short_soak_under_wrk_answers_everything_without_5xx_or_logged_errors(
    tmp_path: Path,
) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package `wrk`)")
    # Given a seeded ledger served by `ledger serve`, when wrk mixes reads and writes for 10 s
    results = tmp_path / "soak.json"
    code = soak.main(["--seconds", "10", "--seed-events", "1000", "--results", str(results)])
    report = json.loads(results.read_text())
    # Then every answer was 2xx, with no socket error, no error in the log, and the views caught up
    assert code == 0, report["problems"]
    assert report["requests"] > 20 and report["2xx"] == report["requests"]
    assert report["writes_sent"] > 0 and report["5xx"] == 0
    assert report["caught_up_after_s"] is not None
