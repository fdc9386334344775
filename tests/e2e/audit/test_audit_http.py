"""The audit trail over real HTTP: histories for the auditor, a log an auditor re-hashes with
hashlib alone, and checkpoints an auditor checks with the published key alone."""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from api.demo.load import load
from api.root.services import Services
from tests.e2e.api.world import NEED
from tests.support.servers import LiveServer, client_for


@pytest.fixture
def auditor(server: LiveServer, keys: dict[str, str]) -> httpx.Client:
    with client_for(server, keys["auditor"]) as client:
        yield client


def test_a_needs_history_says_who_recorded_what_when_and_why(
    server: LiveServer, keys: dict[str, str], auditor: httpx.Client
) -> None:
    # given Kenya's focal point identifies a need, then prioritises it, giving reasons
    with client_for(server, keys["state"]) as kenya:
        made = kenya.post("/v1/needs", json=NEED, headers={"X-Reason": "CRR 2021 finding"})
        need = made.json()["id"]
        changed = kenya.post(
            f"/v1/needs/{need}/prioritise",
            json={"priority": "low"},
            headers={"X-Reason": "covered by the budget", "If-Match": '"1"'},
        )
    assert made.status_code == 201 and changed.status_code == 200, changed.text
    # when the auditor reads the need's stream
    r = auditor.get(f"/v1/audit/streams/{need}")
    # then every event is there, in order, with its data, attribution and log position
    assert r.status_code == 200, r.text
    history = r.json()
    assert history["aggregate"] == "Need"
    first, second = history["events"]
    assert [first["type"], second["type"]] == ["NeedIdentified", "NeedPrioritised"]
    assert (first["version"], second["version"]) == (1, 2)
    assert first["position"] == made.json()["position"]
    assert second["position"] == changed.json()["position"]
    assert first["data"]["article"] == 9 and first["data"]["ta_types"] == ["legal-advice"]
    assert second["data"] == {"priority": "low"}
    assert first["actor"].startswith("Kenya focal point#") and first["actor_org"] == "KEN"
    assert (first["reason"], second["reason"]) == ("CRR 2021 finding", "covered by the budget")
    assert first["request_id"] == made.headers["x-request-id"]
    assert first["recorded_at"] < second["recorded_at"]


def test_a_programmes_history_is_readable_by_the_auditor_and_not_by_a_provider(
    server: LiveServer, keys: dict[str, str], services: Services, auditor: httpx.Client
) -> None:
    # given the provider registers a programme and records a commitment
    gb = str(services.ledger.organisation_by_ref("GB-GOV-1").id)
    body = {
        "title": "Procurement integrity",
        "description": "",
        "reporting_org": gb,
        "funders": [gb],
        "implementers": [],
        "states": ["KEN"],
        "start": "2024-01-01",
        "end": "2026-12-31",
        "status": 2,
    }
    with client_for(server, keys["provider"]) as provider:
        programme = provider.post("/v1/programmes", json=body).json()["id"]
        provider.post(
            f"/v1/programmes/{programme}/commitments",
            json={
                "commitment_id": "c-1",
                "funder": gb,
                "amount": "250000.00",
                "currency": "GBP",
                "value_date": "2024-02-01",
            },
        ).raise_for_status()
        # then the provider may not read the audit trail
        assert provider.get(f"/v1/audit/streams/{programme}").status_code == 403
        assert provider.get("/v1/audit/log").json()["code"] == "forbidden"
    # and the auditor reads the programme's history, amounts as decimal strings
    events = auditor.get(f"/v1/audit/streams/{programme}").json()["events"]
    assert [e["type"] for e in events] == ["ProgrammeRegistered", "CommitmentRecorded"]
    assert events[1]["data"]["amount"] == "250000.00" and events[1]["data"]["currency"] == "GBP"
    assert events[1]["actor"].startswith("FCDO desk#")


def test_the_audit_trail_needs_a_key_and_an_unknown_stream_is_404(
    server: LiveServer, keys: dict[str, str], auditor: httpx.Client
) -> None:
    with client_for(server, None) as anonymous:
        assert anonymous.get("/v1/audit/log").status_code == 401
        assert anonymous.get("/v1/audit/public-key").status_code == 200  # the key is public
    with client_for(server, keys["state"]) as kenya:
        assert kenya.get("/v1/audit/log").status_code == 403
    missing = auditor.get(f"/v1/audit/streams/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["code"] == "stream-not-found"


# ---- an auditor's own recomputation: hashlib and struct, straight from DESIGN §6 ----


def leaf(r: dict[str, Any]) -> bytes:
    topic, state = r["topic"].encode(), base64.b64decode(r["state"])
    return hashlib.sha256(
        b"\x00"
        + struct.pack(">Q", r["position"])
        + uuid.UUID(r["stream_id"]).bytes
        + struct.pack(">Q", r["version"])
        + struct.pack(">I", len(topic))
        + topic
        + struct.pack(">I", len(state))
        + state
    ).digest()


def whole_log(client: httpx.Client, limit: int) -> tuple[list[dict[str, Any]], int]:
    records, after, pages = [], 0, 0
    while after is not None:
        page = client.get("/v1/audit/log", params={"after": after, "limit": limit}).json()
        records += page["items"]
        after, pages = page["next"], pages + 1
    return records, pages


def test_the_log_pages_in_order_and_an_independent_recomputation_matches_every_hash(
    services: Services, server: LiveServer, auditor: httpx.Client
) -> None:
    # given the demo data set, chained by the server's own runner
    load(services.ledger)
    assert services.runner.wait_for(services.runner.head(), timeout=60)
    # when the auditor pages through the whole log
    records, pages = whole_log(auditor, limit=200)
    # then every position comes once, in order, across pages
    positions = [r["position"] for r in records]
    assert positions == sorted(set(positions)) and len(records) == services.runner.head()
    assert pages == -(-len(records) // 200)
    # and hashing the stored bytes as DESIGN §6 says gives every leaf and chain hash
    head = bytes(32)
    for r in records:
        head = hashlib.sha256(b"\x01" + head + leaf(r)).digest()
        assert (leaf(r).hex(), head.hex()) == (r["leaf_hash"], r["chain_hash"]), r["position"]


def test_every_checkpoint_verifies_with_the_published_key_alone(
    services: Services, server: LiveServer, auditor: httpx.Client
) -> None:
    # given a chained log with checkpoints (every 50 events in the test settings)
    load(services.ledger)
    assert services.runner.wait_for(services.runner.head(), timeout=60)
    records = {r["position"]: r for r in whole_log(auditor, limit=500)[0]}
    key = auditor.get("/v1/audit/public-key").json()
    public = load_pem_public_key(key["pem"].encode())
    # when the auditor reads every checkpoint, page by page
    found, after = [], 0
    while after is not None:
        page = auditor.get("/v1/audit/checkpoints", params={"after": after, "limit": 2}).json()
        found, after = found + page["items"], page["next"]
    assert found and page["latest"] == found[-1]
    before = {"position": 0, "chain_hash": "0" * 64}  # what a ledger's first checkpoint names as its previous one
    for c in found:
        # then each signature holds over the documented message, with the published key
        message = key["signed_message"].format(**c).encode()
        public.verify(bytes.fromhex(c["signature"]), message)  # raises if not
        assert c["key_id"] == key["key_id"]
        # and each signs the chain as the log shows it at that position
        assert c["chain_hash"] == records[c["position"]]["chain_hash"]
        assert c["count"] == sum(1 for p in records if p <= c["position"])
        # and names the checkpoint before it, so none can go missing unseen
        assert (c["prev_position"], c["prev_chain_hash"]) == (before["position"], before["chain_hash"])
        before = c
