"""Programmes and exchange rates over real HTTP, on both stores: every action, every refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest

from domain.needs import source
from tests.support.servers import client_for

D = "2024-03-01"


def assert_problem(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    for key in ("type", "title", "status", "detail", "instance", "code", "request_id"):
        assert key in body, key
    assert body["code"] == code and body["status"] == status
    return body


@dataclass
class Given:
    """Two funders (GB-GOV-1 is the provider key's), an implementer, needs of Kenya and Uganda."""

    http: httpx.Client
    services: Any
    gb: UUID
    de: UUID
    unodc: UUID
    ken_need: UUID
    ken_need_2: UUID
    uga_need: UUID

    def programme(self, **overrides: Any) -> dict:
        body = {
            "title": "Procurement integrity in Kenya",
            "description": "Phase II",
            "reporting_org": str(self.gb),
            "funders": [str(self.gb), str(self.de)],
            "implementers": [str(self.unodc)],
            "states": ["KEN"],
            "start": "2024-01-01",
            "end": "2026-12-31",
            "status": 1,
            **overrides,
        }
        r = self.http.post("/v1/programmes", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, programme: dict, action: str, body: dict | None = None, **kw: Any) -> httpx.Response:
        return self.http.post(f"/v1/programmes/{programme['id']}/{action}", json=body, **kw)

    def ok(self, programme: dict, action: str, body: dict | None = None) -> dict:
        r = self.act(programme, action, body)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def money(self, **overrides: Any) -> dict:
        return {
            "funder": str(self.gb),
            "amount": "150000.00",
            "currency": "GBP",
            "value_date": D,
            **overrides,
        }

    def head(self) -> int:
        return self.services.ledger.recorder.max_notification_id() or 0


def need(ledger: Any, state: str) -> UUID:
    return ledger.identify_need(
        state=state,
        article=9,
        ta_types=["legal-advice"],
        description="Procurement law",
        horizon="current",
        priority="high",
        source=source("self-assessment", "SA"),
    ).id


@pytest.fixture
def given(http: httpx.Client, services: Any, keys: dict[str, str]) -> Given:
    ledger = services.ledger
    ledger.register_organisation("DE-1", "Federal Ministry for Economic Cooperation", "10", "DEU")
    ledger.register_organisation("XM-DAC-41128", "UNODC", "40")
    return Given(
        http,
        services,
        ledger.organisation_by_ref("GB-GOV-1").id,
        ledger.organisation_by_ref("DE-1").id,
        ledger.organisation_by_ref("XM-DAC-41128").id,
        need(ledger, "KEN"),
        need(ledger, "KEN"),
        need(ledger, "UGA"),
    )


def test_a_programme_is_registered_and_read_back_with_its_etag(given: Given) -> None:
    # When a provider's programme is registered
    p = given.programme(iati_identifier="GB-GOV-1-300999")
    # Then the answer is the programme with its log position
    assert p["position"] == given.head() and p["status_name"] == "Pipeline/identification"
    # And reading it back gives the same programme, with its version as ETag
    got = given.http.get(f"/v1/programmes/{p['id']}")
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert {k: got.json()[k] for k in ("title", "funders", "states", "start", "end", "iati_identifier")} == {
        "title": "Procurement integrity in Kenya",
        "funders": [str(given.gb), str(given.de)],
        "states": ["KEN"],
        "start": "2024-01-01",
        "end": "2026-12-31",
        "iati_identifier": "GB-GOV-1-300999",
    }


def test_every_programme_action_answers_the_programme_and_its_position(given: Given) -> None:
    p = given.programme()
    n = str(given.ken_need)
    steps: list[tuple[str, dict | None, int]] = [
        ("link-need", {"need_id": n, "share": "0.6"}, 200),
        ("link-need", {"need_id": str(given.ken_need_2)}, 200),
        ("pledges", given.money(commitment_id="p-1"), 201),
        (
            "commitments",
            given.money(commitment_id="c-1", funder=str(given.de), currency="EUR"),
            201,
        ),
        ("commitments/c-1/revise", {"amount": "175000"}, 200),
        ("commitments/p-1/cancel", None, 200),
        ("status", {"status": 2}, 200),
        (
            "disbursements",
            {"disbursement_id": "d-1", "amount": "50000", "currency": "EUR", "value_date": D},
            201,
        ),
        (
            "deliveries",
            {
                "delivery_id": "v-1",
                "kind": "legislative-drafting",
                "date": D,
                "need_ids": [n],
                "description": "Draft procurement regulations",
                "participants": 12,
            },
            201,
        ),
        ("period", {"start": "2024-01-01", "end": "2027-06-30"}, 200),
        ("unlink-need", {"need_id": str(given.ken_need_2)}, 200),
    ]
    last = p["position"]
    for action, body, status in steps:
        r = given.act(p, action, body)
        assert r.status_code == status, (action, r.text)
        assert r.json()["position"] > last and r.headers["etag"] == f'"{r.json()["version"]}"'
        last = r.json()["position"]
    final = given.http.get(f"/v1/programmes/{p['id']}").json()
    assert final["needs"] == [{"need_id": n, "share": "0.6"}]
    assert [(c["commitment_id"], c["amount"], c["cancelled"]) for c in final["commitments"]] == [
        ("p-1", "150000.00", True),
        ("c-1", "175000", False),
    ]
    assert (final["status"], final["end"], final["deliveries"][0]["participants"]) == (
        2,
        "2027-06-30",
        12,
    )


def test_money_and_deliveries_without_ids_get_generated_ones_in_the_answer(given: Given) -> None:
    p = given.programme(status=2)
    given.ok(p, "link-need", {"need_id": str(given.ken_need)})
    c = given.ok(p, "commitments", given.money())
    d = given.ok(p, "disbursements", {"amount": "10", "currency": "GBP", "value_date": D})
    v = given.ok(p, "deliveries", {"kind": "study", "date": D, "description": "Baseline study"})
    assert c["recorded_id"] in {x["commitment_id"] for x in c["commitments"]}
    assert d["recorded_id"] == d["disbursements"][0]["disbursement_id"]
    assert v["recorded_id"] == v["deliveries"][0]["delivery_id"] and len(v["recorded_id"]) == 32


def test_link_need_and_commitments_carry_overlap_warnings(given: Given) -> None:
    p = given.programme()
    assert isinstance(given.ok(p, "link-need", {"need_id": str(given.ken_need)})["warnings"], list)
    assert isinstance(given.ok(p, "commitments", given.money())["warnings"], list)


Case = tuple[str, Callable[[Given], tuple[dict, str, dict | None]], int, str]


def _cancelled(g: Given) -> dict:
    p = g.programme(status=2)
    g.ok(p, "status", {"status": 5})
    return p


def _closed(g: Given) -> dict:
    p = g.programme(status=2)
    g.ok(p, "commitments", g.money(commitment_id="c-1"))
    g.ok(p, "status", {"status": 4})
    return p


def _linked_at(g: Given, share: str) -> dict:
    p = g.programme()
    g.ok(p, "link-need", {"need_id": str(g.ken_need), "share": share})
    return p


def _with_cancelled_commitment(g: Given) -> dict:
    p = g.programme()
    g.ok(p, "commitments", g.money(commitment_id="c-1"))
    g.ok(p, "commitments/c-1/cancel")
    return p


CASES: list[Case] = [
    (
        "funder not on the programme",
        lambda g: (g.programme(funders=[str(g.gb)]), "commitments", g.money(funder=str(g.de))),
        409,
        "funder-not-on-programme",
    ),
    (
        "need of another state",
        lambda g: (g.programme(), "link-need", {"need_id": str(g.uga_need)}),
        409,
        "need-state-not-on-programme",
    ),
    (
        "a share over 1",
        lambda g: (g.programme(), "link-need", {"need_id": str(g.ken_need), "share": "1.5"}),
        422,
        "invalid-share",
    ),
    (
        "shares summing over 1",
        lambda g: (
            _linked_at(g, "0.7"),
            "link-need",
            {"need_id": str(g.ken_need_2), "share": "0.4"},
        ),
        409,
        "shares-exceed-one",
    ),
    (
        "an unknown need",
        lambda g: (g.programme(), "link-need", {"need_id": str(g.gb)}),
        404,
        "need-not-found",
    ),
    (
        "a zero amount",
        lambda g: (g.programme(), "commitments", g.money(amount="0")),
        422,
        "invalid-amount",
    ),
    (
        "a negative amount",
        lambda g: (g.programme(), "pledges", g.money(amount="-10")),
        422,
        "invalid-amount",
    ),
    (
        "a float amount",
        lambda g: (g.programme(), "commitments", g.money(amount=1500.5)),
        422,
        "invalid-amount",
    ),
    (
        "a word for an amount",
        lambda g: (
            g.programme(),
            "disbursements",
            {"amount": "lots", "currency": "USD", "value_date": D},
        ),
        422,
        "invalid-amount",
    ),
    (
        "an unknown currency",
        lambda g: (g.programme(), "commitments", g.money(currency="XYZ")),
        422,
        "unknown-currency",
    ),
    (
        "a period ending before it starts",
        lambda g: (g.programme(), "period", {"start": "2025-01-01", "end": "2024-01-01"}),
        422,
        "end-before-start",
    ),
    (
        "a delivery in the pipeline",
        lambda g: (
            g.programme(),
            "deliveries",
            {"kind": "training", "date": D, "description": "x"},
        ),
        409,
        "programme-not-delivering",
    ),
    (
        "a delivery on a cancelled programme",
        lambda g: (
            _cancelled(g),
            "deliveries",
            {"kind": "training", "date": D, "description": "x"},
        ),
        409,
        "programme-closed",
    ),
    (
        "a delivery of an unknown kind",
        lambda g: (
            g.programme(status=2),
            "deliveries",
            {"kind": "party", "date": D, "description": "x"},
        ),
        422,
        "invalid-delivery-kind",
    ),
    (
        "a delivery naming an unlinked need",
        lambda g: (
            g.programme(status=2),
            "deliveries",
            {"kind": "study", "date": D, "description": "x", "need_ids": [str(g.ken_need)]},
        ),
        409,
        "need-not-linked",
    ),
    (
        "revising a cancelled commitment",
        lambda g: (_with_cancelled_commitment(g), "commitments/c-1/revise", {"amount": "5"}),
        409,
        "commitment-cancelled",
    ),
    (
        "revising an unknown commitment",
        lambda g: (g.programme(), "commitments/zz/revise", {"amount": "5"}),
        404,
        "unknown-commitment",
    ),
    (
        "money on a closed programme",
        lambda g: (
            _closed(g),
            "disbursements",
            {"amount": "5", "currency": "USD", "value_date": D},
        ),
        409,
        "programme-closed",
    ),
    (
        "a commitment on a closed programme",
        lambda g: (_closed(g), "commitments", g.money()),
        409,
        "programme-closed",
    ),
    (
        "an unknown status",
        lambda g: (g.programme(), "status", {"status": 9}),
        422,
        "invalid-status",
    ),
    (
        "an unchanged status",
        lambda g: (g.programme(), "status", {"status": 1}),
        409,
        "status-unchanged",
    ),
]


def test_each_bad_programme_change_is_a_problem_with_its_own_code_and_writes_nothing(
    given: Given,
) -> None:
    for name, setup, status, code in CASES:
        # Given the situation the case needs
        programme, action, body = setup(given)
        head = given.head()
        # When the change is asked for, then it is refused with its code, and nothing is written
        r = given.act(programme, action, body)
        assert r.status_code == status, (name, r.text)
        assert_problem(r, status, code)
        assert given.head() == head, name


def test_a_duplicate_commitment_id_is_refused_and_writes_nothing(given: Given) -> None:
    p = given.programme()
    given.ok(p, "commitments", given.money(commitment_id="c-1"))
    head = given.head()
    assert_problem(given.act(p, "pledges", given.money(commitment_id="c-1")), 409, "duplicate-commitment")
    assert_problem(given.act(p, "commitments", given.money(commitment_id="c-1")), 409, "duplicate-commitment")
    assert given.head() == head


BAD_REGISTRATIONS = [
    ({"funders": ["00000000-0000-0000-0000-000000000001"]}, 404, "organisation-not-found"),
    ({"implementers": ["XM-NOWHERE-1"]}, 404, "organisation-not-found"),
    ({"start": "2025-01-01", "end": "2024-12-31"}, 422, "end-before-start"),
    ({"states": ["XXX"]}, 422, "unknown-state"),
    ({"states": []}, 422, "states-required"),
    ({"funders": []}, 422, "funder-required"),
    ({"status": 0}, 422, "invalid-status"),
    ({"funders": "GB-GOV-1"}, 422, "invalid-request"),
]


def test_each_bad_registration_is_a_problem_with_its_own_code_and_writes_nothing(
    given: Given,
) -> None:
    head = given.head()
    for patch, status, code in BAD_REGISTRATIONS:
        body = {
            "title": "T",
            "reporting_org": str(given.gb),
            "funders": [str(given.gb)],
            "states": ["KEN"],
            "status": 1,
            **patch,
        }
        assert_problem(given.http.post("/v1/programmes", json=body), status, code)
    assert given.head() == head


def test_the_same_iati_identifier_registers_once(given: Given) -> None:
    given.programme(iati_identifier="GB-GOV-1-42")
    head = given.head()
    r = given.http.post(
        "/v1/programmes",
        json={
            "title": "Again",
            "reporting_org": str(given.gb),
            "funders": [str(given.gb)],
            "states": ["KEN"],
            "status": 1,
            "iati_identifier": "GB-GOV-1-42",
        },
    )
    assert_problem(r, 409, "already-exists")
    assert given.head() == head


def test_a_write_with_a_stale_if_match_is_412_and_writes_nothing(given: Given) -> None:
    # Given a programme read at version 1, then changed by someone else
    p = given.programme()
    given.ok(p, "status", {"status": 2})
    head = given.head()
    # When a write names version 1, then it is refused
    r = given.act(p, "commitments", given.money(), headers={"If-Match": '"1"'})
    assert_problem(r, 412, "version-mismatch")
    assert given.head() == head
    # And naming the current version succeeds
    assert given.act(p, "commitments", given.money(), headers={"If-Match": '"2"'}).status_code == 201


def test_a_provider_writes_only_programmes_its_organisation_funds_or_reports(
    given: Given, server: Any, keys: dict[str, str]
) -> None:
    foreign = given.programme(reporting_org=str(given.de), funders=[str(given.de)])
    own = given.programme()
    head = given.head()
    with client_for(server, keys["provider"]) as provider:
        # A provider may not register a programme for another funder
        r = provider.post(
            "/v1/programmes",
            json={
                "title": "T",
                "reporting_org": str(given.de),
                "funders": [str(given.de)],
                "states": ["KEN"],
                "status": 1,
            },
        )
        assert_problem(r, 403, "forbidden-scope")
        # Nor record money on a programme it neither funds nor reports
        r = provider.post(f"/v1/programmes/{foreign['id']}/commitments", json=given.money(funder=str(given.de)))
        assert_problem(r, 403, "forbidden-scope")
        assert given.head() == head
        # But it records money on its own
        assert provider.post(f"/v1/programmes/{own['id']}/commitments", json=given.money()).status_code == 201
    with client_for(server, keys["coordinator"]) as coordinator:
        assert_problem(
            coordinator.post(f"/v1/programmes/{own['id']}/status", json={"status": 2}),
            403,
            "forbidden",
        )


def test_programmes_are_listed_by_state_and_funder_and_paged(given: Given) -> None:
    a = given.programme()
    b = given.programme(funders=[str(given.de)], reporting_org=str(given.de), states=["UGA", "KEN"])
    c = given.programme(states=["UGA"], funders=[str(given.gb)])
    last = c["position"]

    def ids(query: str) -> set[str]:
        r = given.http.get(f"/v1/programmes?min_position={last}&{query}")
        assert r.status_code == 200, r.text
        return {i["programme_id"] for i in r.json()["items"]}

    assert ids("state=KEN") == {a["id"], b["id"]}
    assert ids(f"funder={given.de}") == {a["id"], b["id"]}
    assert ids(f"state=UGA&funder={given.gb}") == {c["id"]}
    assert ids(f"funder={given.unodc}") == set()  # an implementer is not a funder
    first = given.http.get(f"/v1/programmes?limit=2&min_position={last}").json()
    rest = given.http.get(f"/v1/programmes?limit=2&cursor={first['next_cursor']}").json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_an_unknown_programme_is_404(given: Given) -> None:
    assert_problem(given.http.get(f"/v1/programmes/{given.gb}"), 404, "programme-not-found")
    assert_problem(
        given.http.post(f"/v1/programmes/{given.gb}/status", json={"status": 2}),
        404,
        "programme-not-found",
    )


# ---- exchange rates ----


def test_exchange_rates_are_recorded_listed_and_convert_programme_money(given: Given) -> None:
    # Given a programme committed in GBP
    p = given.programme()
    given.ok(p, "commitments", given.money(amount="1000", value_date="2024-03-01"))
    # When a GBP rate before the value date is recorded
    r = given.http.post("/v1/exchange-rates", json={"currency": "gbp", "date": "2024-01-31", "rate": "1.27"})
    assert r.status_code == 201, r.text
    rate = r.json()
    assert (rate["currency"], rate["rate"], rate["reporting_currency"]) == ("GBP", "1.27", "USD")
    # Then it is listed, and the programme's commitment converts at it
    listed = given.http.get(f"/v1/exchange-rates?min_position={rate['position']}").json()["items"]
    assert {
        "currency": "GBP",
        "date": "2024-01-31",
        "rate": "1.27",
        "reporting_currency": "USD",
    } in listed
    [row] = given.http.get(f"/v1/programmes?state=KEN&min_position={rate['position']}").json()["items"]
    assert row["committed"] == "1270.00"


def test_recording_the_same_rate_again_writes_nothing(given: Given) -> None:
    given.http.post("/v1/exchange-rates", json={"currency": "EUR", "date": "2024-01-31", "rate": "1.08"})
    head = given.head()
    again = given.http.post("/v1/exchange-rates", json={"currency": "EUR", "date": "2024-01-31", "rate": "1.08"})
    assert again.status_code == 201 and given.head() == head


BAD_RATES = [
    ({"currency": "EUR", "date": "2024-01-31", "rate": "1.10"}, 409, "rate-already-recorded"),
    ({"currency": "EUR", "date": "2024-02-29", "rate": 1.1}, 422, "invalid-rate"),
    ({"currency": "EUR", "date": "2024-02-29", "rate": "-1"}, 422, "invalid-rate"),
    ({"currency": "XYZ", "date": "2024-02-29", "rate": "1.1"}, 422, "unknown-currency"),
    ({"currency": "USD", "date": "2024-02-29", "rate": "1"}, 422, "rate-for-reporting-currency"),
    ({"currency": "EUR", "date": "2024-02-30", "rate": "1.1"}, 422, "invalid-request"),
]


def test_each_bad_rate_is_a_problem_with_its_own_code_and_writes_nothing(given: Given) -> None:
    # Given EUR recorded at 1.08 on 31 January
    given.http.post("/v1/exchange-rates", json={"currency": "EUR", "date": "2024-01-31", "rate": "1.08"})
    head = given.head()
    for body, status, code in BAD_RATES:
        assert_problem(given.http.post("/v1/exchange-rates", json=body), status, code)
    assert given.head() == head
