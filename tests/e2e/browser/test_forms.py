"""Recording through the browser as a State's focal point would, in headless Chromium on both stores: sign in
with a key, record a need, see it on its page and in the views, publish it, sign out; a wrong key, a form sent
twice, a revoked key; every form checked by axe-core and photographed (test-artifacts/)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from api.root.services import Services
from api.web.sessions import COOKIE
from domain import keys as key_text
from tests.e2e.api import world
from tests.e2e.browser.conftest import Watched
from tests.support import axe
from tests.support.servers import LiveServer


@pytest.fixture
def person(chromium: Any, server: LiveServer) -> Iterator[Watched]:
    """A fresh browser with no key: it signs in as a person does."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Watched(context.new_page(), server.url)
    finally:
        context.close()


def sign_in(person: Watched, key: str) -> None:
    person.open("/sign-in")
    person.page.get_by_label("API key").fill(key)
    person.page.get_by_role("button", name="Sign in").click()


def accessible(person: Watched, name: str) -> None:
    """No serious or critical axe-core violation, and a screenshot kept as an artefact."""
    found = axe.serious(person.page)
    assert not found, axe.report(found)
    person.shot(f"form-{name}")


def test_a_focal_point_signs_in_records_a_need_publishes_it_and_signs_out(
    person: Watched, keys: dict[str, str], services: Services
) -> None:
    page = person.page
    # given Kenya's focal point at the sign-in page
    person.open("/sign-in")
    accessible(person, "sign-in")
    sign_in(person, keys["state"])
    # then the header names who is signed in, and the cookie is HttpOnly and Strict
    assert "Signed in as state · Kenya" in page.inner_text(".viewer")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # when it opens the need form, its State is fixed to Kenya
    page.get_by_role("link", name="Record a need").click()
    assert page.get_by_label("State").input_value() == "KEN"
    page.get_by_label("Article").select_option("9")
    page.get_by_label("Capacity-building").check()
    page.get_by_label("Description").fill("Audit capacity for e-procurement")
    page.get_by_label("Horizon").select_option("current")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Source kind").select_option("country-review-report")
    page.get_by_label("Source reference").fill("CRR 2nd cycle, para 31")
    page.get_by_label("Estimated cost").fill("250000")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Value date").fill("2025-01-15")
    accessible(person, "need-new")
    page.get_by_role("button", name="Record need").click()
    # then its page says what was written, and the views count it as unmet
    assert re.search(r"/needs/[0-9a-f-]{36}\?written=", page.url)
    assert "Written at log position" in page.inner_text("#written")
    record = page.inner_text("section[aria-labelledby=record-h]")
    assert "Audit capacity for e-procurement" in record and "unmet" in record and "not published" in record
    # when it publishes the need with a reason
    page.locator("#action-publish summary").click()
    accessible(person, "need-actions")
    page.locator("#publish-form").get_by_label("Reason").fill("validated by the national committee")
    page.get_by_role("button", name="Publish").click()
    # then the need is published, and the history names the reason
    assert "Recorded: Publish the need" in page.inner_text("#written")
    assert "not published" not in page.inner_text("section[aria-labelledby=record-h]")
    # when it signs out, the header offers Sign in again and the form asks for a key
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in").count() >= 1
    assert person.external() == [] and person.console == []  # no request to another host, no error
    assert page.goto(person.base + "/needs/new").status == 401


def test_a_wrong_key_is_told_next_to_the_field_and_the_keyboard_alone_signs_in(
    person: Watched, keys: dict[str, str]
) -> None:
    page = person.page
    person.open("/sign-in")
    # when a wrong key is typed and sent with Enter
    page.keyboard.press("Tab")  # the skip link
    page.get_by_label("API key").focus()
    page.keyboard.type("lk_00000000000000000000000000000000_wrong")
    page.keyboard.press("Enter")
    page.wait_for_selector("#sign-in-api-key-error")
    # then the error is next to the field, which is described by it and marked invalid
    field = page.get_by_label("API key")
    assert field.get_attribute("aria-invalid") == "true"
    assert "sign-in-api-key-error" in (field.get_attribute("aria-describedby") or "")
    assert "unknown or revoked" in page.inner_text("#sign-in-api-key-error")
    accessible(person, "sign-in-refused")
    # and the right key, typed and sent by keyboard, signs in
    field.fill(keys["admin"])
    page.keyboard.press("Enter")
    page.wait_for_url(person.base + "/")
    assert "Signed in as admin" in page.inner_text(".viewer")


def test_a_refused_need_form_keeps_what_was_typed_and_a_revoked_keys_session_ends(
    person: Watched, keys: dict[str, str], services: Services
) -> None:
    page = person.page
    sign_in(person, keys["state"])
    person.open("/needs/new")
    before = services.ledger.position()
    # when the form is sent without a TA type
    page.get_by_label("Article").select_option("9")
    page.get_by_label("Description").fill("Kept as typed")
    page.get_by_role("button", name="Record need").click()
    # then nothing is written, the form comes back with the words by the field, and the text typed is there
    assert services.ledger.position() == before
    assert page.get_by_label("Description").input_value() == "Kept as typed"
    assert page.locator("#need-ta-types-error").count() == 1
    accessible(person, "need-refused")
    # when the key is revoked, the next page is a stranger's
    parsed = key_text.split(keys["state"])
    assert parsed is not None
    services.ledger.revoke_key(parsed[0])
    assert page.goto(person.base + "/needs/new").status == 401
    assert "Sign in" in page.inner_text(".viewer")


def test_a_form_sent_twice_writes_once_and_a_forged_one_writes_nothing(
    person: Watched, keys: dict[str, str], services: Services
) -> None:
    page = person.page
    sign_in(person, keys["state"])
    person.open("/needs/new")
    page.get_by_label("Article").select_option("10")
    page.get_by_label("Policymaking").check()
    page.get_by_label("Description").fill("Sent twice")
    page.get_by_label("Source reference").fill("SACL")
    page.get_by_label("Priority").select_option("low")
    page.get_by_label("Source kind").select_option("self-assessment")
    # the form as the browser would send it, with its hidden tokens and the session's cookie
    sent = page.evaluate("() => [...new FormData(document.querySelector('#need-form')).entries()]")
    body = "&".join(f"{quote(k)}={quote(v)}" for k, v in sent)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    # when it is sent without its CSRF token, it is refused with a page and the log does not move
    before = services.ledger.position()
    forged = "&".join(f"{quote(k)}={quote(v)}" for k, v in sent if k != "csrf_token")
    refused = page.request.post(person.base + "/needs/new", data=forged, headers=headers, max_redirects=0)
    assert refused.status == 403 and "csrf-token-invalid" in refused.text()
    assert services.ledger.position() == before
    # when it is sent twice, both answers lead to one need, written once
    first = page.request.post(person.base + "/needs/new", data=body, headers=headers, max_redirects=0)
    head = services.ledger.position()
    second = page.request.post(person.base + "/needs/new", data=body, headers=headers, max_redirects=0)
    assert first.status == second.status == 303 and first.headers["location"] == second.headers["location"]
    assert services.ledger.position() == head > before


def test_a_state_key_opening_another_states_need_form_is_told_why(
    person: Watched, keys: dict[str, str], services: Services
) -> None:
    # given Uganda's published need, and Kenya's focal point signed in
    w = world.build(services.ledger)
    services.ledger.change_need(w.foreign_need, lambda n: n.publish())
    sign_in(person, keys["state"])
    # when it opens the need's revise form, it gets a page saying why, and no form
    answer = person.page.goto(f"{person.base}/needs/{w.foreign_need}/revise")
    assert answer is not None and answer.status == 403
    assert "may not write needs of UGA" in person.page.inner_text("main")
    assert person.page.locator("main form").count() == 0
    accessible(person, "forbidden-scope")
