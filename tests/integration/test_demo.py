"""The demo data set, on both stores: loaded through the domain, idempotent, worth discussing."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from api.demo.data import ANCHOR, SEED
from api.demo.load import build, load
from api.root.services import Services
from api.root.settings import Settings
from domain import reference
from domain.programmes import CANCELLED, CLOSED, IMPLEMENTATION
from tests.support.stores import new_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """One store per backend for the whole module: the demo is loaded once per backend."""
    tmp = tmp_path_factory.mktemp("demo")
    with new_database(request.param, tmp) as url:
        svc = Services(Settings(database_url=url, signing_key_file=tmp / "key.pem", log_format="json"))
        try:
            yield svc
        finally:
            svc.close()


@pytest.fixture(scope="module")
def demo(store: Services) -> dict[str, Any]:
    """The demo loaded twice, and the views caught up with it."""
    first = load(store.ledger)
    head = store.ledger.recorder.max_notification_id()
    second = load(store.ledger)
    store.runner.catch_up()
    return {
        "first": first,
        "second": second,
        "head": head,
        "needs": store.durable.needs(),
        "programmes": store.durable.programmes(),
        "orgs": store.durable.organisations(),
        "rates": store.durable.rates(),
    }


def test_the_plan_is_the_same_on_every_run() -> None:
    assert build(random.Random(SEED)) == build(random.Random(SEED))


def test_loading_the_demo_twice_adds_nothing_the_second_time(demo: dict, store: Services) -> None:
    assert demo["first"] == demo["head"] > 1000
    assert demo["second"] == 0
    assert store.ledger.recorder.max_notification_id() == demo["head"]


def test_the_demo_loads_through_the_domain_with_attributed_events(demo: dict, store: Services) -> None:
    # Every event is an ordinary domain event, attributed to someone, with a reason
    events = [
        store.ledger.mapper.to_domain_event(n)
        for n in store.ledger.recorder.select_notifications(start=1, limit=demo["head"])
    ]
    assert len(events) == demo["head"]
    assert all(e.reason and e.actor for e in events)
    assert {e.reason for e in events if type(e).__name__ == "ProgrammeRegistered"} == {"demo data set"}
    assert {e.actor_org for e in events if type(e).__name__ == "NeedIdentified"} >= {
        "KEN",
        "UKR",
        "COL",
    }


def test_needs_span_every_region_chapters_ii_to_v_and_their_sources(demo: dict) -> None:
    needs = demo["needs"]
    assert len(needs) >= 150
    states = {n["state"] for n in needs}
    assert len(states) >= 30
    assert {reference.states()[s].region for s in states} == {
        "African",
        "Asia-Pacific",
        "Eastern European",
        "Latin American and Caribbean",
        "Western European and Others",
    }
    assert {n["chapter"] for n in needs} == {"II", "III", "IV", "V"}
    assert {n["source"]["kind"] for n in needs} >= {
        "self-assessment",
        "country-review-report",
        "executive-summary",
        "national-strategy",
    }
    assert {n["source"]["cycle"] for n in needs} == {1, 2, None}
    assert {n["horizon"] for n in needs} == {"current", "anticipated"}
    assert {n["priority"] for n in needs} == {"high", "medium", "low"}
    assert {n["estimated_cost"]["currency"] for n in needs if n["estimated_cost"]} >= {
        "USD",
        "EUR",
        "GBP",
        "NOK",
    }
    assert any(n["estimated_cost"] is None for n in needs)


def test_needs_are_published_met_withdrawn_and_reopened(demo: dict, store: Services) -> None:
    status = defaultdict(int)
    for n in demo["needs"]:
        status[n["status"]] += 1
    assert status["met"] >= 3 and status["withdrawn"] >= 3 and status["open"] >= 100
    assert 0 < sum(n["published"] for n in demo["needs"]) < len(demo["needs"])
    reopened = [n for n in demo["needs"] if n["status"] == "open" and n["version"] > 2]
    assert any(
        type(e).__name__ == "NeedReopened" for n in reopened for e in store.ledger.events.get(UUID(n["need_id"]))
    )


def test_providers_are_many_and_of_several_iati_organisation_types(demo: dict) -> None:
    assert len(demo["orgs"]) >= 15
    assert {o["org_type"] for o in demo["orgs"]} >= {"10", "15", "21", "22", "40", "60", "70", "80"}
    assert any(o["ref"] == "XM-DAC-41128" for o in demo["orgs"])


def test_programmes_are_linked_to_needs_with_explicit_and_equal_shares(demo: dict) -> None:
    programmes = demo["programmes"]
    assert len(programmes) >= 40 and all(p["linked_needs"] for p in programmes)
    shares = [link["share"] for p in programmes for link in p["linked_needs"]]
    assert None in shares and any(s is not None for s in shares)
    assert {p["status"] for p in programmes} == {1, 2, 3, 4, 5, 6}


def test_money_is_in_several_currencies_and_unconverted_amounts_show(demo: dict) -> None:
    assert {r["currency"] for r in demo["rates"]} >= {"EUR", "GBP"}
    assert all(len(r["rates"]) >= 10 for r in demo["rates"])
    assert not any(r["currency"] == "NOK" for r in demo["rates"])
    assert any(p["unconverted"]["committed"].get("NOK") for p in demo["programmes"])


def test_deliveries_of_every_kind_are_recorded(demo: dict) -> None:
    kinds = {k for p in demo["programmes"] for k in p["delivery_kinds"]}
    assert kinds == set(reference.DELIVERY_KINDS)


def test_monitoring_has_stalled_over_disbursed_and_overdue_programmes(demo: dict) -> None:
    # Judged at the demo's anchor date and still so today (delivery dates and ends are data)
    for today in (ANCHOR, date.today()):
        live = [p for p in demo["programmes"] if p["status"] == IMPLEMENTATION]
        stalled = [
            p
            for p in live
            if p["last_delivery"] and date.fromisoformat(p["last_delivery"]) < today - timedelta(days=180)
        ]
        overdue = [
            p
            for p in demo["programmes"]
            if p["end"] and date.fromisoformat(p["end"]) < today and p["status"] not in (CLOSED, CANCELLED)
        ]
        assert len(stalled) >= 2 and len(overdue) >= 2
    over = [p for p in demo["programmes"] if Decimal(p["disbursed"]) > Decimal(p["committed"]) > 0]
    assert len(over) >= 2


def test_several_funders_are_active_on_the_same_state_and_article(demo: dict) -> None:
    funders_by_cell: dict[tuple[str, int], set[str]] = defaultdict(set)
    active = {p["programme_id"]: p for p in demo["programmes"] if p["active"]}
    for n in demo["needs"]:
        for p in n["programmes"]:
            if p["programme_id"] in active and n["status"] == "open":
                funders_by_cell[(n["state"], n["article"])] |= {f["org_id"] for f in p["funders"]}
    crowded = [cell for cell, funders in funders_by_cell.items() if len(funders) >= 2]
    assert len(crowded) >= 5


def test_the_demo_loads_beside_what_a_store_already_holds(services: Any) -> None:
    # Given a store where an organisation of the demo is already registered (the same ref)
    services.ledger.register_organisation("GB-GOV-1", "FCDO", "10", "GBR")
    # When the demo loads, then it keeps that organisation and loads everything else
    added = load(services.ledger)
    assert added == services.ledger.recorder.max_notification_id() - 1
    assert services.ledger.organisation_by_ref("GB-GOV-1").name == "FCDO"
    assert load(services.ledger) == 0
