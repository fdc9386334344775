"""`python -m api.root.probe`: are the projections keeping up with the log? The worker's health check.

Exit 0 when every projection has applied the whole log, or when the oldest event it has not applied
is younger than `--max-lag-seconds` (default 300); 1 otherwise, or when the store cannot be read.
It reads only: the log's head, the projections' tracking positions, one event's time.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from api.root.settings import Settings
from domain.ledger import Ledger
from projections.audit.projection import AuditProjection
from projections.db import Database
from projections.store.schema import VIEWS


def lagging(ledger: Ledger, db: Database, max_lag_seconds: float) -> list[str]:
    """The projections whose oldest unapplied event is older than `max_lag_seconds`, with that age."""
    head = ledger.recorder.max_notification_id() or 0
    late = []
    for name in (VIEWS, AuditProjection.name):
        at = db.position(name)
        first = ledger.recorder.select_notifications(start=at, limit=1, inclusive_of_start=False) if at < head else []
        if first:
            recorded: datetime = getattr(ledger.mapper.to_domain_event(first[0]), "timestamp")  # noqa: B009
            age = (datetime.now(UTC) - recorded).total_seconds()
            if age > max_lag_seconds:
                late.append(
                    f"{name}: its oldest unapplied event is {age:.0f} s old ({head - at} log positions to apply)"
                )
    return late


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.root.probe", description=__doc__.splitlines()[0])
    parser.add_argument("--max-lag-seconds", type=float, default=300.0)
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        ledger = Ledger(env=settings.eventsourcing_env(), reporting_currency=settings.reporting_currency)
    except Exception as e:  # the store is away, or the settings are wrong: unhealthy either way
        print(f"unhealthy: the store cannot be opened ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    try:
        late = lagging(ledger, Database(ledger.factory), args.max_lag_seconds)
    except Exception as e:
        print(f"unhealthy: the store cannot be read ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    finally:
        ledger.close()
    for line in late:
        print(f"unhealthy: {line}", file=sys.stderr)
    return 1 if late else 0


if __name__ == "__main__":
    sys.exit(main())
