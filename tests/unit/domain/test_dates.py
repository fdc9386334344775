"""Dates as the domain accepts them (domain/dates.py) and `as_of` read one way for every reader."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import dates
from domain.errors import InvalidInput
from domain.needs import money, source
from domain.rates import ExchangeRate
from tests.unit.domain.test_programmes import FUNDER, new_events, register, settled

TODAY = dates.today()


def refused(code: str, call: object, *args: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.code == code, caught.value.detail


@pytest.mark.parametrize("on", [date(1, 1, 1), date(1899, 12, 31), date(1989, 12, 31), date(2999, 1, 1)])
def test_value_dates_outside_1990_to_fifteen_years_ahead_are_refused(on: date) -> None:
    refused("date-out-of-range", dates.within, on, "the value date")
    refused("date-out-of-range", money, "100", "USD", on)
    refused("date-out-of-range", source, "self-assessment", "SA 2020", None, on)
    refused("date-out-of-range", ExchangeRate.record, "EUR", on, "1.08", "USD")


def test_the_window_runs_from_1990_to_today_plus_fifteen_years_inclusive() -> None:
    last = dates.latest(TODAY)
    assert (last.year - TODAY.year, dates.within(last, "x"), dates.within(dates.EARLIEST, "x")) == (
        15,
        last,
        date(1990, 1, 1),
    )
    refused("date-out-of-range", dates.within, last + timedelta(days=1), "x")
    assert dates.latest(date(2024, 2, 29)) == date(2039, 2, 28)


def test_a_delivery_may_be_dated_today_or_tomorrow_but_not_later() -> None:
    assert dates.delivered(TODAY) == TODAY
    assert dates.delivered(TODAY + timedelta(days=1)) == TODAY + timedelta(days=1)  # time zones ahead of UTC
    refused("delivery-in-future", dates.delivered, TODAY + timedelta(days=2))
    refused("delivery-in-future", dates.delivered, date(2030, 1, 1) if TODAY.year < 2029 else date(9999, 1, 1))
    refused("date-out-of-range", dates.delivered, date(1899, 1, 1))


def test_a_programme_refuses_a_future_delivery_and_implausible_dates_and_records_nothing() -> None:
    p = settled(register(status=2))
    refused("delivery-in-future", p.record_delivery, "d1", "training", TODAY + timedelta(days=400), [], "a course")
    refused("date-out-of-range", p.change_period, date(1899, 1, 1), None)
    refused("date-out-of-range", p.change_period, None, date(2999, 1, 1))
    refused("date-out-of-range", p.record_commitment, "c1", FUNDER, "100", "USD", date(1, 1, 1))
    refused("date-out-of-range", p.record_disbursement, "x1", "100", "USD", date(2999, 1, 1))
    assert new_events(p) == [] and not p.deliveries and not p.commitments
    refused("date-out-of-range", lambda: register(start=date(1899, 1, 1)))


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-03-31", datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)),  # the END of that day, UTC
        ("2024-03-31Z", datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2024-03-31T10:00:00", datetime(2024, 3, 31, 10, tzinfo=UTC)),  # no zone: UTC
        ("2024-03-31T10:00:00Z", datetime(2024, 3, 31, 10, tzinfo=UTC)),
        ("2024-03-31T10:00:00-05:00", datetime(2024, 3, 31, 15, tzinfo=UTC)),
        ("42", 42),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_as_of_is_a_position_or_a_moment_and_a_date_alone_ends_its_day(text: str, moment: object) -> None:
    assert dates.as_of(text) == moment


@pytest.mark.parametrize(
    "text",
    [
        "99999999999999999999999",  # gave a 500 on SQLite
        str(2**63),
        "١٢٣",  # digits, but not ASCII ones
        "²",
        "2024-02-30",
        "0001-01-01T00:00:00+01:00",  # before year 1 once in UTC
        "9999-12-31T23:59:59-01:00",
        "yesterday",
        "",
    ],
)
def test_as_of_refuses_overflow_other_digits_and_impossible_moments(text: str) -> None:
    refused("invalid-as-of", dates.as_of, text)
