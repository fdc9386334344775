"""The patterns the OpenAPI document states (api/http/schemas/bounds.py) say exactly, or within, what the
domain accepts: a value matching a pattern is never refused by the rule the pattern states."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.http.schemas import bounds
from domain import amounts, dates
from domain.errors import InvalidInput
from domain.programmes import share

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(1990, 1, 1), date(2041, 12, 7)),
        (date(1990, 1, 1), date(2026, 2, 28)),
        (date(1992, 2, 29), date(1992, 3, 1)),
        (date(1990, 1, 1), date(2024, 2, 29)),
        (date(2000, 12, 31), date(2001, 1, 1)),
    ],
)
def test_a_date_pattern_matches_exactly_the_dates_of_its_range(first: date, last: date) -> None:
    # given the pattern of a range
    pattern = re.compile(f"^{bounds.date_pattern(first, last)}$")
    # then every day from five years before to five years after matches exactly when it is inside
    day = first.replace(year=first.year - 5, day=1)
    while day <= last.replace(year=last.year + 5, day=1):
        assert bool(pattern.match(day.isoformat())) == (first <= day <= last), day
        day += timedelta(days=1)
    # and no impossible date matches
    for impossible in ("2024-02-30", "2023-02-29", "1999-13-01", "2000-00-10", "2000-01-00", "2000-04-31"):
        assert not pattern.match(impossible)


def test_the_plausible_range_is_the_domains() -> None:
    first, last = bounds.plausible_dates(dates.today())
    pattern = re.compile(bounds.PlausibleDate.keywords[0][1])
    for day in (first, last):
        assert pattern.match(day.isoformat()) and dates.within(day, "a date") == day
    for day in (first - timedelta(days=1), last + timedelta(days=1)):
        assert not pattern.match(day.isoformat())
        with pytest.raises(InvalidInput):
            dates.within(day, "a date")


@given(st.from_regex(bounds.POSITIVE, fullmatch=True))
def test_a_positive_decimal_the_pattern_allows_is_an_amount_and_a_rate(text: str) -> None:
    assert amounts.amount(text) > 0


@given(st.sampled_from(["USD", "JPY", "KWD", "CLF", "XDR", "EUR"]), st.data())
def test_an_amount_its_currency_branch_allows_is_entered(currency: str, data: st.DataObject) -> None:
    units = amounts.minor_units(currency)
    pattern = bounds.decimal_pattern(amounts.MAX_DECIMAL_PLACES if units is None else units)
    assert json.dumps(bounds.amount_branches([currency])).count(json.dumps(pattern)) == 1  # its branch states it
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    assert amounts.entered(text, currency) > 0


@given(st.from_regex(bounds.SHARE, fullmatch=True))
def test_a_share_the_pattern_allows_is_in_zero_one(text: str) -> None:
    assert share(text) is not None


@given(st.from_regex(bounds.AS_OF, fullmatch=True))
def test_an_as_of_the_pattern_allows_is_read(text: str) -> None:
    dates.as_of(text)  # no invalid-as-of
