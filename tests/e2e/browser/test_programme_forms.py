"""Recording programmes and money through the browser as a donor's desk officer and a coordinator would, in
headless Chromium on both stores: register a programme, link a need, commit in EUR, record the EUR rate, and see
the need's gap shrink on its page and in the unmet-needs view; another organisation's programme offers no form
and says why; a forged form writes nothing, a form sent twice writes once, a refused one keeps what was typed.
Every page is checked by axe-core and photographed (test-artifacts/)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from uuid import UUID

from api.root.services import Services
from domain import context
from tests.e2e.api import world
from tests.e2e.browser.conftest import Watched
from tests.e2e.browser.test_forms import accessible, person, sign_in  # noqa: F401 (person: a fixture)
from tests.support.servers import LiveServer

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def kenyan_need(services: Services) -> UUID:
    """Kenya's published need, estimated at USD 100,000."""
    with context.recording(actor="test"):
        need = services.ledger.identify_need(**world.need_fields("KEN")).id
        services.ledger.change_need(need, lambda n: n.estimate("100000", "USD", date(2025, 1, 1)))
        services.ledger.change_need(need, lambda n: n.publish())
    services.runner.catch_up()
    return need


def gap_on_need_page(reader: Watched, need: UUID) -> str:
    reader.open(f"/needs/{need}")
    record = reader.page.inner_text("section[aria-labelledby=record-h]")
    found = re.search(r"Gap\s+(.+)", record)
    assert found, record
    return found.group(1).strip()


def sent_form(page: Any, selector: str, leave_out: str = "") -> str:
    """The form as the browser would send it (its hidden tokens included), urlencoded."""
    sent = page.evaluate(f"() => [...new FormData(document.querySelector('{selector}')).entries()]")
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in sent if k != leave_out)


def test_a_provider_commits_in_eur_and_the_gap_shrinks_once_the_coordinator_records_the_rate(
    person: Watched,  # noqa: F811
    chromium: Any,
    server: LiveServer,
    keys: dict[str, str],
    services: Services,
) -> None:
    page = person.page
    need = kenyan_need(services)
    # given the FCDO's desk officer signed in
    sign_in(person, keys["provider"])
    assert gap_on_need_page(person, need) == "USD 100,000.00"
    # when it registers a programme, choosing organisations and States by name
    page.get_by_role("link", name="Register a programme").click()
    assert page.get_by_label("Reporting organisation").input_value() == "GB-GOV-1"  # fixed to its own
    page.get_by_label("Title").fill("Procurement audit support")
    page.get_by_label("IATI identifier").fill("GB-GOV-1-TEST-42")
    page.locator("#programme-states").get_by_label("Kenya (KEN)").check()
    page.get_by_label("Start").fill("2025-01-01")
    page.get_by_label("End").fill("2026-12-31")
    page.get_by_label("Status").select_option("2")
    assert (
        page.locator("#programme-funders")
        .get_by_label("Foreign, Commonwealth & Development Office (GB-GOV-1)")
        .is_checked()
    )
    accessible(person, "programme-new")
    page.get_by_role("button", name="Register programme").click()
    # then the programme's page says what was written
    assert re.search(r"/programmes/[0-9a-f-]{36}\?written=", page.url)
    assert "Recorded: Register a programme" in page.inner_text("#written")
    # when it links Kenya's open need, chosen by its article and description
    page.locator("#action-link-need summary").click()
    choice = page.locator("#link-need-need-id option", has_text="article 9: Review of the public procurement law")
    page.locator("#link-need-form").get_by_label("Need").select_option(choice.get_attribute("value"))
    page.locator("#link-need-form").get_by_label("Reason").fill("the programme's first component")
    page.get_by_role("button", name="Link need").click()
    assert "Recorded: Link a need" in page.inner_text("#written")
    assert "Review of the public procurement law" not in page.inner_text("#link-need-need-id")  # linked: not offered
    # when it records a commitment in EUR (its organisation is the funder already chosen)
    page.locator("#action-commitment summary").click()
    form = page.locator("#commitment-form")
    assert form.get_by_label("Funder").input_value() == "GB-GOV-1"
    form.get_by_label("Amount").fill("50000")
    form.get_by_label("Currency").select_option("EUR")
    form.get_by_label("Value date").fill("2025-02-01")
    form.get_by_label("Reason").fill("signed grant agreement")
    accessible(person, "programme-actions")
    page.get_by_role("button", name="Record commitment").click()
    # then the commitments table shows it, recorded by the organisation at a log position
    row = page.inner_text("#commitments tbody tr")
    assert "EUR 50,000.00" in row and "GB-GOV-1" in row and re.search(r"position \d+", row)
    now = page.inner_text("section[aria-labelledby=record-h]")
    assert "Committed USD 0.00 + EUR 50,000.00 without an exchange rate" in re.sub(r"\s+", " ", now)
    person.shot("programme-page", height=1400)  # README's docs/screenshots/programme-commitment.png
    # and, with no EUR rate yet, the need's gap has not moved (the euros are kept apart, never summed)
    assert gap_on_need_page(person, need) == "USD 100,000.00"

    # when the coordinator records the EUR rate in another browser
    other = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        coordinator = Watched(other.new_page(), server.url)
        sign_in(coordinator, keys["coordinator"])
        coordinator.page.get_by_role("link", name="Exchange rates").click()
        rate = coordinator.page.locator("#rate-form")
        rate.get_by_label("Currency").select_option("EUR")
        rate.get_by_label("Date").fill("2025-01-01")
        rate.get_by_label("Rate").fill("1.10")
        rate.get_by_label("Reason").fill("ECB reference rate")
        accessible(coordinator, "rates")
        coordinator.page.get_by_role("button", name="Record rate").click()
        assert "Recorded: Record an exchange rate" in coordinator.page.inner_text("#written")
        assert "1.10" in coordinator.page.inner_text("#rates")
        assert coordinator.external() == [] and coordinator.console == []
    finally:
        other.close()

    # then the gap shrinks by EUR 50,000 at 1.10: USD 45,000 left, on the need's page and in the unmet-needs view
    assert gap_on_need_page(person, need) == "USD 45,000.00"
    person.shot("need-gap-shrunk")
    person.open("/views/unmet-needs?state=KEN")
    assert "\t45000.00\tpartially-funded" in page.inner_text("main table")  # the view as its CSV: plain numbers
    assert person.external() == [] and person.console == []


def test_a_provider_cannot_record_on_another_organisations_programme_and_is_told_why(
    person: Watched,  # noqa: F811
    keys: dict[str, str],
    services: Services,
) -> None:
    # given DE-1's programme, and the FCDO's desk officer signed in
    w = world.build(services.ledger)
    services.runner.catch_up()
    sign_in(person, keys["provider"])
    # when it opens that programme, it sees its books but no form
    person.open(f"/programmes/{w.foreign_programme}")
    assert person.page.locator("main form").count() == 0
    assert "What you may do" not in person.page.inner_text("main")
    # when it opens the commitment form directly, a page says why, and no form
    answer = person.page.goto(f"{person.base}/programmes/{w.foreign_programme}/commitment")
    assert answer is not None and answer.status == 403
    assert "may write only programmes its organisation funds or reports" in person.page.inner_text("main")
    assert person.page.locator("main form").count() == 0
    accessible(person, "programme-forbidden")
    # and a commitment posted there directly is refused the same way, writing nothing
    person.open(f"/programmes/{w.programme}/commitment")  # its own programme's form, for a valid token
    body = sent_form(person.page, "#commitment-form")
    before = services.ledger.position()
    refused = person.page.request.post(
        f"{person.base}/programmes/{w.foreign_programme}/commitment", data=body, headers=FORM, max_redirects=0
    )
    assert refused.status == 403 and "forbidden-scope" in refused.text()
    assert services.ledger.position() == before


def test_a_commitment_form_forged_writes_nothing_sent_twice_writes_once_and_refused_keeps_what_was_typed(
    person: Watched,  # noqa: F811
    keys: dict[str, str],
    services: Services,
) -> None:
    page = person.page
    w = world.build(services.ledger)
    services.runner.catch_up()
    sign_in(person, keys["provider"])
    person.open(f"/programmes/{w.programme}/commitment")
    # when an amount finer than the currency's cents is sent
    page.get_by_label("Amount").fill("1000.125")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Value date").fill("2025-03-01")
    before = services.ledger.position()
    page.get_by_role("button", name="Record commitment").click()
    # then nothing is written, the words are next to the Amount, and what was typed is kept
    assert services.ledger.position() == before
    error = page.inner_text("#commitment-amount-error")
    assert "amount-too-precise" in error
    assert page.get_by_label("Amount").input_value() == "1000.125"
    assert page.get_by_label("Value date").input_value() == "2025-03-01"
    accessible(person, "commitment-refused")
    # when the corrected form is sent without its CSRF token, it is refused and the log does not move
    page.get_by_label("Amount").fill("1000.12")
    forged = sent_form(page, "#commitment-form", leave_out="csrf_token")
    refused = page.request.post(page.url, data=forged, headers=FORM, max_redirects=0)
    assert refused.status == 403 and "csrf-token-invalid" in refused.text()
    assert services.ledger.position() == before
    # when it is sent twice, both answers lead to the programme, and one commitment is written
    body = sent_form(page, "#commitment-form")
    action = f"{person.base}/programmes/{w.programme}/commitment"
    first = page.request.post(action, data=body, headers=FORM, max_redirects=0)
    head = services.ledger.position()
    second = page.request.post(action, data=body, headers=FORM, max_redirects=0)
    assert first.status == second.status == 303 and first.headers["location"] == second.headers["location"]
    assert services.ledger.position() == head > before
    amounts = [c["amount"] for c in services.ledger.programme(w.programme).commitments.values()]
    assert sorted(amounts) == [Decimal("1000.12"), Decimal("100000")]


def test_a_revised_and_cancelled_commitment_and_a_delivery_show_who_recorded_them(
    person: Watched,  # noqa: F811
    keys: dict[str, str],
    services: Services,
) -> None:
    page = person.page
    w = world.build(services.ledger)
    services.runner.catch_up()
    sign_in(person, keys["admin"])
    person.open(f"/programmes/{w.programme}")
    # when the admin revises the commitment with a reason
    page.locator("#action-revise-commitment summary").click()
    form = page.locator("#revise-commitment-form")
    form.get_by_label("Commitment").select_option("c-1")
    form.get_by_label("New amount").fill("90000")
    form.get_by_label("Reason").fill("budget cut")
    page.get_by_role("button", name="Revise commitment").click()
    # then the table shows the new amount, who recorded it and who changed it last
    row = page.inner_text("#commitments tbody tr")
    assert "USD 90,000.00" in row and "world-builder" in row and "last: commitment revised by test admin" in row
    # when it records a delivery and a disbursement correction (its reason required)
    page.locator("#action-delivery summary").click()
    delivery = page.locator("#delivery-form")
    delivery.get_by_label("Kind").select_option("training")
    delivery.get_by_label("Date").fill("2025-01-20")
    delivery.get_by_label("Description").fill("Two-day training of procurement auditors")
    delivery.get_by_label("Participants").fill("24")
    page.get_by_role("button", name="Record delivery").click()
    assert "Two-day training of procurement auditors" in page.inner_text("#deliveries")
    page.locator("#action-disbursement-correction summary").click()
    correction = page.locator("#disbursement-correction-form")
    correction.get_by_label("Amount taken off").fill("500")
    correction.get_by_label("Currency").select_option("USD")
    correction.get_by_label("Value date").fill("2025-01-21")
    before = services.ledger.position()
    page.get_by_role("button", name="Record correction").click()
    assert services.ledger.position() == before
    assert "reason-required" in page.inner_text("#disbursement-correction-reason-error")
