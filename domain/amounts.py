"""Amounts, shares and rates as the ledger accepts them: plain decimal notation, ASCII digits.

`Decimal(str(x))` alone would take `"1e9"`, `"1_000"`, `"١٠٠"` (Arabic-Indic digits) and
`"Infinity"`: one slip of a client and a billion is recorded. Every decimal the domain records
is read by `plain` (one rule for amounts, shares and rates), bounded by `amount`, and, when a
person enters it over the API, held to its currency's ISO 4217 minor units by `entered`. IATI
imports keep the publisher's precision (up to `MAX_DECIMAL_PLACES`): the file is the record.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from domain.errors import InvalidInput

DATA = Path(__file__).parent / "data"
MAX_AMOUNT_DIGITS, MAX_DECIMAL_PLACES = 15, 10
PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?")  # not \d: it matches every script's digits


def plain(value: object, code: str, what: str) -> Decimal:
    """A non-negative decimal written plainly ("1250.50", 1250), or refused with `code`.

    A `Decimal` is a number already (an IATI value, read by its own parser) and is kept as it
    is; an int is exact; a float is refused because it has been rounded before it arrives.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(code, f"{what} is a decimal string, not a float or boolean: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(code, f"{what} must be a finite number, got {value!r}")
        return value
    text = str(value).strip()
    if text.startswith("-"):
        raise InvalidInput(code, f"{what} must be positive, got {value!r}")
    if not PLAIN.fullmatch(text):
        raise InvalidInput(
            code,
            f"{what} {value!r} is not plain decimal notation: ASCII digits with an optional "
            'decimal point, e.g. "125000.50" (no exponent, separators, signs or other digits)',
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # unreachable after PLAIN; kept so no input escapes as a 500
        raise InvalidInput(code, f"{what} {value!r} is not a decimal number") from None


def places(d: Decimal, written: bool = False) -> int:
    """Decimal places that carry a value ("100.50" has 1, "100.00" has 0), or as `written` (2, 2)."""
    exponent = (d if written else d.normalize()).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def amount(value: object) -> Decimal:
    """A positive amount, bounded so every sum and conversion stays exact in the views."""
    d = plain(value, "invalid-amount", "an amount")
    if d <= 0:
        raise InvalidInput("invalid-amount", f"an amount must be positive, got {value!r}")
    if d.adjusted() >= MAX_AMOUNT_DIGITS or places(d, written=True) > MAX_DECIMAL_PLACES:
        raise InvalidInput(
            "invalid-amount",
            f"amount {value!r} is out of range (below 10^{MAX_AMOUNT_DIGITS}, "
            f"at most {MAX_DECIMAL_PLACES} decimal places)",
        )
    return d


@cache
def _minor_units() -> dict[str, int | None]:
    with open(DATA / "currencies.csv", newline="", encoding="utf-8") as f:
        return {r["code"]: int(r["minor_units"]) if r["minor_units"] else None for r in csv.DictReader(f)}


def minor_units(currency: str) -> int | None:
    """The currency's ISO 4217 minor units (USD 2, JPY 0, KWD 3); None where ISO 4217 gives none
    (XDR) or for a code it does not list: then only `MAX_DECIMAL_PLACES` bounds an amount."""
    return _minor_units().get(str(currency).strip().upper())


def entered(value: object, currency: str) -> Decimal:
    """An amount a person entered: as `amount`, and no finer than the currency's minor units."""
    d = amount(value)
    units = minor_units(currency)
    if units is not None and places(d) > units:
        raise InvalidInput(
            "amount-too-precise",
            f"{currency} amounts have at most {units} decimal place{'s' if units != 1 else ''} "
            f"(ISO 4217 minor units); got {value!r}",
        )
    return d
