"""Exchange rates into the reporting currency: one aggregate per currency and date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import dates, reference
from domain.errors import InvalidInput
from domain.events import LedgerAggregate


def rate_id(currency: str, on: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:ledger:rate:{currency}:{on.isoformat()}")


class ExchangeRate(LedgerAggregate):
    """`rate` is reporting-currency units for one unit of `currency` (EUR 1.08: 1 EUR = 1.08 USD)."""

    @staticmethod
    def create_id(currency: str, date: date, **_: object) -> UUID:
        return rate_id(currency, date)

    @classmethod
    def record(cls, currency: str, on: date, rate: object, reporting_currency: str) -> ExchangeRate:
        currency = reference.currency(currency)
        if currency == reporting_currency:
            raise InvalidInput("rate-for-reporting-currency", f"{currency} is the reporting currency; its rate is 1")
        try:
            value = reference.amount(rate)
        except InvalidInput:
            raise InvalidInput(
                "invalid-rate", f"a rate is a positive decimal in plain notation, got {rate!r}"
            ) from None
        on = dates.within(on, "the rate's date")
        return cls._create(cls.ExchangeRateRecorded, currency=currency, date=on, rate=value)

    class ExchangeRateRecorded(LedgerAggregate.Created):
        currency: str
        date: date
        rate: Decimal

    def __init__(self, currency: str, date: date, rate: Decimal) -> None:
        self.currency = currency
        self.date = date
        self.rate = rate
