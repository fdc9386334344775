"""Input that must be refused, over real HTTP on both stores: amounts not in plain decimal notation
or finer than their currency's minor units, deliveries in the future, value dates and periods
outside 1990-01-01 … today + 15 years. Each is a 422 problem with its code, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.root.services import Services
from domain import dates
from tests.e2e.api import world
from tests.support.servers import LiveServer, client_for

NOTATIONS = ["1e9", "1E+5", "1_000", "١٠٠٠", "1,000", "Infinity"]  # "1e9" became USD 1,000,000,000
TODAY = dates.today()
IMPLAUSIBLE = ["0001-01-01", "1899-12-31", "2999-01-01"]


@pytest.fixture
def w(services: Services, keys: dict[str, str]) -> world.World:
    return world.build(services.ledger)


@pytest.fixture
def admin(server: LiveServer, keys: dict[str, str]) -> Iterator[httpx.Client]:
    with client_for(server, keys["admin"]) as client:
        yield client


def head(services: Services) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def refused(services: Services, r: httpx.Response, code: str, before: int) -> dict[str, Any]:
    """A 422 problem with `code`, and the log as it was."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["code"], body["status"]) == (code, 422), body
    assert head(services) == before, f"{code}: something was written"
    return body


def money(w: world.World, **overrides: Any) -> dict[str, Any]:
    return {"funder": str(w.org), "amount": "1000.00", "currency": "USD", "value_date": "2024-05-01", **overrides}


def amount_writes(w: world.World, amount: str) -> list[tuple[str, dict[str, Any]]]:
    """Every write that takes an amount (or a rate, or a share), with `amount` in it."""
    p = f"/v1/programmes/{w.programme}"
    cost = {"amount": amount, "currency": "USD", "value_date": "2024-05-01"}
    return [
        (f"{p}/commitments", money(w, amount=amount)),
        (f"{p}/pledges", money(w, amount=amount)),
        (f"{p}/disbursements", money(w, amount=amount)),
        (f"{p}/commitments/{w.commitment}/revise", {"amount": amount}),
        (f"/v1/needs/{w.need}/estimate", cost),
        ("/v1/needs", {**world.NEED, "estimated_cost": cost}),
        ("/v1/exchange-rates", {"currency": "EUR", "date": "2024-05-01", "rate": amount}),
    ]


def test_amounts_not_in_plain_decimal_notation_are_refused_everywhere(
    admin: httpx.Client, services: Services, w: world.World
) -> None:
    before = head(services)
    for amount in NOTATIONS:
        for path, body in amount_writes(w, amount):
            # when an amount is written with an exponent, separators or other digits
            r = admin.post(path, json=body)
            # then it is refused as not an amount (a rate as not a rate), and nothing is written
            code = "invalid-rate" if "exchange-rates" in path else "invalid-amount"
            refused(services, r, code, before)
    share = admin.post(f"/v1/programmes/{w.programme}/link-need", json={"need_id": str(w.need), "share": "5e-1"})
    refused(services, share, "invalid-share", before)


def test_amounts_finer_than_the_currencys_minor_units_are_refused_over_the_api(
    admin: httpx.Client, services: Services, w: world.World
) -> None:
    before = head(services)
    p = f"/v1/programmes/{w.programme}"
    cases = [
        (f"{p}/commitments", money(w, amount="100.005")),  # USD has 2 minor units
        (f"{p}/disbursements", money(w, amount="100.5", currency="JPY")),  # JPY has none
        (f"{p}/commitments/{w.commitment}/revise", {"amount": "100000.001"}),  # c-1 is in USD
        (f"/v1/needs/{w.need}/estimate", {"amount": "10.1234", "currency": "KWD", "value_date": "2024-05-01"}),
    ]
    for path, body in cases:
        detail = refused(services, admin.post(path, json=body), "amount-too-precise", before)["detail"]
        assert "ISO 4217" in detail
    # and within them, the same writes are recorded as given
    r = admin.post(f"{p}/commitments", json=money(w, amount="100.05", commitment_id="c-2"))
    assert r.status_code == 201, r.text
    assert {c["commitment_id"]: c["amount"] for c in r.json()["commitments"]}["c-2"] == "100.05"
    r = admin.post(
        f"/v1/needs/{w.need}/estimate", json={"amount": "10.123", "currency": "KWD", "value_date": "2024-05-01"}
    )
    assert r.status_code == 200 and r.json()["estimated_cost"]["amount"] == "10.123", r.text


def test_a_delivery_in_the_future_is_refused_and_today_or_tomorrow_is_not(
    admin: httpx.Client, services: Services, w: world.World
) -> None:
    before = head(services)
    p = f"/v1/programmes/{w.programme}/deliveries"
    delivery = {"kind": "training", "description": "Procurement course", "date": "2030-03-01"}
    # when a delivery is dated in 2030 (it made a stalled programme look active), or two days ahead
    for on in ("2030-03-01", (TODAY + timedelta(days=2)).isoformat()):
        body = refused(services, admin.post(p, json={**delivery, "date": on}), "delivery-in-future", before)
        assert TODAY.isoformat() in body["detail"]
    refused(services, admin.post(p, json={**delivery, "date": "1899-01-01"}), "date-out-of-range", before)
    # then a delivery dated tomorrow (a time zone ahead of UTC) is recorded
    r = admin.post(p, json={**delivery, "date": (TODAY + timedelta(days=1)).isoformat()})
    assert r.status_code == 201, r.text


def test_value_dates_and_periods_outside_1990_to_fifteen_years_ahead_are_refused(
    admin: httpx.Client, services: Services, w: world.World
) -> None:
    before = head(services)
    p = f"/v1/programmes/{w.programme}"
    programme = {
        "title": "Asset recovery",
        "reporting_org": str(w.org),
        "funders": [str(w.org)],
        "states": ["KEN"],
        "status": 1,
    }
    for on in IMPLAUSIBLE:
        cost = {"amount": "10", "currency": "USD", "value_date": on}
        for path, body in [
            (f"{p}/commitments", money(w, value_date=on)),
            (f"{p}/pledges", money(w, value_date=on)),
            (f"{p}/disbursements", money(w, value_date=on)),
            (f"/v1/needs/{w.need}/estimate", cost),
            ("/v1/needs", {**world.NEED, "estimated_cost": cost}),
            ("/v1/needs", {**world.NEED, "source": {**world.NEED["source"], "date": on}}),
            ("/v1/exchange-rates", {"currency": "EUR", "date": on, "rate": "1.08"}),
            (f"{p}/period", {"start": on, "end": None}),
            (f"{p}/period", {"start": None, "end": on}),
            ("/v1/programmes", {**programme, "start": on}),
            ("/v1/programmes", {**programme, "end": on}),
        ]:
            body_ = refused(services, admin.post(path, json=body), "date-out-of-range", before)
            assert "1990-01-01" in body_["detail"], body_
    # the window's own ends are accepted
    last = dates.latest(TODAY).isoformat()
    r = admin.post(f"{p}/period", json={"start": "1990-01-01", "end": last})
    assert r.status_code == 200, r.text
