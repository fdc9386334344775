"""The worker's health check (`python -m api.root.probe`) on both stores: healthy when the projections
have applied the log or trail it by less than the limit, unhealthy past it; it reads and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from api.root import probe
from api.root.services import Services


def test_the_probe_is_healthy_when_caught_up_and_unhealthy_past_its_limit(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the worker's settings (from its environment) and the projections caught up
    monkeypatch.setenv("LEDGER_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(services.settings.key_file))
    services.ledger.record_rate("EUR", date(2024, 1, 2), "1.08")
    services.runner.catch_up()
    # then the probe says healthy
    assert probe.lagging(services.ledger, services.db, 0) == []
    assert probe.main(["--max-lag-seconds", "0"]) == 0
    # when an event is appended that no projection has applied
    services.ledger.record_rate("EUR", date(2024, 1, 3), "1.09")
    head = services.runner.head()
    # then it is unhealthy for a limit the event is older than, naming both projections, and healthy within it
    late = probe.lagging(services.ledger, services.db, 0)
    assert len(late) == 2 and all("(1 log positions to apply)" in line for line in late)
    assert probe.main(["--max-lag-seconds", "0"]) == 1
    assert probe.main(["--max-lag-seconds", "3600"]) == 0
    # and it wrote nothing
    assert services.runner.head() == head and services.runner.lag() == 1
