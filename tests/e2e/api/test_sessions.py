"""Browser sessions over real HTTP, on SQLite and PostgreSQL: signing in keeps a hash, the cookie opens
pages and never the API, CSRF, idle and absolute expiry, revocation, sign-out, the failed sign-in limit,
a form sent twice writing once, and the demo's keys issued once."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from api.demo import keys as demo_keys
from api.root.services import Services
from api.web.sessions import COOKIE, csrf_token
from domain import keys as key_text
from tests.e2e.api import world
from tests.support.servers import LiveServer

HTML = {"Accept": "text/html"}


@pytest.fixture
def browser(server: LiveServer) -> Iterator[httpx.Client]:
    """A client that keeps cookies, as a browser does, and sends no key."""
    with httpx.Client(base_url=server.url, timeout=30, headers=HTML) as c:
        yield c


def sign_in(client: httpx.Client, key: str) -> str:
    answer = client.post("/sign-in", data={"api_key": key})
    assert answer.status_code == 303, answer.text
    return answer.cookies[COOKIE]


def need_form(client: httpx.Client, **values: str | list[str]) -> dict[str, str | list[str]]:
    """The new-need form as the page gives it (its tokens), filled with `values`."""
    page = client.get("/needs/new").text
    tokens = dict(re.findall(r'name="(csrf_token|form_token)" value="([^"]*)"', page))
    fields: dict[str, str | list[str]] = {
        "article": "9",
        "ta_types": ["capacity-building"],
        "description": "E-procurement audit capacity",
        "horizon": "current",
        "priority": "high",
        "source_kind": "country-review-report",
        "source_reference": "CRR cycle 2",
    }
    return {**tokens, **fields, **values}


def positions(services: Services) -> int:
    return services.ledger.position()


def test_signing_in_keeps_only_a_hash_and_the_cookie_is_httponly_and_strict(
    browser: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    # given Kenya's focal point's key, when it signs in
    answer = browser.post("/sign-in", data={"api_key": keys["state"]})
    # then the browser gets an HttpOnly, SameSite=Strict cookie, not Secure over plain HTTP
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    session_id = answer.cookies[COOKIE]
    # and the store holds the id's hash, never the id nor the key
    with services.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT * FROM web_sessions").fetchall()
    assert [r["id_hash"] for r in rows] == [hashlib.sha256(session_id.encode()).hexdigest()]
    assert session_id not in str(rows) and keys["state"] not in str(rows)
    # and the pages say who is signed in, with a Sign out form
    home = browser.get("/").text
    assert "Signed in as <strong>state</strong> · Kenya" in home and ">Sign out</button>" in home


def test_the_cookie_opens_pages_but_never_the_api(browser: httpx.Client, keys: dict[str, str]) -> None:
    # given a signed-in browser
    sign_in(browser, keys["state"])
    # when it opens the need form, it is there; when it calls the API with the cookie alone, it is anonymous
    assert browser.get("/needs/new").status_code == 200
    api = browser.post("/v1/needs", json={}, headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("token", [None, "0" * 64])
def test_a_post_without_the_sessions_csrf_token_is_403_and_writes_nothing(
    browser: httpx.Client, keys: dict[str, str], services: Services, token: str | None
) -> None:
    # given a signed-in browser and the filled need form
    sign_in(browser, keys["state"])
    form = need_form(browser)
    before = positions(services)
    # when it is sent without its CSRF token, or with another one
    form.pop("csrf_token")
    if token is not None:
        form["csrf_token"] = token
    answer = browser.post("/needs/new", data=form)
    # then it is refused with a page saying so, and the log has not moved
    assert answer.status_code == 403 and "text/html" in answer.headers["content-type"]
    assert "csrf-token-invalid" in answer.text
    assert positions(services) == before


def test_a_need_recorded_through_the_form_is_the_apis_need_with_the_keys_attribution(
    browser: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    # given a signed-in state key
    sign_in(browser, keys["state"])
    # when it records a need, naming Uganda (the form fixes the state to Kenya)
    answer = browser.post("/needs/new", data=need_form(browser, state="UGA", reason="after the country visit"))
    # then it is redirected to the need's page, which says the position written
    assert answer.status_code == 303
    page = browser.get(answer.headers["location"])
    assert "Written at log position" in page.text
    need_id = UUID(answer.headers["location"].split("/")[2].split("?")[0])
    need = services.ledger.need(need_id)
    assert need.state == "KEN" and need.article == 9 and need.ta_types == ["capacity-building"]
    # and the event carries the key's actor, Kenya and the reason typed
    event = services.ledger.recorder.select_events(need_id)[0]
    stored = services.ledger.mapper.to_domain_event(event)
    assert stored.actor.startswith("Kenya focal point#") and stored.actor_org == "KEN"
    assert stored.reason == "after the country visit"


def test_a_refused_form_shows_the_error_next_to_its_field_and_keeps_what_was_typed(
    browser: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    sign_in(browser, keys["admin"])
    before = positions(services)
    # when an amount too precise for its currency is sent
    form = need_form(browser, state="KEN", estimated_cost="10.123", currency="EUR", value_date="2024-01-01")
    answer = browser.post("/needs/new", data=form)
    # then the form comes back (422) with the words next to the estimate, described by it, as typed
    assert answer.status_code == 422 and positions(services) == before
    assert 'id="need-estimated-cost-error"' in answer.text and "amount-too-precise" in answer.text
    assert 'aria-describedby="need-estimated-cost-hint need-estimated-cost-error" aria-invalid="true"' in answer.text
    assert 'value="10.123"' in answer.text and "E-procurement audit capacity" in answer.text


def test_a_form_sent_twice_writes_once(browser: httpx.Client, keys: dict[str, str], services: Services) -> None:
    sign_in(browser, keys["state"])
    form = need_form(browser)
    # when the same rendered form is sent twice
    first = browser.post("/needs/new", data=form)
    head = positions(services)
    second = browser.post("/needs/new", data=form)
    # then both lead to the same need, and the second wrote nothing
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert positions(services) == head
    assert len([n for n in services.durable.needs() if n["description"] == "E-procurement audit capacity"]) <= 1


def test_a_state_key_opening_another_states_need_form_gets_a_page_saying_why(
    browser: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    # given Uganda's published need
    w = world.build(services.ledger)
    services.ledger.change_need(w.foreign_need, lambda n: n.publish())
    sign_in(browser, keys["state"])
    # when Kenya's focal point opens its revise form
    answer = browser.get(f"/needs/{w.foreign_need}/revise")
    # then it gets a 403 page naming the reason, and no form
    assert answer.status_code == 403 and "text/html" in answer.headers["content-type"]
    assert "may not write needs of UGA" in answer.text and '<form method="post" action="/needs/' not in answer.text
    # and its need page offers no action, while its own need's page does
    assert 'id="actions-h"' not in browser.get(f"/needs/{w.foreign_need}").text
    assert 'id="action-publish"' in browser.get(f"/needs/{w.need}").text


def _age(services: Services, column: str, by: timedelta) -> None:
    moment = (datetime.now(UTC) - by).isoformat(timespec="microseconds")
    with services.db.transaction() as tx:
        tx.execute(f"UPDATE web_sessions SET {column} = ?", (moment,))


@pytest.mark.parametrize(("column", "by"), [("seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=13))])
def test_an_idle_or_old_session_ends(
    browser: httpx.Client, keys: dict[str, str], services: Services, column: str, by: timedelta
) -> None:
    # given a session idle for longer than 30 minutes, or signed in more than 12 hours ago
    sign_in(browser, keys["state"])
    _age(services, column, by)
    # when the browser comes back, it is anonymous again, and the session is gone from the store
    assert browser.get("/needs/new").status_code == 401
    assert "Sign in</a>" in browser.get("/").text
    assert services.sessions.count() == 0


def test_a_revoked_keys_session_ends_at_its_next_request(
    browser: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    sign_in(browser, keys["state"])
    assert browser.get("/needs/new").status_code == 200
    # when the key is revoked
    parsed = key_text.split(keys["state"])
    assert parsed is not None
    services.ledger.revoke_key(parsed[0])
    # then the next request is anonymous and the key's sessions are deleted
    assert browser.get("/needs/new").status_code == 401
    assert services.sessions.count() == 0


def test_signing_out_ends_the_session(browser: httpx.Client, keys: dict[str, str], services: Services) -> None:
    session_id = sign_in(browser, keys["state"])
    # when the Sign out form is sent with its token
    answer = browser.post("/sign-out", data={"csrf_token": csrf_token(session_id)})
    # then the session is gone, and the old cookie opens nothing
    assert answer.status_code == 303 and services.sessions.count() == 0
    with httpx.Client(base_url=str(browser.base_url), headers=HTML, cookies={COOKIE: session_id}) as stale:
        assert stale.get("/needs/new").status_code == 401


def test_a_sign_in_sent_from_another_sites_page_is_refused(
    browser: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    # when another site's page posts a valid key to /sign-in (a login CSRF), as a browser says it does
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        answer = browser.post("/sign-in", data={"api_key": keys["state"]}, headers=headers)
        # then it is refused, and no session is started
        assert answer.status_code == 403 and "csrf-token-invalid" in answer.text
        assert COOKIE not in answer.cookies and services.sessions.count() == 0
    # while the server's own page signs in (same origin)
    own = f"{browser.base_url.scheme}://{browser.base_url.netloc.decode()}"
    assert browser.post("/sign-in", data={"api_key": keys["state"]}, headers={"Origin": own}).status_code == 303


def test_a_wrong_key_is_told_and_failures_are_limited_per_address(browser: httpx.Client, services: Services) -> None:
    # when a wrong key is sent five times, each is told so (401) next to the field
    for _ in range(5):
        answer = browser.post("/sign-in", data={"api_key": "lk_00000000000000000000000000000000_wrong"})
        assert answer.status_code == 401 and 'id="sign-in-api-key-error"' in answer.text
    # then the sixth is 429 with Retry-After, and no session was started
    limited = browser.post("/sign-in", data={"api_key": "lk_00000000000000000000000000000000_wrong"})
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 61
    assert "sign-in-rate-limited" in limited.text and services.sessions.count() == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_keys_are_issued_once_and_kept_in_a_private_file(services: Services, tmp_path: Path) -> None:
    settings = services.settings
    # when the demo's keys are asked for twice
    first = demo_keys.ensure(settings, services.ledger)
    head = services.ledger.position()
    second = demo_keys.ensure(settings, services.ledger)
    # then the same five keys come back, nothing more was issued, and the file is its owner's alone
    assert [k.role for k in first] == ["admin", "coordinator", "state", "provider", "auditor"]
    assert second == first and services.ledger.position() == head
    assert os.stat(demo_keys.path(settings)).st_mode & 0o777 == 0o600
    assert all(len(k.line().split("\t")) == 3 for k in first)
