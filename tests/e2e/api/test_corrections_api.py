"""Corrections over real HTTP, both stores: `POST .../commitment-decreases` and `.../disbursement-corrections` take a
positive amount and require X-Reason; bad input, a missing reason and a key of the wrong organisation write nothing;
an Idempotency-Key repeat and a re-used correction id append nothing; a correction in another funder's name counts
once that funder's key confirms it; the views are net; the programme's history reads the corrections."""

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

REFUND = {"amount": "532.29", "currency": "USD", "value_date": "2024-02-01"}
WHY = {"X-Reason": "refund of unspent funds"}


@dataclass(frozen=True)
class Books:
    fcdo: UUID  # GB-GOV-1, the provider key's organisation: reports `programme` and funds it
    german: UUID  # DE-1: funds `programme` too; its own provider key
    german_key: str
    stranger_key: str  # a provider key of an organisation with nothing to do with `programme`
    programme: UUID  # in Kenya, in implementation: FCDO committed USD 50,000 and disbursed USD 36,917.60


@pytest.fixture
def b(services: Services, keys: dict[str, str]) -> Books:
    ledger = services.ledger
    with context.recording(actor="world-builder"):
        fcdo = ledger.organisation_by_ref("GB-GOV-1").id
        german = ledger.register_organisation("DE-1", "Federal Foreign Office", "10", "DEU").id
        stranger = ledger.register_organisation("XM-S", "Stranger", "10").id
        programme = ledger.register_programme(
            title="Procurement reform support",
            description="",
            reporting_org=fcdo,
            funders=[fcdo, german],
            implementers=[],
            states=["KEN"],
            start=date(2024, 1, 1),
            end=date(2026, 12, 31),
            status=2,
        ).id
        ledger.change_programme(programme, lambda p: p.record_commitment("c-1", fcdo, "50000", "USD", date(2024, 1, 5)))
        ledger.change_programme(
            programme, lambda p: p.record_disbursement("d-1", "36917.60", "USD", date(2024, 1, 20), fcdo)
        )
        ledger.link_need(programme, ledger.identify_need(**world.need_fields("KEN")).id)
        german_key = ledger.issue_key("German desk", "provider", organisation=german)[1]
        stranger_key = ledger.issue_key("Stranger desk", "provider", organisation=stranger)[1]
    return Books(fcdo, german, german_key, stranger_key, programme)


def row(http: httpx.Client, b: Books, position: int) -> dict[str, Any]:
    answer = http.get(f"/v1/programmes?min_position={position}")
    assert answer.status_code == 200, answer.text
    [found] = [p for p in answer.json()["items"] if p["programme_id"] == str(b.programme)]
    return found


def correction(answer: httpx.Response, correction_id: str) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    [found] = [c for c in answer.json()["corrections"] if c["correction_id"] == correction_id]
    return found


def test_a_refund_and_a_decrease_are_recorded_with_their_reason_and_the_views_are_net(
    server: LiveServer, keys: dict[str, str], services: Services, b: Books
) -> None:
    with client_for(server, keys["provider"]) as fcdo:
        # When the FCDO records a refund of USD 532.29 on its USD 36,917.60, with its IATI ref and a reason
        start = head(services)
        refund = fcdo.post(
            f"/v1/programmes/{b.programme}/disbursement-corrections",
            json={**REFUND, "correction_id": "k-1", "source_ref": "TX-9"},
            headers=WHY,
        )
        # And a decrease of its commitment by USD 10,000, its id generated
        decrease = fcdo.post(
            f"/v1/programmes/{b.programme}/commitment-decreases",
            json={"funder": str(b.fcdo), "amount": "10000", "currency": "USD", "value_date": "2024-03-01"},
            headers={"X-Reason": "budget cut"},
        )
        # Then each is its own event, carrying the reason, recorded as the FCDO's own
        assert refund.status_code == 201 and decrease.status_code == 201, (refund.text, decrease.text)
        events = events_after(services, start)
        assert names(events) == ["DisbursementCorrected", "CommitmentDecreased"]
        assert [(e.reason, e.source_ref, e.funder) for e in events] == [
            ("refund of unspent funds", "TX-9", b.fcdo),
            ("budget cut", None, b.fcdo),
        ]
        k1 = correction(refund, "k-1")
        assert (k1["kind"], k1["amount"], k1["reason"], k1["confirmation"]) == (
            "disbursement-correction",
            "532.29",
            "refund of unspent funds",
            "own",
        )
        assert correction(decrease, decrease.json()["recorded_id"])["kind"] == "commitment-decrease"
        # And the programme's row is net: 36,917.60 - 532.29 = 36,385.31 disbursed, 40,000.00 committed
        found = row(fcdo, b, decrease.json()["position"])
        assert (found["disbursed"], found["committed"], found["corrections"]) == ("36385.31", "40000.00", 2)
        monitored = fcdo.get(f"/v1/views/programme-monitoring?min_position={decrease.json()['position']}").json()
        [item] = [i for i in monitored["items"] if i["programme_id"] == str(b.programme)]
        assert (item["disbursed"], item["corrected"], item["decreased"]) == (
            "36385.31",
            {"USD": "532.29"},
            {"USD": "10000.00"},
        )
        # And the programme's history and its audit stream read the corrections with their reasons
        page = fcdo.get(f"/programmes/{b.programme}")
        assert page.status_code == 200 and "Disbursement corrected" in page.text and "budget cut" in page.text
    with client_for(server, keys["auditor"]) as auditor:
        stream = auditor.get(f"/v1/audit/streams/{b.programme}").json()
        records = [e for e in stream["events"] if e["type"] == "DisbursementCorrected"]
        assert [(e["reason"], e["data"]["source_ref"]) for e in records] == [("refund of unspent funds", "TX-9")]


def test_a_missing_reason_a_non_positive_amount_and_a_negative_ordinary_amount_are_refused_writing_nothing(
    server: LiveServer, keys: dict[str, str], services: Services, b: Books
) -> None:
    with client_for(server, keys["provider"]) as fcdo:
        start = head(services)
        url = f"/v1/programmes/{b.programme}"
        for path, body, headers, code in (
            ("disbursement-corrections", REFUND, {}, "reason-required"),
            ("disbursement-corrections", REFUND, {"X-Reason": "%20%20"}, "reason-required"),
            ("commitment-decreases", {**REFUND, "funder": str(b.fcdo)}, {}, "reason-required"),
            ("disbursement-corrections", {**REFUND, "amount": "0"}, WHY, "invalid-amount"),
            ("disbursement-corrections", {**REFUND, "amount": "-532.29"}, WHY, "invalid-amount"),
            ("commitment-decreases", {**REFUND, "funder": str(b.fcdo), "amount": "1.001"}, WHY, "amount-too-precise"),
            ("disbursement-corrections", {**REFUND, "value_date": "1980-01-01"}, WHY, "date-out-of-range"),
            # the ordinary money routes keep refusing a negative amount: a correction is its own action
            ("disbursements", {**REFUND, "amount": "-532.29"}, WHY, "invalid-amount"),
            ("commitments", {**REFUND, "funder": str(b.fcdo), "amount": "-10"}, WHY, "invalid-amount"),
        ):
            answer = fcdo.post(f"{url}/{path}", json=body, headers=headers)
            assert (answer.status_code, answer.json()["code"]) == (422, code), (path, body, answer.text)
        assert head(services) == start


def test_a_key_of_the_wrong_organisation_is_refused(
    server: LiveServer, keys: dict[str, str], services: Services, b: Books
) -> None:
    with client_for(server, b.stranger_key) as stranger, client_for(server, b.german_key) as german:
        start = head(services)
        url = f"/v1/programmes/{b.programme}"
        # A provider of an organisation neither funding nor reporting the programme may not correct it
        answer = stranger.post(f"{url}/disbursement-corrections", json=REFUND, headers=WHY)
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden-scope"), answer.text
        # A funder that does not report the programme may not correct another funder's money
        body = {**REFUND, "funder": str(b.fcdo)}
        answer = german.post(f"{url}/commitment-decreases", json=body, headers=WHY)
        assert (answer.status_code, answer.json()["code"]) == (409, "third-party-not-reporter"), answer.text
        # An auditor writes nothing
        with client_for(server, keys["auditor"]) as auditor:
            answer = auditor.post(f"{url}/disbursement-corrections", json=REFUND, headers=WHY)
            assert answer.status_code == 403, answer.text
        assert head(services) == start


def test_a_repeat_appends_nothing_by_idempotency_key_or_by_correction_id(
    server: LiveServer, keys: dict[str, str], services: Services, b: Books
) -> None:
    with client_for(server, keys["provider"]) as fcdo:
        url = f"/v1/programmes/{b.programme}/disbursement-corrections"
        body = {**REFUND, "correction_id": "TX-9"}
        first = fcdo.post(url, json=body, headers={**WHY, "Idempotency-Key": "refund-1"})
        assert first.status_code == 201, first.text
        start = head(services)
        # When the same request is sent again with its Idempotency-Key: the first answer, nothing written
        again = fcdo.post(url, json=body, headers={**WHY, "Idempotency-Key": "refund-1"})
        assert (again.status_code, again.json()["position"]) == (201, first.json()["position"])
        # When the same correction id is sent without the key (an import re-run): refused as a duplicate
        rerun = fcdo.post(url, json=body, headers=WHY)
        assert (rerun.status_code, rerun.json()["code"]) == (409, "duplicate-correction"), rerun.text
        assert head(services) == start


def test_a_correction_in_another_funders_name_counts_once_that_funder_confirms_it(
    server: LiveServer, keys: dict[str, str], services: Services, b: Books
) -> None:
    with client_for(server, keys["provider"]) as fcdo, client_for(server, b.german_key) as german:
        # Given the German commitment of USD 20,000, and the FCDO reports a decrease of it by USD 5,000
        own = german.post(
            f"/v1/programmes/{b.programme}/commitments",
            json={
                "commitment_id": "de-c",
                "funder": str(b.german),
                "amount": "20000",
                "currency": "USD",
                "value_date": "2024-01-10",
            },
        )
        assert own.status_code == 201, own.text
        reported = fcdo.post(
            f"/v1/programmes/{b.programme}/commitment-decreases",
            json={
                "correction_id": "k-de",
                "funder": str(b.german),
                "amount": "5000",
                "currency": "USD",
                "value_date": "2024-03-01",
            },
            headers={"X-Reason": "the German office told us"},
        )
        entry = correction(reported, "k-de")
        assert (entry["reported_by"], entry["confirmation"]) == (str(b.fcdo), "unconfirmed")
        assert (
            entry["note"]
            == "reported by Foreign, Commonwealth & Development Office, not confirmed by Federal Foreign Office"
        )
        # Then it counts nowhere: 50,000 + 20,000 committed
        assert row(fcdo, b, reported.json()["position"])["committed"] == "70000.00"
        # And the reporter may not confirm it; the funder's key does, and from then on it counts
        refused = fcdo.post(f"/v1/programmes/{b.programme}/corrections/k-de/confirm")
        assert (refused.status_code, refused.json()["code"]) == (403, "not-the-funder"), refused.text
        unknown = german.post(f"/v1/programmes/{b.programme}/corrections/none/confirm")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown-correction"), unknown.text
        confirmed = german.post(f"/v1/programmes/{b.programme}/corrections/k-de/confirm")
        assert correction(confirmed, "k-de")["confirmation"] == "confirmed"
        assert row(fcdo, b, confirmed.json()["position"])["committed"] == "65000.00"
        # And a dispute after confirmation is refused
        late = german.post(f"/v1/programmes/{b.programme}/corrections/k-de/dispute", json={"reason": "no"})
        assert (late.status_code, late.json()["code"]) == (409, "report-already-confirmed"), late.text
