"""Amounts as the domain accepts them (domain/amounts.py): plain decimal notation in ASCII digits,
positive and bounded; entered over the API, no finer than the currency's ISO 4217 minor units."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import amounts
from domain.errors import InvalidInput
from domain.programmes import share
from domain.rates import ExchangeRate

REFUSED_NOTATIONS = [
    "1e9",  # became a USD 1,000,000,000 commitment
    "1E+5",
    "1_000",
    "١٠٠٠",  # Arabic-Indic digits
    "۱۰۰۰",  # Extended Arabic-Indic digits
    "１０００",  # fullwidth digits
    "Infinity",
    "NaN",
    "0x10",
    "1,000",
    "+5",
    ".5",
    "5.",
    "",
    "1 000",
]


@pytest.mark.parametrize("text", REFUSED_NOTATIONS)
def test_an_amount_not_in_plain_decimal_notation_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        amounts.amount(text)
    assert refused.value.code == "invalid-amount"


@pytest.mark.parametrize("value", ["0", "-5", "-0.01", 0, -3, 1.5, True, Decimal("NaN"), Decimal("-1")])
def test_zero_negatives_floats_booleans_and_non_finite_numbers_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        amounts.amount(value)
    assert refused.value.code == "invalid-amount"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("125000.50", Decimal("125000.50")), ("7", Decimal(7)), (42, Decimal(42)), (" 10.25 ", Decimal("10.25"))],
)
def test_plain_decimals_and_integers_are_kept_exactly(value: object, expected: Decimal) -> None:
    kept = amounts.amount(value)
    assert kept == expected and str(kept) == str(expected)


def test_a_decimal_already_read_by_a_parser_keeps_its_exponent_form() -> None:
    # An IATI value arrives as a Decimal, read by that importer's own parser: it is a number, not notation
    assert amounts.amount(Decimal("1E+3")) == 1000


def test_amounts_are_bounded_in_size_and_written_places() -> None:
    assert amounts.amount("999999999999999") == Decimal("999999999999999")
    for too_big in ("1000000000000000", "0.00000000001"):
        with pytest.raises(InvalidInput):
            amounts.amount(too_big)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10") ** 14, places=2))
def test_every_plain_two_place_amount_reads_back_as_itself(d: Decimal) -> None:
    assert amounts.entered(format(d, "f"), "USD") == d


@pytest.mark.parametrize(("currency", "units"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)])
def test_minor_units_are_iso_4217s(currency: str, units: int) -> None:
    assert amounts.minor_units(currency) == units


@pytest.mark.parametrize(
    ("text", "currency"), [("1.005", "USD"), ("100.5", "JPY"), ("1.2345", "KWD"), ("0.001", "eur")]
)
def test_an_entered_amount_finer_than_its_currencys_minor_units_is_refused(text: str, currency: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        amounts.entered(text, currency)
    assert refused.value.code == "amount-too-precise"
    assert "ISO 4217" in refused.value.detail


@pytest.mark.parametrize(
    ("text", "currency"), [("1.05", "USD"), ("100", "JPY"), ("100.000", "USD"), ("1.234", "KWD"), ("1.23456", "XDR")]
)
def test_an_entered_amount_within_its_minor_units_is_accepted(text: str, currency: str) -> None:
    # trailing zeros carry no value; XDR has no ISO 4217 minor unit, so only the general bound holds
    assert amounts.entered(text, currency) == Decimal(text)


def test_shares_and_rates_are_read_by_the_same_notation_rule() -> None:
    assert share("0.25") == Decimal("0.25")
    for text in ("25e-2", "٠٫٥", "0_5"):
        with pytest.raises(InvalidInput) as refused:
            share(text)
        assert refused.value.code == "invalid-share"
    with pytest.raises(InvalidInput) as refused:
        ExchangeRate.record("EUR", date(2024, 1, 2), "1.08E0", "USD")
    assert refused.value.code == "invalid-rate"
