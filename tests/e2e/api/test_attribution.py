"""Attribution (issue 16): a provider key registers only programmes its organisation reports, over HTTP and
through IATI import, and its import registers no organisation. Real HTTP, both stores."""

from __future__ import annotations

from typing import Any

import pytest

from api.root.services import Services
from tests.e2e.api import world
from tests.e2e.api.world import World
from tests.support.iati_import import head, imported, programme
from tests.support.iati_xml import activity_xml, document
from tests.support.servers import LiveServer, client_for

XML = {"Content-Type": "application/xml"}


@pytest.fixture
def w(services: Services, keys: dict[str, str]) -> World:
    return world.build(services.ledger)


def programme_body(reporter: Any, funders: list[Any]) -> dict[str, Any]:
    return {
        "title": "Whistle-blower protection",
        "reporting_org": str(reporter),
        "funders": [str(f) for f in funders],
        "states": ["KEN"],
        "status": 1,
    }


def activity(identifier: str, reporter: str, funder: str, implementer: str | None = None) -> str:
    """An activity reported by `reporter`, funded by `funder`, with a 1,000 EUR commitment from the funder."""
    implementing = f'<participating-org role="4" ref="{implementer}" type="21"/>' if implementer else ""
    return activity_xml(
        iati_identifier=f"<iati-identifier>{identifier}</iati-identifier>",
        reporting_org=f'<reporting-org ref="{reporter}" type="10"><narrative>{reporter}</narrative></reporting-org>',
        participating_org=f'<participating-org role="1" ref="{funder}" type="10"/>{implementing}',
        transaction='<transaction ref="c-1"><transaction-type code="2"/>'
        '<transaction-date iso-date="2024-01-20"/>'
        '<value currency="EUR">1000</value>'
        f'<provider-org ref="{funder}"/></transaction>',
    )


def test_a_provider_may_not_register_a_programme_another_organisation_reports_even_as_a_funder(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # Given the FCDO's provider key
    start = head(services)
    with client_for(server, keys["provider"]) as fcdo:
        # When it registers a programme the German Foreign Office reports, once naming only DE-1 and once naming
        # itself a funder too
        alone = fcdo.post("/v1/programmes", json=programme_body(w.other_org, [w.other_org]))
        as_funder = fcdo.post("/v1/programmes", json=programme_body(w.other_org, [w.other_org, w.org]))
        # Then both are refused 403 as problem+json (outside its organisation; a funder but not the reporter),
        # and nothing is written
        for r, code in ((alone, "forbidden-scope"), (as_funder, "not-reporting-organisation")):
            assert r.status_code == 403, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == code
        assert head(services) == start
        # And a programme it reports, funded by another organisation, is registered
        mine = fcdo.post("/v1/programmes", json=programme_body(w.org, [w.other_org]))
        assert mine.status_code == 201, mine.text
        assert mine.json()["reporting_org"] == str(w.org)


def test_an_admin_registers_a_programme_on_any_organisations_behalf(
    server: LiveServer, keys: dict[str, str], w: World
) -> None:
    with client_for(server, keys["admin"]) as admin:
        r = admin.post("/v1/programmes", json=programme_body(w.other_org, [w.org]))
    assert r.status_code == 201, r.text


def test_a_providers_import_registers_only_activities_its_organisation_reports(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # Given the FCDO's key, and a file with its own activity and one DE-1 reports naming GB-GOV-1 its funder
    file = document(activity("GB-GOV-1-A", "GB-GOV-1", "GB-GOV-1"), activity("DE-1-B", "DE-1", "GB-GOV-1"))
    with client_for(server, keys["provider"]) as fcdo:
        answer = fcdo.post("/v1/imports/iati", content=file, headers=XML)
    # Then only its own is imported; the other is skipped with a reason
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["activities"]["imported"] == 1
    assert [(s["iati_identifier"], s["code"]) for s in report["skipped"]] == [("DE-1-B", "forbidden-scope")]
    assert "does not report" in report["skipped"][0]["reason"]
    assert programme(services, "GB-GOV-1-A").reporting_org == w.org


def test_a_providers_import_registers_no_organisation_and_lists_the_unknown_refs(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # Given the FCDO's own activities, one naming an implementer the ledger does not know, one funded by DE-1
    file = document(
        activity("GB-GOV-1-X", "GB-GOV-1", "GB-GOV-1", implementer="XM-NEW-9"),
        activity("GB-GOV-1-Y", "GB-GOV-1", "DE-1"),
    )
    start = head(services)
    with client_for(server, keys["provider"]) as fcdo:
        answer = fcdo.post("/v1/imports/iati", content=file, headers=XML)
    # Then the activity naming the unregistered ref is skipped as unknown-organisation and the ref is listed
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [(s["iati_identifier"], s["code"]) for s in report["skipped"]] == [("GB-GOV-1-X", "unknown-organisation")]
    assert "XM-NEW-9" in report["skipped"][0]["reason"]
    assert report["unknown_organisations"] == ["XM-NEW-9"]
    assert report["organisations_registered"] == 0
    # And no organisation was registered, while the activity naming known organisations was imported
    with client_for(server, keys["admin"]) as admin:
        refs = {o["ref"] for o in admin.get("/v1/organisations", params={"limit": 100}).json()["items"]}
    assert "XM-NEW-9" not in refs and "GB-GOV-1" in refs
    assert report["activities"]["imported"] == 1 and head(services) > start


def test_the_admin_cli_import_may_still_register_organisations(services: Services, keys: dict[str, str]) -> None:
    # Given a file naming organisations the ledger does not know, imported as the CLI does (no acting organisation)
    file = document(activity("XM-7-A", "XM-7", "XM-8", implementer="XM-9"))
    report = imported(services, file)
    # Then they are registered, and nothing is listed as unknown
    assert report["activities"]["imported"] == 1, report
    assert report["organisations_registered"] == 3
    assert report["unknown_organisations"] == []


def test_a_providers_import_records_another_funders_money_as_its_unconfirmed_report(
    server: LiveServer, keys: dict[str, str], services: Services, w: World
) -> None:
    # Given the FCDO's own activity, funded by DE-1, whose commitment names DE-1 as the provider
    file = document(activity("GB-GOV-1-R", "GB-GOV-1", "DE-1"))
    with client_for(server, keys["provider"]) as fcdo:
        answer = fcdo.post("/v1/imports/iati", content=file, headers=XML)
    # Then the activity is imported and the commitment is the FCDO's report, not yet confirmed by DE-1
    assert answer.status_code == 200, answer.text
    assert answer.json()["activities"]["imported"] == 1, answer.json()
    commitment = programme(services, "GB-GOV-1-R").commitments["c-1"]
    assert commitment["funder"] == w.other_org and commitment["reported_by"] == w.org
    assert commitment["confirmation"] == "unconfirmed"
    # And an admin importing the same kind of file records the money as DE-1's own, as before
    report = imported(services, document(activity("DE-1-S", "GB-GOV-1", "DE-1")))
    assert report["activities"]["imported"] == 1
    assert "reported_by" not in programme(services, "DE-1-S").commitments["c-1"]
