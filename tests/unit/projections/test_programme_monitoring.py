"""Programme monitoring's day count, a pure function of a programme row and the day judged."""

from __future__ import annotations

from datetime import date

from projections.views.programme_monitoring import days_without_delivery


def row(**fields: object) -> dict[str, object]:
    return {"status": 2, "last_delivery": None, "start": None, "registered_on": "2025-01-01", **fields}


def test_days_without_delivery_count_from_the_last_delivery() -> None:
    assert days_without_delivery(row(last_delivery="2026-03-01"), date(2026, 3, 31)) == 30


def test_a_delivery_dated_tomorrow_for_time_zones_counts_as_today_not_as_minus_one() -> None:
    assert days_without_delivery(row(last_delivery="2026-04-01"), date(2026, 3, 31)) == 0
