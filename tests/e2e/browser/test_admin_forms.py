"""Keys, organisations and IATI files through the browser, in headless Chromium on both stores: an admin issues a
key (shown once, never again) and revokes it with a reason, which ends the sessions signed in with it; a
coordinator registers and renames an organisation; an IATI file uploaded in a form is imported as over the API,
its report on the page. Every page is checked by axe-core and photographed (test-artifacts/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.root.services import Services
from domain.organisations import organisation_id
from tests.e2e.browser.conftest import Watched
from tests.e2e.browser.test_forms import accessible, person, sign_in  # noqa: F401 (person: a fixture)
from tests.support.iati_import import FIXTURES
from tests.support.iati_xml import activity_xml, document
from tests.support.servers import LiveServer


def unexpected(console: list[str]) -> list[str]:
    """Console messages other than Chromium's note of a refused form's status (422, 409), which is by design."""
    return [m for m in console if "Failed to load resource: the server responded with a status of 4" not in m]


def test_an_admin_issues_a_key_shown_once_and_revoking_it_ends_its_session(
    person: Watched,  # noqa: F811
    chromium: Any,
    server: LiveServer,
    keys: dict[str, str],
) -> None:
    page = person.page
    sign_in(person, keys["admin"])
    # when the admin issues a provider key for GB-GOV-1, chosen by name
    page.get_by_role("link", name="Keys").click()
    accessible(person, "keys")
    form = page.locator("#key-form")
    form.get_by_label("Holder").fill("FCDO meeting desk")
    form.get_by_label("Role").select_option("provider")
    form.get_by_label("Organisation").select_option(label="Foreign, Commonwealth & Development Office (GB-GOV-1)")
    form.get_by_label("Reason").fill("desk officer for the 2025 round")
    with page.expect_response(lambda r: r.url.endswith("/keys/new") and r.request.method == "POST") as sent:
        page.get_by_role("button", name="Issue key").click()
    assert sent.value.status == 201 and sent.value.headers["cache-control"] == "no-store"
    # then the key is shown once, with a hint to copy it, and no cache may keep the page
    issued = page.get_by_label("API key (provider, GB-GOV-1)").input_value()
    assert issued.startswith("lk_") and "shown once, never again" in page.inner_text("main")
    accessible(person, "key-issued")
    # and never again: not on the keys page, which lists the holder
    person.open("/keys")
    assert issued not in page.content() and "FCDO meeting desk" in page.inner_text("#keys")

    # given someone signed in with the new key in another browser
    other = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        holder = Watched(other.new_page(), server.url)
        sign_in(holder, issued)
        assert "Signed in as provider" in holder.page.inner_text(".viewer")
        # when the admin revokes the key, a reason required
        page.get_by_role("link", name="Revoke the key of FCDO meeting desk").click()
        page.get_by_role("button", name="Revoke key").click()
        assert "reason-required" in page.inner_text("#revoke-reason-error")
        accessible(person, "key-revoke-refused")
        page.get_by_label("Reason").fill("desk officer left")
        page.get_by_role("button", name="Revoke key").click()
        assert "Recorded: Revoke the key" in page.inner_text("#written")
        row = page.locator("#keys tr", has_text="FCDO meeting desk").inner_text()
        assert "revoked" in row
        # then the holder's next page is a stranger's
        holder.open("/")
        assert "Sign in" in holder.page.inner_text(".viewer")
        assert holder.page.goto(holder.base + "/programmes/new").status == 401
    finally:
        other.close()
    assert person.external() == [] and not unexpected(person.console)


def test_a_coordinator_registers_and_renames_an_organisation(
    person: Watched,  # noqa: F811
    keys: dict[str, str],
    services: Services,
) -> None:
    page = person.page
    sign_in(person, keys["coordinator"])
    page.get_by_role("link", name="Organisations").click()
    # when it registers the Basel Institute
    form = page.locator("#organisation-form")
    form.get_by_label("IATI ref").fill("CH-FDJP-CHE109574548")
    form.get_by_label("Name").fill("Basel Institute")
    form.get_by_label("Type").select_option("21")
    form.get_by_label("Country").select_option("CHE")
    accessible(person, "organisations")
    page.get_by_role("button", name="Register organisation").click()
    assert "Recorded: Register an organisation" in page.inner_text("#written")
    assert "CH-FDJP-CHE109574548" in page.inner_text("#organisations")
    # when the same ref is registered again, the words are next to the IATI ref and nothing is written
    before = services.ledger.position()
    form = page.locator("#organisation-form")
    form.get_by_label("IATI ref").fill("CH-FDJP-CHE109574548")
    form.get_by_label("Name").fill("Basel Institute again")
    form.get_by_label("Type").select_option("21")
    page.get_by_role("button", name="Register organisation").click()
    assert "organisation-already-registered" in page.inner_text("#organisation-ref-error")
    assert page.get_by_label("Name").input_value() == "Basel Institute again"
    assert services.ledger.position() == before
    # when it renames the organisation
    person.open("/organisations")
    page.get_by_role("link", name="Rename Basel Institute").click()
    page.get_by_label("Name").fill("Basel Institute on Governance")
    page.get_by_label("Reason").fill("its full name")
    accessible(person, "organisation-rename")
    page.get_by_role("button", name="Rename").click()
    assert "Basel Institute on Governance" in page.inner_text("#organisations")
    assert services.ledger.organisation(organisation_id("CH-FDJP-CHE109574548")).name == "Basel Institute on Governance"


def test_an_iati_file_uploaded_in_a_form_is_imported_and_its_report_shown(
    person: Watched,  # noqa: F811
    keys: dict[str, str],
    services: Services,
    tmp_path: Path,
) -> None:
    page = person.page
    sign_in(person, keys["admin"])
    page.get_by_role("link", name="Import IATI").click()
    # when a file declaring entities is uploaded, it is refused with its code next to the file, nothing written
    before = services.ledger.position()
    page.get_by_label("IATI activity file").set_input_files(str(FIXTURES / "dtd-entities.xml"))
    page.get_by_role("button", name="Import file").click()
    assert "iati-xml-dtd-forbidden" in page.inner_text("#iati-file-error")
    assert services.ledger.position() == before
    accessible(person, "iati-refused")
    # when a valid activity file is uploaded
    upload = tmp_path / "one-activity.xml"
    upload.write_bytes(document(activity_xml()))
    page.get_by_label("IATI activity file").set_input_files(str(upload))
    page.get_by_label("Reason").fill("the desk's quarterly file")
    page.get_by_role("button", name="Import file").click()
    # then the report is on the page, and the log moved
    report = page.inner_text("#report")
    assert "1 seen, 1 imported" in report
    assert services.ledger.position() > before
    accessible(person, "iati-imported")
    assert person.external() == [] and not unexpected(person.console)
