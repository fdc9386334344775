"""API keys: issued once and stored as a hash, listed without secrets, revoked for good, by admins
over HTTP and by the `ledger keys` CLI; every event names the key that recorded it.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.root.services import Services
from api.root.settings import Settings
from tests.e2e.api import world
from tests.support.processes import environment_of, ledger, ledger_on, serving
from tests.support.servers import LiveServer, client_for

KEY = re.compile(r"lk_[0-9a-f]{32}_[A-Za-z0-9_-]{20,}")


def stored(services: Services, stream: UUID | str) -> list[Any]:
    """The events of one stream as the store holds them, decoded."""
    ledger = services.ledger
    return [ledger.mapper.to_domain_event(e) for e in ledger.recorder.select_events(UUID(str(stream)))]


def raw_log(services: Services) -> bytes:
    notes = services.ledger.recorder.select_notifications(start=0, limit=100_000)
    return b"".join(n.state for n in notes)


def issue(http: httpx.Client, **body: Any) -> dict[str, Any]:
    r = http.post("/v1/keys", json={"name": "a key", **body})
    assert r.status_code == 201, r.text
    return r.json()


# ---- over HTTP ----


def test_an_admin_issues_a_key_that_is_shown_once_and_stored_only_as_a_hash(
    server: LiveServer, http: httpx.Client, services: Services
) -> None:
    # when an admin issues a state key for Kenya
    r = http.post("/v1/keys", json={"name": "Kenya focal point", "role": "state", "state": "ken"})
    # then the answer carries the key, its id and position, and is not to be cached
    assert r.status_code == 201, r.text
    issued = r.json()
    assert KEY.fullmatch(issued["key"]) and issued["position"] > 0 and r.headers["cache-control"] == "no-store"
    assert (issued["role"], issued["state"], issued["revoked"]) == ("state", "KEN", False)
    # and the key works at once, as a Kenyan state key
    with client_for(server, issued["key"]) as kenya:
        assert kenya.post("/v1/needs", json=world.NEED).status_code == 201
    # and neither the list nor the log holds it
    listed = http.get("/v1/keys")
    assert listed.status_code == 200 and issued["id"] in listed.text
    secret = issued["key"].split("_", 2)[2]  # the secret may itself contain "_"
    assert secret not in listed.text and secret.encode() not in raw_log(services)


def test_issuing_a_key_is_an_event_naming_the_admin_who_issued_it(
    http: httpx.Client, services: Services, keys: dict[str, str]
) -> None:
    # when an admin issues a provider key for the FCDO, giving a reason
    r = http.post(
        "/v1/keys",
        json={"name": "FCDO desk 2", "role": "provider", "organisation": "GB-GOV-1"},
        headers={"X-Reason": "new desk officer"},
    )
    issued = r.json()
    # then the stored event names the role, the scope and the admin, never the key
    [event] = stored(services, issued["id"])
    assert type(event).__name__ == "ApiKeyIssued"
    assert (event.role, event.organisation, event.state) == ("provider", UUID(issued["organisation"]), None)
    assert event.actor.startswith("test admin#") and event.reason == "new desk officer"
    assert event.request_id == r.headers["x-request-id"]
    assert issued["organisation_ref"] == "GB-GOV-1" and issued["key"] not in str(vars(event))


def test_a_revoked_key_is_refused_from_then_on(server: LiveServer, http: httpx.Client, services: Services) -> None:
    # given an auditor key in use
    issued = issue(http, role="auditor")
    with client_for(server, issued["key"]) as auditor:
        assert auditor.get("/v1/needs").status_code == 200
        # when an admin revokes it
        r = http.post(f"/v1/keys/{issued['id']}/revoke", headers={"X-Reason": "left the office"})
        # then the answer says so, the event names the admin, and the key is refused
        assert r.status_code == 200 and r.json()["revoked"] is True and r.json()["position"] > issued["position"]
        assert stored(services, issued["id"])[-1].reason == "left the office"
        refused = auditor.get("/v1/needs")
        assert refused.status_code == 401 and refused.json()["code"] == "invalid-credentials"
    # and the list shows it revoked, with when and by whom it was issued
    [listed] = [k for k in http.get("/v1/keys").json()["items"] if k["id"] == issued["id"]]
    assert listed["revoked"] is True and listed["revoked_at"] and listed["issued_by"].startswith("test admin#")
    # and it cannot be revoked twice
    again = http.post(f"/v1/keys/{issued['id']}/revoke")
    assert again.status_code == 409 and again.json()["code"] == "key-already-revoked"


def test_a_key_outside_the_role_table_is_not_issued(http: httpx.Client, services: Services) -> None:
    head = services.runner.head()
    for body, code in [
        ({"role": "state"}, "scope-required"),
        ({"role": "provider"}, "scope-required"),
        ({"role": "auditor", "state": "KEN"}, "scope-not-allowed"),
        ({"role": "state", "state": "XXX"}, "unknown-state"),
        ({"role": "wizard"}, "invalid-request"),
        ({"role": "admin", "name": " "}, "invalid-request"),
    ]:
        r = http.post("/v1/keys", json={"name": "x", **body})
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
    # an organisation named by a ref the ledger does not know: the answer repeats the ref as typed
    r = http.post("/v1/keys", json={"name": "x", "role": "provider", "organisation": "XM-NOWHERE-1"})
    assert (r.status_code, r.json()["code"]) == (404, "organisation-not-found") and "XM-NOWHERE-1" in r.json()["detail"]
    assert services.runner.head() == head


def test_revoking_an_unknown_key_is_404(http: httpx.Client) -> None:
    r = http.post("/v1/keys/00000000-0000-4000-8000-000000000000/revoke")
    assert r.status_code == 404 and r.json()["code"] == "apikey-not-found"


def test_a_malformed_or_forged_key_is_refused(server: LiveServer, keys: dict[str, str]) -> None:
    forged = keys["admin"][:-4] + ("AAAA" if not keys["admin"].endswith("AAAA") else "BBBB")
    for header in ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer", "lk_x", f"Bearer {forged}"]:
        r = httpx.get(f"{server.url}/v1/needs", headers={"Authorization": header})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", header
        assert r.json()["code"] == "invalid-credentials"


# ---- events name their key ----


def test_each_write_is_attributed_to_the_key_and_organisation_that_made_it(
    server: LiveServer, keys: dict[str, str], services: Services
) -> None:
    w = world.build(services.ledger)
    with client_for(server, keys["state"]) as kenya, client_for(server, keys["provider"]) as fcdo:
        # when Kenya's key identifies a need and the FCDO's key commits, each with a reason
        need = kenya.post("/v1/needs", json=world.NEED, headers={"X-Reason": "CRR%20follow-up"})
        commit = fcdo.post(
            f"/v1/programmes/{w.programme}/commitments",
            headers={"X-Reason": "board approval"},
            json={"funder": str(w.org), "amount": "1", "currency": "USD", "value_date": "2024-05-01"},
        )
    # then the stored events carry who, for which organisation or state, why, and the request
    [identified] = stored(services, need.json()["id"])
    assert identified.actor.startswith("Kenya focal point#") and identified.actor_org == "KEN"
    assert identified.reason == "CRR follow-up" and identified.request_id == need.headers["x-request-id"]
    committed = stored(services, w.programme)[-1]
    assert type(committed).__name__ == "CommitmentRecorded"
    assert committed.actor.startswith("FCDO desk#") and committed.actor_org == "GB-GOV-1"
    assert committed.reason == "board approval" and committed.request_id == commit.headers["x-request-id"]


# ---- the CLI ----


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_cli_prints_a_new_key_alone_on_stdout_and_it_opens_the_api(
    settings: Settings, services: Services, server: LiveServer
) -> None:
    # when a key is issued from the command line
    done = ledger_on(settings, "keys", "issue", "--role", "coordinator", "--name", "UNODC desk")
    # then stdout is the key and nothing else, so a script can capture it
    assert done.returncode == 0, done.stderr
    assert KEY.fullmatch(done.stdout.rstrip("\n")) and done.stdout.count("\n") == 1
    key = done.stdout.strip()
    # and the running server accepts it as a coordinator key
    with client_for(server, key) as unodc:
        r = unodc.post("/v1/organisations", json={"ref": "XM-DAC-41122", "name": "UNODC", "org_type": "40"})
        assert r.status_code == 201, r.text
    # and `keys list` shows it, without the secret; `keys revoke` ends it
    key_id = str(UUID(hex=key.split("_")[1]))
    listed = ledger_on(settings, "keys", "list")
    assert listed.returncode == 0 and key_id in listed.stdout and "coordinator" in listed.stdout
    assert key.split("_", 2)[2] not in listed.stdout + listed.stderr
    assert ledger_on(settings, "keys", "revoke", key_id).returncode == 0
    assert f"{key_id}\tcoordinator\t-\trevoked" in ledger_on(settings, "keys", "list").stdout
    with client_for(server, key) as unodc:
        assert unodc.get("/v1/needs").status_code == 401


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "args",
    [
        ["keys", "issue", "--role", "state", "--name", "x"],
        ["keys", "issue", "--role", "provider", "--org", "XM-NOWHERE-1", "--name", "x"],
        ["keys", "revoke", "not-a-key-id"],
    ],
)
def test_a_cli_key_command_that_fails_says_why_on_stderr_and_prints_nothing(
    settings: Settings, args: list[str]
) -> None:
    done = ledger_on(settings, *args)
    assert done.returncode != 0 and done.stdout == "" and "error" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_server_log_never_contains_a_key(settings: Settings, tmp_path: Path) -> None:
    # given a ledger, an admin key from the CLI and a running `ledger serve`
    Services(settings).close()  # `ledger keys` refuses where there is no ledger
    env = environment_of(settings)
    admin = ledger(env, "keys", "issue", "--role", "admin", "--name", "root").stdout.strip()
    with (
        serving(env, tmp_path / "serve.log") as served,
        httpx.Client(base_url=served.url, timeout=30, headers={"Authorization": f"Bearer {admin}"}) as root,
    ):
        # when keys are issued, used, refused, forged and revoked
        issued = root.post("/v1/keys", json={"name": "Kenya", "role": "state", "state": "KEN"}).json()
        kenya = {"Authorization": f"Bearer {issued['key']}"}
        assert httpx.post(f"{served.url}/v1/needs", json=world.NEED, headers=kenya).status_code == 201
        assert httpx.post(f"{served.url}/v1/needs", json={}, headers=kenya).status_code == 422
        assert httpx.get(f"{served.url}/v1/keys", headers=kenya).status_code == 403
        assert httpx.get(f"{served.url}/v1/needs", headers={"Authorization": f"Bearer {admin}x"}).status_code == 401
        assert root.post(f"/v1/keys/{issued['id']}/revoke").status_code == 200
        assert httpx.get(f"{served.url}/v1/needs", headers=kenya).status_code == 401
    # then the log has a line for each request, naming the key's holder, and no key nor secret
    lines = [line for line in served.output().splitlines() if '"event": "request"' in line]
    assert len(lines) >= 7 and any("Kenya#" in line for line in lines)
    for key in (admin, issued["key"]):
        assert key.split("_", 2)[2] not in served.output()


def test_an_idempotent_key_issue_keeps_no_copy_of_the_key(http: httpx.Client, services: Services) -> None:
    # given an admin issuing a key with an Idempotency-Key, as a careful script would
    r = http.post("/v1/keys", json={"name": "retry-safe", "role": "auditor"}, headers={"Idempotency-Key": "k-1"})
    assert r.status_code == 201, r.text
    secret = r.json()["key"].split("_", 2)[2]
    # then no stored answer holds the key: it is shown once and kept only as a hash
    with services.db.transaction(commit=False) as tx:
        stored = tx.execute("SELECT body FROM idempotency_keys").fetchall()
        bodies = [base64.b64decode(row["body"] or "") for row in stored]
    assert not any(secret.encode() in body for body in bodies)
