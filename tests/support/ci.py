"""One rule for what a test needs from the machine: outside CI it skips, saying why; in CI it fails.

CI (`.ci/run` sets CI=true) has PostgreSQL, Chromium and the shared folder, so a test that would skip
there proves nothing and must say so loudly.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for `reason` on a developer's machine; fail it in CI."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
