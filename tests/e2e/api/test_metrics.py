"""GET /metrics over real HTTP on both stores: Prometheus text that shows the writes just made, the
projections caught up, the last checkpoint and the pool; for the roles that read everything only; and
the alert rules and scrape config shipped in docs/operations name metrics it really exposes.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from api.root.services import Services
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for

OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations"


def scrape(server: LiveServer, key: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample /metrics gives, by sample name: (labels, value)."""
    with client_for(server, key) as c:
        r = c.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    found = [v for have, v in samples.get(name, []) if all(have.get(k) == w for k, w in labels.items())]
    assert len(found) == 1, f"{name}{labels}: {samples.get(name)}"
    return found[0]


def test_metrics_show_the_requests_writes_projections_and_checkpoint_after_writes(
    server: LiveServer, services: Services, keys: dict[str, str]
) -> None:
    # given three needs identified over HTTP and 60 exchange rates recorded (past a checkpoint's 50 events)
    with client_for(server, keys["state"]) as state:
        for _ in range(3):
            assert state.post("/v1/needs", json=world.NEED).status_code == 201
    for day in range(1, 61):
        services.ledger.record_rate("EUR", date(2024, 1, 1) + timedelta(days=day), "1.08")
    services.runner.catch_up()
    # when a coordinator scrapes /metrics
    samples = scrape(server, keys["coordinator"])
    # then the requests are counted by route template and status, and timed
    assert value(samples, "ledger_http_requests_total", method="POST", route="/v1/needs", status="201") == 3
    assert value(samples, "ledger_http_request_duration_seconds_count", method="POST", route="/v1/needs", status="201")
    # and the writes by event type (these come from the group commit's observer)
    assert value(samples, "ledger_events_written_total", type="NeedIdentified") == 3
    assert value(samples, "ledger_events_written_total", type="ExchangeRateRecorded") == 60
    assert sum(v for labels, v in samples["ledger_group_commit_batch_commands_count"]) >= 63
    # and the projections are caught up with the log's head, as is the last checkpoint's age
    head = value(samples, "ledger_log_head_position")
    assert head == services.runner.head()
    for projection in ("views", services.audit.name):
        assert value(samples, "ledger_projection_position", projection=projection) == head
        assert value(samples, "ledger_projection_lag_events", projection=projection) == 0
        assert value(samples, "ledger_projection_lag_seconds", projection=projection) == 0
    assert sum(v for _, v in samples["ledger_projection_batch_seconds_count"]) >= 1
    assert 0 < value(samples, "ledger_checkpoint_position") <= head
    assert value(samples, "ledger_checkpoint_age_seconds") >= 0
    assert value(samples, "ledger_store_up") == 1
    assert value(samples, "ledger_store_errors_total", source="request") == 0
    assert value(samples, "ledger_idempotency_keys") == 0
    # and the pool's figures on PostgreSQL, which the embedded SQLite store has not
    if services.db.dialect == "postgres":
        assert value(samples, "ledger_pool_in_use") >= 0 and value(samples, "ledger_pool_max") >= 1
        assert value(samples, "ledger_pool_waiting") == 0
    else:
        assert "ledger_pool_in_use" not in samples


def test_projection_lag_is_shown_in_events_and_seconds_while_the_views_are_behind(
    services: Services, keys: dict[str, str]
) -> None:
    # given a server whose runner is not running, and two needs recorded behind it
    from api.http.app import create_app

    with LiveServer(create_app(services.settings, services=services, run_projections=False)) as server:
        services.runner.catch_up()
        with client_for(server, keys["state"]) as state:
            for _ in range(2):
                assert state.post("/v1/needs", json=world.NEED).status_code == 201
        # when an auditor scrapes
        samples = scrape(server, keys["auditor"])
    # then both projections lag by the two events, the oldest of them recorded a moment ago
    for projection in ("views", services.audit.name):
        assert value(samples, "ledger_projection_lag_events", projection=projection) == 2
        assert value(samples, "ledger_projection_lag_seconds", projection=projection) > 0


def test_only_the_roles_that_read_everything_read_the_metrics(server: LiveServer, keys: dict[str, str]) -> None:
    # given each role; when it asks for /metrics; then admin, coordinator and auditor read them
    for role in ("admin", "coordinator", "auditor"):
        with client_for(server, keys[role]) as c:
            assert c.get("/metrics").status_code == 200, role
    # and the others are refused: the counts cover needs they may not see
    for role, status in (("state", 403), ("provider", 403), (None, 401)):
        with client_for(server, keys.get(role) if role else None) as c:
            assert c.get("/metrics").status_code == status, role


def test_the_alert_rules_and_scrape_config_name_metrics_the_ledger_exposes(
    server: LiveServer, keys: dict[str, str]
) -> None:
    # given a 5xx-free request and the metrics the ledger exposes
    with client_for(server, keys["admin"]) as c:
        c.get("/v1/needs")
    exposed = set(scrape(server, keys["auditor"]))
    # when the shipped alert rules are read
    rules = yaml.safe_load((OPERATIONS / "alerts.yml").read_text())
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    # then there are the three, on lag, checkpoint age and the 5xx rate, each naming only exposed metrics
    assert {"LedgerProjectionLagging", "LedgerCheckpointStale", "LedgerHighServerErrorRate"} <= set(alerts)
    for name, rule in alerts.items():
        named = set(re.findall(r"\bledger_[a-z_]+\b", rule["expr"]))
        assert named and named <= exposed, f"{name} names {named - exposed}, which /metrics does not expose"
        assert rule["labels"]["severity"] and rule["annotations"]["summary"]
    # and the scrape config reads /metrics with a bearer key file
    config = yaml.safe_load((OPERATIONS / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "uncac-ledger")
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["credentials_file"]
    assert config["rule_files"] == ["alerts.yml"]
