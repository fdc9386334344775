"""Stakeholders (para 15) and assistance already provided (para 7) through the browser, in headless Chromium on
both stores: a focal point records a need with its stakeholders typed one per line, a wrong line is named and
nothing written, the need page shows both and its two actions replace them; every form checked by axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from api.root.services import Services
from tests.e2e.browser.conftest import Watched
from tests.e2e.browser.test_forms import accessible, sign_in
from tests.support.servers import LiveServer


@pytest.fixture
def person(chromium: Any, server: LiveServer) -> Iterator[Watched]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Watched(context.new_page(), server.url)
    finally:
        context.close()


def fill_need(page: Any, stakeholders: str) -> None:
    page.get_by_label("Article").select_option("9")
    page.get_by_label("Capacity-building").check()
    page.get_by_label("Description").fill("Audit capacity for e-procurement")
    page.get_by_label("Horizon").select_option("current")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Source kind").select_option("country-review-report")
    page.get_by_label("Source reference").fill("CRR 2nd cycle, para 31")
    page.get_by_label("Stakeholders who took part in identifying it").fill(stakeholders)
    page.get_by_label("Assistance already provided").fill("UNODC mentors the procurement authority")


def test_a_focal_point_records_a_need_with_its_stakeholders_and_changes_them_on_its_page(
    person: Watched, keys: dict[str, str], services: Services
) -> None:
    page = person.page
    sign_in(person, keys["state"])
    person.open("/needs/new")
    before = services.ledger.position()
    # When a stakeholder line has an unknown kind and another no name
    fill_need(page, "civil-society: Transparency Kenya\ngovernment: Ministry\nacademia:")
    page.get_by_role("button", name="Record need").click()
    # Then nothing is written, each wrong line is named next to the field, and the lines stay as typed
    assert services.ledger.position() == before
    error = page.inner_text("#need-stakeholders-error")
    assert "line 2: 'government' is not one of" in error and "line 3: write kind: name" in error
    field = page.get_by_label("Stakeholders who took part in identifying it")
    assert field.get_attribute("aria-invalid") == "true"
    assert "academia:" in field.input_value()
    accessible(person, "need-stakeholders-refused")
    # When the lines are put right and the form sent
    field.fill("civil-society: Transparency Kenya\nparliament: Public Accounts Committee")
    page.get_by_role("button", name="Record need").click()
    # Then the need's page names them and the assistance already provided
    assert re.search(r"/needs/[0-9a-f-]{36}\?written=", page.url)
    record = page.inner_text("section[aria-labelledby=record-h]")
    assert "Transparency Kenya (civil society), Public Accounts Committee (parliament)" in record
    assert "UNODC mentors the procurement authority" in record
    # When the stakeholders action replaces them (its field prefilled with the list)
    page.locator("#action-stakeholders summary").click()
    accessible(person, "need-stakeholders-action")
    action = page.locator("#stakeholders-form")
    assert "civil-society: Transparency Kenya" in action.get_by_label("Stakeholders who took part").input_value()
    action.get_by_label("Stakeholders who took part").fill("academia: University of Nairobi")
    action.get_by_label("Reason").fill("the validation workshop")
    page.get_by_role("button", name="Record stakeholders").click()
    # Then the page shows the new list and the history the event with its reason
    assert "Recorded: Record the stakeholders" in page.inner_text("#written")
    assert "University of Nairobi (academia)" in page.inner_text("section[aria-labelledby=record-h]")
    history = page.inner_text("section[aria-labelledby=hist-h]")
    assert "Need stakeholders recorded" in history and "the validation workshop" in history
    # When the assistance action names a programme that does not exist, then that is said by the field
    page.locator("#action-assistance-provided summary").click()
    form = page.locator("#assistance-provided-form")
    form.get_by_label("Programme providing it").fill("00000000-0000-4000-8000-000000000000")
    page.get_by_role("button", name="Record assistance").click()
    assert "programme-not-found" in page.inner_text("#assistance-provided-assistance-programme-error")
    accessible(person, "need-assistance-refused")
    assert person.external() == []  # no request to another host (refusals log their 422 and 404 in the console)
