"""The embedded demo: a newcomer reads as coordinator without a key, is told so at start, and
production settings refuse the mode outright.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from api.root.settings import Settings
from tests.support.processes import environment, ledger, serving


def test_production_settings_refuse_the_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # given production settings, from arguments or from the environment
    with pytest.raises(ValidationError, match="LEDGER_DEMO_MODE is refused"):
        Settings(environment="production", demo_mode=True)
    monkeypatch.setenv("LEDGER_ENVIRONMENT", "production")
    monkeypatch.setenv("LEDGER_DEMO_MODE", "true")
    with pytest.raises(ValidationError, match="LEDGER_DEMO_MODE is refused"):
        Settings()
    # and without the demo, production settings stand
    monkeypatch.setenv("LEDGER_DEMO_MODE", "false")
    assert Settings().environment == "production"


def test_serve_refuses_the_demo_in_production_before_listening(tmp_path: Path) -> None:
    # when `ledger serve --demo` starts with production settings
    env = environment(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "k.pem", LEDGER_ENVIRONMENT="production")
    done = ledger(env, "serve", "--demo", "--port", "1")
    # then it exits at once, saying why, without a traceback
    assert done.returncode != 0 and "LEDGER_DEMO_MODE is refused" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_demo_says_so_and_lets_visitors_read_as_coordinator_but_not_write(tmp_path: Path) -> None:
    env = environment(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "k.pem")
    # given `ledger serve --demo`
    with serving(env, tmp_path / "serve.log", "--demo") as served:
        # when a visitor without a key reads what only keys may read, then it is served
        assert httpx.get(f"{served.url}/v1/programmes").status_code == 200
        # and when it writes, then a key is asked for
        r = httpx.post(f"{served.url}/v1/organisations", json={"ref": "XM-1", "name": "x", "org_type": "40"})
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    # then its start-up output said it runs the demo
    assert "Demo mode" in served.output() and '"event": "demo_mode"' in served.output()


def test_serve_without_the_demo_asks_visitors_for_a_key(tmp_path: Path) -> None:
    env = environment(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "k.pem")
    with serving(env, tmp_path / "serve.log") as served:
        assert httpx.get(f"{served.url}/v1/programmes").status_code == 401
    assert "Demo mode" not in served.output()
