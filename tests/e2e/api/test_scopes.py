"""Scopes beyond the role table: a provider writes only its own programmes, a state only its own
needs, and readers bound to published data see nothing else. Real HTTP, both stores.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.http.auth import ADMIN, ANONYMOUS, AUDITOR, COORDINATOR, FORMS, POLICY, PROVIDER, READS, STATE
from api.http.openapi import api_routes
from api.root.services import Services
from tests.e2e.api import world
from tests.e2e.api.world import World
from tests.support.servers import LiveServer, client_for

MONEY = {"amount": "5000", "currency": "USD", "value_date": "2024-02-01"}
NEED_ACTIONS = {
    "revise": {"description": "A wider review"},
    "prioritise": {"priority": "low"},
    "estimate": MONEY,
    "stakeholders": {"stakeholders": [{"kind": "academia", "name": "University of Nairobi"}]},
    "assistance-provided": {"text": "Mentoring by a peer authority"},
    "publish": {},
    "mark-met": {"reason": "done"},
    "withdraw": {"reason": "no longer needed"},
    "reopen": {"reason": "needed again"},
}


def programme_actions(w: World) -> dict[str, dict[str, Any]]:
    """A valid body for every programme write, so that only the scope check can refuse it."""
    return {
        "link-need": {"need_id": str(w.need)},
        "unlink-need": {"need_id": str(w.need)},
        "pledges": {"funder": str(w.other_org), **MONEY},
        "commitments": {"funder": str(w.other_org), **MONEY},
        "disbursements": MONEY,
        "deliveries": {"kind": "training", "date": "2024-03-01", "description": "x"},
        "status": {"status": 3},
        "period": {"start": "2024-01-01", "end": "2027-06-30"},
        "commitments/{commitment_id}/revise": {"amount": "7000"},
        "commitments/{commitment_id}/cancel": {},
        "commitments/{commitment_id}/confirm": {},
        "commitments/{commitment_id}/dispute": {"reason": "not ours"},
        "disbursements/{disbursement_id}/confirm": {},
        "disbursements/{disbursement_id}/dispute": {"reason": "not ours"},
        "commitment-decreases": {"funder": str(w.other_org), **MONEY},
        "disbursement-corrections": MONEY,
        "corrections/{correction_id}/confirm": {},
        "corrections/{correction_id}/dispute": {"reason": "not ours"},
        "deliveries/{delivery_id}/lessons": {"lessons": "x"},
    }


def writes_under(server: LiveServer, prefix: str) -> list[str]:
    """The app's own write routes under a resource, as suffixes: new ones join the tests by themselves."""
    return sorted(
        p.removeprefix(prefix)
        for m, p, _ in api_routes(server.server.config.app)
        if m == "POST" and p.startswith(prefix)
    )


def assert_forbidden_scope(r: httpx.Response) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "forbidden-scope"


@pytest.fixture
def w(services: Services, keys: dict[str, str]) -> World:
    return world.build(services.ledger)


def test_a_provider_committing_on_another_funders_programme_is_refused_and_nothing_is_written(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # given the FCDO's provider key and a programme funded and reported by the German Foreign Office
    before = services.ledger.programme(w.foreign_programme).version
    with client_for(server, keys["provider"]) as fcdo:
        # when it records a commitment there
        r = fcdo.post(f"/v1/programmes/{w.foreign_programme}/commitments", json={"funder": str(w.other_org), **MONEY})
    # then it is refused for its scope, and the programme is unchanged
    assert_forbidden_scope(r)
    assert services.ledger.programme(w.foreign_programme).version == before


def test_every_programme_write_is_refused_to_a_provider_outside_the_programme(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # given every write route under a programme, each with a body that would otherwise be valid
    bodies = programme_actions(w)
    suffixes = writes_under(server, "/v1/programmes/{programme_id}/")
    assert set(suffixes) <= set(bodies), f"give these programme writes a body here: {set(suffixes) - set(bodies)}"
    before = services.ledger.programme(w.foreign_programme).version
    with client_for(server, keys["provider"]) as fcdo:
        for suffix in suffixes:
            # when the provider calls it on another funder's programme
            path = suffix.replace("{commitment_id}", w.commitment).replace("{disbursement_id}", "d-1")
            path = path.replace("{correction_id}", "k-1").replace("{delivery_id}", "v-1")
            reason = {"X-Reason": "scope test"}  # corrections require one: the scope check must refuse, not that
            r = fcdo.post(f"/v1/programmes/{w.foreign_programme}/{path}", json=bodies[suffix], headers=reason)
            # then the scope check refuses it
            assert r.status_code == 403 and r.json()["code"] == "forbidden-scope", (suffix, r.text)
    assert services.ledger.programme(w.foreign_programme).version == before


def test_a_provider_writes_the_programmes_its_organisation_funds(
    server: LiveServer, keys: dict[str, str], w: World
) -> None:
    # given the FCDO's provider key and the programme the FCDO funds
    with client_for(server, keys["provider"]) as fcdo:
        # when it records a commitment of its own there
        r = fcdo.post(f"/v1/programmes/{w.programme}/commitments", json={"funder": str(w.org), **MONEY})
    # then it is recorded
    assert r.status_code == 201, r.text


def test_a_provider_registers_only_programmes_its_organisation_reports(
    server: LiveServer, keys: dict[str, str], w: World
) -> None:
    programme = {
        "title": "Whistle-blower protection",
        "reporting_org": str(w.other_org),
        "funders": [str(w.other_org)],
        "states": ["KEN"],
        "status": 1,
    }
    with client_for(server, keys["provider"]) as fcdo:
        # when it registers a programme of another organisation, then it is refused
        assert_forbidden_scope(fcdo.post("/v1/programmes", json=programme))
        # when it names itself a funder of a programme another organisation reports, it is refused too
        r = fcdo.post("/v1/programmes", json={**programme, "funders": [str(w.other_org), str(w.org)]})
        assert r.status_code == 403 and r.json()["code"] == "not-reporting-organisation", r.text
        # when it is the reporting organisation, then it is registered (the attribution rule: test_attribution.py)
        mine = fcdo.post("/v1/programmes", json={**programme, "reporting_org": str(w.org)})
        assert mine.status_code == 201, mine.text


def test_a_state_writing_another_states_need_is_refused_and_nothing_is_written(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # given Kenya's state key and Uganda's need
    suffixes = writes_under(server, "/v1/needs/{need_id}/")
    assert set(suffixes) <= set(NEED_ACTIONS), f"give these need writes a body: {set(suffixes) - set(NEED_ACTIONS)}"
    with client_for(server, keys["state"]) as kenya:
        # when it identifies a need of Uganda, then it is refused
        assert_forbidden_scope(kenya.post("/v1/needs", json={**world.NEED, "state": "UGA"}))
        # and when it calls any action on Uganda's unpublished need, then each is refused as if the
        # need did not exist (tests/e2e/api/test_visibility.py: a published one is forbidden-scope)
        for suffix in suffixes:
            r = kenya.post(f"/v1/needs/{w.foreign_need}/{suffix}", json=NEED_ACTIONS[suffix])
            assert r.status_code == 404 and r.json()["code"] == "need-not-found", (suffix, r.text)
        # and its own need takes the same actions
        assert kenya.post(f"/v1/needs/{w.need}/prioritise", json={"priority": "low"}).status_code == 200
        assert kenya.post("/v1/needs", json=world.NEED).status_code == 201
    assert services.ledger.need(w.foreign_need).version == 1


def test_unpublished_needs_of_other_states_are_hidden_from_states_and_anonymous_readers(
    server: LiveServer, keys: dict[str, str], w: World, http: httpx.Client
) -> None:
    # given Kenya's and Uganda's unpublished needs
    with client_for(server, keys["state"]) as kenya, client_for(server, None) as public:
        # then Kenya reads its own need, not Uganda's, and the public reads neither
        assert kenya.get(f"/v1/needs/{w.need}").status_code == 200
        assert kenya.get(f"/v1/needs/{w.foreign_need}").status_code == 404
        assert public.get(f"/v1/needs/{w.need}").status_code == 404
        # when Uganda's need is published
        published = http.post(f"/v1/needs/{w.foreign_need}/publish", json={}).json()["position"]
        # then both read it, in the resource and in the lists and views built from needs
        assert kenya.get(f"/v1/needs/{w.foreign_need}").status_code == 200
        assert public.get(f"/v1/needs/{w.foreign_need}").status_code == 200
        listed = {
            c: {n["need_id"] for n in c.get(f"/v1/needs?min_position={published}").json()["items"]}
            for c in (kenya, public)
        }
        assert listed[kenya] == {str(w.need), str(w.foreign_need)}
        assert listed[public] == {str(w.foreign_need)}
        view = public.get(f"/v1/views/unmet-needs?min_position={published}").json()
        assert str(w.need) not in str(view) and str(w.foreign_need) in str(view)


def test_the_table_gives_each_role_what_design_section_7_says() -> None:
    # the API's routes; the browser's pages take their /v1 route's roles (auth.FORMS), and signing in or out
    # opens or ends a browser session only
    api = {(m, p): roles for (m, p), roles in POLICY.items() if p.startswith("/v1/")}

    def writes(role: str) -> set[str]:
        return {p for (m, p), roles in api.items() if m not in READS and role in roles}

    def reads(role: str) -> set[str]:
        return {p for (m, p), roles in api.items() if m in READS and role in roles}

    every_read = {p for (m, p) in api if m in READS}
    assert all(POLICY[(m, page)] == POLICY[("POST", route)] for page, route in FORMS.items() for m in ("GET", "POST"))
    # admin does everything; keys are the admin's alone
    assert all(ADMIN in roles for roles in POLICY.values())
    assert all(roles == {ADMIN} for (m, p), roles in POLICY.items() if p.startswith("/v1/keys"))
    # auditors and anonymous readers write nothing
    assert not writes(AUDITOR) and not writes(ANONYMOUS)
    # coordinators register organisations and record exchange rates, and read everything
    assert writes(COORDINATOR) == {"/v1/organisations", "/v1/organisations/{org_id}/rename", "/v1/exchange-rates"}
    assert reads(COORDINATOR) == reads(AUDITOR) == every_read - {"/v1/keys"}
    # states write needs; providers write programmes (and import them)
    assert writes(STATE) and all(p.startswith("/v1/needs") for p in writes(STATE))
    assert writes(PROVIDER) and all(p.startswith(("/v1/programmes", "/v1/imports/")) for p in writes(PROVIDER))
    # providers read all views; anonymous readers see no audit log and no programme
    assert {p for p in every_read if p.startswith("/v1/views/")} <= reads(PROVIDER)
    assert not {
        p
        for p in reads(ANONYMOUS)
        if p.startswith(("/v1/audit/log", "/v1/audit/streams", "/v1/programmes", "/programmes"))
    }
