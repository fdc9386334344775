"""GET /metrics: the process's own counters and the store's state, in Prometheus text format.

One registry per app (never the library's global one), fed three ways: the `RequestMetrics`
middleware counts and times every request by route template and status; the group commit tells
each save (domain/group_commit.py `observers`), the runner's projections are timed per batch; and
`StoreCollector` reads the store when scraped (head, projection positions and lag, the last
checkpoint, the idempotency table, the pool). Every metric is described in docs/operations/metrics.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.http.auth import PrincipalDep
from api.http.problems import STORE_DOWN
from api.root.services import Services
from domain.group_commit import BatchSaved
from projections.audit.projection import last_checkpoint

router = APIRouter(tags=["operations"])
UNMATCHED = "(unmatched)"  # a path no route serves: one label value, whatever was asked
STORE_ERROR_SOURCES = ("request", "write", "scrape")


class Metrics:
    """The app's registry and the instruments the middleware, the group commit and the runner feed."""

    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        labels = ["method", "route", "status"]
        self.requests = Counter("ledger_http_requests", "HTTP requests answered", labels, registry=r)
        self.latency = Histogram(
            "ledger_http_request_duration_seconds", "time to answer an HTTP request", labels, registry=r
        )
        self.events = Counter("ledger_events_written", "events this process appended, by type", ["type"], registry=r)
        self.batch = Histogram(
            "ledger_group_commit_batch_commands",
            "commands saved together in one group-commit transaction",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=r,
        )
        self.save = Histogram(
            "ledger_group_commit_save_seconds", "time to save one group-commit batch or bulk chunk", registry=r
        )
        self.applied = Histogram(
            "ledger_projection_batch_seconds",
            "time for a projection to apply one batch of the log (its fold and writes, in its transaction)",
            ["projection"],
            registry=r,
        )
        self.store_errors = Counter(
            "ledger_store_errors",
            "store failures: requests answered 503 store-unavailable, saves that failed, scrapes without the store",
            ["source"],
            registry=r,
        )
        for source in STORE_ERROR_SOURCES:
            self.store_errors.labels(source)  # present at 0 from the start, so rates and alerts see them
        ProcessCollector(registry=r)
        r.register(StoreCollector(services, self.store_errors))
        services.ledger.commits.observers.append(self.saved)
        services.runner.projections = [TimedProjection(p, self.applied) for p in services.runner.projections]

    def saved(self, report: BatchSaved) -> None:
        """The group commit's observer: one save, done or failed."""
        self.save.observe(report.seconds)
        if report.error is not None:
            if isinstance(report.error, STORE_DOWN):
                self.store_errors.labels("write").inc()
            return
        if report.commands is not None:
            self.batch.observe(report.commands)
        for name in report.events:
            self.events.labels(name).inc()

    def answered(self, method: str, route: str, status: int, seconds: float, store_down: bool) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)
        if store_down:
            self.store_errors.labels("request").inc()


class TimedProjection:
    """A runner's projection, its batches timed; everything else is the projection's own."""

    def __init__(self, inner: Any, seconds: Histogram) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.lock_key: int = inner.lock_key
        self.seconds = seconds.labels(inner.name)

    def process(self, tx: Any, batch: Any) -> None:
        with self.seconds.time():
            self.inner.process(tx, batch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class StoreCollector(Collector):
    """What the store says when scraped: bounded by a ping, so a scrape never waits out the pool's retries."""

    def __init__(self, services: Services, errors: Counter) -> None:
        self.svc = services
        self.errors = errors

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ledger_store_up", "1 when the store answered this scrape, else 0")
        try:
            reached = self.svc.db.ping()
            found = list(self._read()) if reached else []
        except STORE_DOWN:
            reached, found = False, []
        if not reached:
            self.errors.labels("scrape").inc()
        up.add_metric([], 1 if reached else 0)
        yield up
        yield from found
        yield from self._pool()

    def _read(self) -> Iterator[Metric]:
        svc = self.svc
        head = svc.runner.head()
        yield _gauge("ledger_log_head_position", "the last position of the log", head)
        with svc.db.transaction(commit=False) as tx:
            checkpoint = last_checkpoint(tx)
            kept = int(tx.scalar("SELECT COUNT(*) FROM idempotency_keys") or 0)
        yield _gauge("ledger_idempotency_keys", "idempotency answers kept (each for 24 hours)", kept)
        if checkpoint is not None:
            signed = datetime.fromisoformat(checkpoint.time.replace("Z", "+00:00"))
            age = (datetime.now(UTC) - signed).total_seconds()
            yield _gauge(
                "ledger_checkpoint_position", "the position the last signed checkpoint covers", checkpoint.position
            )
            yield _gauge("ledger_checkpoint_age_seconds", "seconds since the last checkpoint was signed", age)
        yield from self._projections(head)

    def _projections(self, head: int) -> Iterator[Metric]:
        svc = self.svc
        names = [p.name for p in svc.runner.projections]
        position = GaugeMetricFamily(
            "ledger_projection_position", "the last log position applied", labels=["projection"]
        )
        events = GaugeMetricFamily(
            "ledger_projection_lag_events", "log positions not applied yet", labels=["projection"]
        )
        seconds = GaugeMetricFamily(
            "ledger_projection_lag_seconds",
            "age of the oldest event not applied yet (0 when caught up)",
            labels=["projection"],
        )
        for name in names:
            at = svc.db.position(name)
            position.add_metric([name], at)
            events.add_metric([name], max(0, head - at))
            seconds.add_metric([name], self._waiting_since(at) if head > at else 0.0)
        yield from (position, events, seconds)
        failing = "1 while this process's projection runner fails (the store away), else 0"
        yield _gauge("ledger_projection_runner_failing", failing, 1 if svc.runner.error else 0)

    def _waiting_since(self, position: int) -> float:
        """Seconds since the first event after `position` was recorded."""
        ledger = self.svc.ledger
        first = ledger.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
        if not first:
            return 0.0
        recorded: datetime = getattr(ledger.mapper.to_domain_event(first[0]), "timestamp")  # noqa: B009 (not typed)
        return max(0.0, (datetime.now(UTC) - recorded).total_seconds())

    def _pool(self) -> Iterator[Metric]:
        """psycopg_pool's own figures (PostgreSQL); the embedded SQLite store has no such pool."""
        stats = getattr(getattr(self.svc.db.datastore, "pool", None), "get_stats", None)
        if stats is None or self.svc.db.dialect != "postgres":
            return
        figures = stats()
        size, idle = figures.get("pool_size", 0), figures.get("pool_available", 0)
        yield _gauge("ledger_pool_connections", "connections the pool holds (in use and idle)", size)
        yield _gauge("ledger_pool_in_use", "connections lent to a request or the runner now", max(0, size - idle))
        yield _gauge("ledger_pool_waiting", "requests waiting for a connection now", figures.get("requests_waiting", 0))
        yield _gauge("ledger_pool_max", "the most connections the pool may open", figures.get("pool_max", 0))


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class RequestMetrics:
    """Pure ASGI, outermost: every answer counted and timed by method, route template and status."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, store_down = 500, False

        async def watched(message: dict) -> None:
            nonlocal status, store_down
            if message["type"] == "http.response.start":
                status = message["status"]
            elif status == 503 and b'"store-unavailable"' in message.get("body", b""):
                store_down = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.metrics.answered(scope["method"], route, status, time.perf_counter() - started, store_down)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request, who: PrincipalDep) -> Response:
    """Prometheus text format: requests, writes, projection lag, checkpoints, the pool (docs/operations/metrics.md)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
