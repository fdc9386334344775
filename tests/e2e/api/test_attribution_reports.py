"""Third-party reports over real HTTP, both stores (issue 16, attribution): a provider key records money in its
own organisation's name, or reports it in another funder's name when its organisation reports the programme; the
report is kept out of every total until the funder's key confirms it, and a dispute keeps it out for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.root.services import Services
from domain import context
from tests.e2e.api import world
from tests.support.iati_import import events_after, head, names
from tests.support.servers import LiveServer, client_for

MONEY = {"amount": "250000", "currency": "USD", "value_date": "2024-02-01"}


@dataclass(frozen=True)
class Reports:
    fcdo: UUID  # GB-GOV-1, the provider key's organisation: reports `programme`
    german: UUID  # DE-1: funds `programme` with the FCDO; its own provider key
    german_key: str
    programme: UUID  # reported by GB-GOV-1, funded by DE-1 and GB-GOV-1, in Kenya, in implementation
    need: UUID  # Kenya's, linked to `programme`, estimated at USD 1,000,000


@pytest.fixture
def r(services: Services, keys: dict[str, str]) -> Reports:
    ledger = services.ledger
    with context.recording(actor="world-builder"):
        fcdo = ledger.organisation_by_ref("GB-GOV-1").id
        german = ledger.register_organisation("DE-1", "Federal Foreign Office", "10", "DEU").id
        german_key = ledger.issue_key("German desk", "provider", organisation=german)[1]
        need = ledger.identify_need(**world.need_fields("KEN")).id
        ledger.change_need(need, lambda n: n.estimate("1000000", "USD", date(2024, 1, 1)))
        programme = ledger.register_programme(
            title="Procurement reform support",
            description="",
            reporting_org=fcdo,
            funders=[german, fcdo],
            implementers=[],
            states=["KEN"],
            start=date(2024, 1, 1),
            end=date(2026, 12, 31),
            status=2,
        ).id
        ledger.link_need(programme, need)
    return Reports(fcdo, german, german_key, programme, need)


def row(http: httpx.Client, r: Reports, position: int) -> dict[str, Any]:
    """The programme's row in the views once they have reached `position`."""
    [found] = [p for p in rows(http, position) if p["programme_id"] == str(r.programme)]
    return found


def rows(http: httpx.Client, position: int) -> list[dict[str, Any]]:
    answer = http.get(f"/v1/programmes?min_position={position}")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def need_row(services: Services, r: Reports, http: httpx.Client, position: int) -> dict[str, Any]:
    rows(http, position)  # the views have reached the position
    [found] = [n for n in services.durable.needs() if n["need_id"] == str(r.need)]
    return found


def money_of(answer: httpx.Response, book: str, money_id: str) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    [found] = [m for m in answer.json()[f"{book}s"] if m[f"{book}_id"] == money_id]
    return found


def test_money_in_another_funders_name_is_a_report_counted_nowhere_until_the_funder_confirms_it(
    server: LiveServer, keys: dict[str, str], services: Services, r: Reports
) -> None:
    with client_for(server, keys["provider"]) as fcdo, client_for(server, r.german_key) as german:
        # Given the FCDO reports a USD 250,000 commitment and a USD 100,000 disbursement from the German Foreign Office
        c = fcdo.post(
            f"/v1/programmes/{r.programme}/commitments",
            json={"commitment_id": "de-c", "funder": str(r.german), **MONEY},
        )
        d = fcdo.post(
            f"/v1/programmes/{r.programme}/disbursements",
            json={"disbursement_id": "de-d", "funder": str(r.german), **MONEY, "amount": "100000"},
        )
        # Then each is recorded as a report by the FCDO, unconfirmed
        for answer, book, money_id in ((c, "commitment", "de-c"), (d, "disbursement", "de-d")):
            assert answer.status_code == 201, answer.text
            entry = money_of(answer, book, money_id)
            assert entry["reported_by"] == str(r.fcdo) and entry["confirmation"] == "unconfirmed"
        # And no total, allocation or gap counts it: it is summed apart and listed with its reporter and funder
        before = row(fcdo, r, d.json()["position"])
        assert (before["committed"], before["disbursed"]) == ("0.00", "0.00")
        assert before["unconfirmed"]["committed"] == "250000.00"
        assert before["unconfirmed"]["disbursed"] == "100000.00"
        assert {
            (x["money_id"], x["reported_by"]["name"], x["funder"]["name"], x["confirmation"]) for x in before["reports"]
        } == {
            ("de-c", "Foreign, Commonwealth & Development Office", "Federal Foreign Office", "unconfirmed"),
            ("de-d", "Foreign, Commonwealth & Development Office", "Federal Foreign Office", "unconfirmed"),
        }
        need = need_row(services, r, fcdo, d.json()["position"])
        assert (need["allocated_commitment"], need["allocated_disbursed"], need["gap"]) == (
            "0.00",
            "0.00",
            "1000000.00",
        )
        # When the reporter tries to confirm its own report, then it is refused: only the funder confirms
        refused = fcdo.post(f"/v1/programmes/{r.programme}/commitments/de-c/confirm")
        assert refused.status_code == 403 and refused.json()["code"] == "not-the-funder", refused.text
        # When the German key confirms both
        start = head(services)
        confirmed = german.post(f"/v1/programmes/{r.programme}/commitments/de-c/confirm")
        also = german.post(f"/v1/programmes/{r.programme}/disbursements/de-d/confirm")
        assert money_of(confirmed, "commitment", "de-c")["confirmation"] == "confirmed"
        assert money_of(also, "disbursement", "de-d")["confirmation"] == "confirmed"
        # Then each confirmation is an event, and the money counts in the totals, the allocation and the gap
        assert names(events_after(services, start)) == ["MoneyConfirmed", "MoneyConfirmed"]
        after = row(fcdo, r, also.json()["position"])
        assert (after["committed"], after["disbursed"]) == ("250000.00", "100000.00")
        assert after["unconfirmed"]["committed"] == "0.00"
        need = need_row(services, r, fcdo, also.json()["position"])
        assert (need["allocated_commitment"], need["gap"]) == ("250000.00", "750000.00")
        # And confirming again is refused, writing nothing
        again = german.post(f"/v1/programmes/{r.programme}/commitments/de-c/confirm")
        assert again.status_code == 409 and again.json()["code"] == "report-already-confirmed"


def test_a_disputed_report_never_counts_and_shows_the_funders_reason(
    server: LiveServer, keys: dict[str, str], services: Services, r: Reports
) -> None:
    with client_for(server, keys["provider"]) as fcdo, client_for(server, r.german_key) as german:
        # Given a USD 1,000,000 commitment the FCDO reports in the German Foreign Office's name
        fcdo.post(
            f"/v1/programmes/{r.programme}/commitments",
            json={"commitment_id": "claimed", "funder": str(r.german), **MONEY, "amount": "1000000"},
        )
        # When the German key disputes it without a reason, then it is refused and nothing is written
        start = head(services)
        bare = german.post(f"/v1/programmes/{r.programme}/commitments/claimed/dispute", json={"reason": " "})
        assert bare.status_code == 422 and bare.json()["code"] == "reason-required", bare.text
        assert head(services) == start
        # When it disputes it with a reason
        disputed = german.post(
            f"/v1/programmes/{r.programme}/commitments/claimed/dispute", json={"reason": "we pledged nothing"}
        )
        entry = money_of(disputed, "commitment", "claimed")
        assert (entry["confirmation"], entry["dispute_reason"]) == ("disputed", "we pledged nothing")
        assert names(events_after(services, start)) == ["MoneyDisputed"]
        # Then it counts in no total, not even the unconfirmed one, and is listed as disputed with the reason
        found = row(fcdo, r, disputed.json()["position"])
        assert (found["committed"], found["unconfirmed"]["committed"]) == ("0.00", "0.00")
        [report] = found["reports"]
        assert (report["confirmation"], report["dispute_reason"]) == ("disputed", "we pledged nothing")
        assert found["active"] is True  # in implementation; a pipeline programme it would not make active
        # And disputing twice is refused
        twice = german.post(f"/v1/programmes/{r.programme}/commitments/claimed/dispute", json={"reason": "again"})
        assert twice.status_code == 409 and twice.json()["code"] == "report-already-disputed"


def test_a_revised_report_is_the_reporters_word_again_until_the_funder_confirms_it(
    server: LiveServer, keys: dict[str, str], services: Services, r: Reports
) -> None:
    with client_for(server, keys["provider"]) as fcdo, client_for(server, r.german_key) as german:
        # Given a report of USD 250,000 the German key confirmed
        fcdo.post(
            f"/v1/programmes/{r.programme}/commitments", json={"commitment_id": "c", "funder": str(r.german), **MONEY}
        )
        german.post(f"/v1/programmes/{r.programme}/commitments/c/confirm")
        # When the FCDO revises it to USD 2,500,000
        revised = fcdo.post(f"/v1/programmes/{r.programme}/commitments/c/revise", json={"amount": "2500000"})
        # Then it is unconfirmed again, and counted nowhere
        assert money_of(revised, "commitment", "c")["confirmation"] == "unconfirmed"
        found = row(fcdo, r, revised.json()["position"])
        assert (found["committed"], found["unconfirmed"]["committed"]) == ("0.00", "2500000.00")


def test_reports_are_refused_to_anyone_but_the_reporting_organisation_and_own_money_is_not_a_report(
    server: LiveServer, keys: dict[str, str], services: Services, r: Reports
) -> None:
    with client_for(server, keys["provider"]) as fcdo, client_for(server, r.german_key) as german:
        # Given the German key, a funder but not the programme's reporter, and its own commitment
        own = german.post(
            f"/v1/programmes/{r.programme}/commitments", json={"commitment_id": "own", "funder": str(r.german), **MONEY}
        )
        assert money_of(own, "commitment", "own")["confirmation"] == "own"
        start = head(services)
        # When it records money in the FCDO's name, then it is refused: only the reporting organisation reports
        for book in ("commitments", "pledges", "disbursements"):
            answer = german.post(f"/v1/programmes/{r.programme}/{book}", json={"funder": str(r.fcdo), **MONEY})
            assert answer.status_code == 409 and answer.json()["code"] == "third-party-not-reporter", answer.text
        # When the FCDO revises or cancels the German Foreign Office's own commitment, then it is refused
        for action, body in (("revise", {"amount": "1"}), ("cancel", {})):
            answer = fcdo.post(f"/v1/programmes/{r.programme}/commitments/own/{action}", json=body)
            assert answer.status_code == 403 and answer.json()["code"] == "forbidden-scope", answer.text
        # When the German key confirms its own money, or money that does not exist, then it is refused
        not_report = german.post(f"/v1/programmes/{r.programme}/commitments/own/confirm")
        assert not_report.status_code == 409 and not_report.json()["code"] == "not-a-third-party-report"
        unknown = german.post(f"/v1/programmes/{r.programme}/disbursements/nope/dispute", json={"reason": "x"})
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown-disbursement"
        # And nothing of it was written
        assert head(services) == start
        # And a disbursement the German key sends without a funder is its own
        d = german.post(f"/v1/programmes/{r.programme}/disbursements", json={"disbursement_id": "d", **MONEY})
        entry = money_of(d, "disbursement", "d")
        assert (entry["funder"], entry["confirmation"]) == (str(r.german), "own")


def test_an_admin_records_money_on_any_funders_behalf_as_its_own(
    server: LiveServer, keys: dict[str, str], r: Reports
) -> None:
    with client_for(server, keys["admin"]) as admin:
        answer = admin.post(
            f"/v1/programmes/{r.programme}/commitments", json={"commitment_id": "a", "funder": str(r.german), **MONEY}
        )
        entry = money_of(answer, "commitment", "a")
        assert (entry["reported_by"], entry["confirmation"]) == (None, "own")
        assert row(admin, r, answer.json()["position"])["committed"] == "250000.00"
