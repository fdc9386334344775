"""`POST /v1/imports/iati` and `GET /v1/exports/iati` over real HTTP, admin and provider keys."""

from __future__ import annotations

from datetime import date

from api.iati.export import validate
from api.iati.parse import iter_activities
from tests.support.iati_import import FIXTURES, LEGACY, MAEC, events_after, head, programme
from tests.support.iati_xml import activity_xml, document
from tests.support.servers import client_for

XML = {"Content-Type": "application/xml"}


def test_an_admin_imports_a_raw_xml_body_and_a_second_import_appends_nothing(http, services):
    # When an admin posts MAEC's file as the raw body
    first = http.post("/v1/imports/iati?filename=maec.xml", content=MAEC.read_bytes(), headers=XML)
    # Then the answer is the report, ending at the log head
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["file"] == "maec.xml" and report["activities"]["seen"] == 83
    assert report["activities"]["imported"] + report["activities"]["skipped"] == 83
    assert report["position"] == head(services)
    # And its events name the admin key and the file
    event = events_after(services, report["position"] - 1)[0]
    assert event.actor.startswith("test admin#") and event.reason == "IATI import of maec.xml"
    # When the same file is uploaded again, as a multipart form
    upload = {"file": ("maec.xml", MAEC.read_bytes(), "text/xml")}
    again = http.post("/v1/imports/iati", files=upload)
    # Then nothing is appended
    assert again.status_code == 200 and again.json()["events"] == 0
    assert head(services) == report["position"]


def test_files_refused_whole_answer_422_problems_with_their_code(http, services):
    # When the legacy 1.0 file, a cut-off file, an empty body and a file declaring entities are posted
    start = head(services)
    legacy = http.post("/v1/imports/iati", content=LEGACY.read_bytes(), headers=XML)
    cut = http.post("/v1/imports/iati", content=document(activity_xml())[:-60], headers=XML)
    empty = http.post("/v1/imports/iati", content=b"", headers={"Content-Type": "text/xml"})
    dtd = http.post("/v1/imports/iati", files={"file": ("x.xml", (FIXTURES / "dtd-entities.xml").read_bytes())})
    # Then each is a 422 problem naming why, and nothing is written
    refused = (
        (legacy, "iati-version-unsupported"),
        (cut, "iati-xml-malformed"),
        (empty, "iati-empty"),
        (dtd, "iati-xml-dtd-forbidden"),
    )
    for answer, code in refused:
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == code
    assert "only IATI versions 2.01–2.03" in legacy.json()["detail"]
    assert head(services) == start


def test_a_body_that_is_not_xml_or_a_form_is_refused_415(http):
    # When JSON is posted, then it is refused as a media type the import does not read
    answer = http.post("/v1/imports/iati", json={"file": "<iati-activities/>"})
    assert answer.status_code == 415 and answer.json()["code"] == "unsupported-media-type"


def test_a_provider_imports_only_the_activities_its_organisation_reports(server, services, keys):
    # Given the provider key of GB-GOV-1, and a programme of DE-1 already in the ledger
    def act(identifier: str, reporter: str, funder: str) -> str:
        return activity_xml(
            iati_identifier=f"<iati-identifier>{identifier}</iati-identifier>",
            reporting_org=f'<reporting-org ref="{reporter}" type="10">'
            f"<narrative>{reporter}</narrative></reporting-org>",
            participating_org=f'<participating-org role="1" ref="{funder}" type="10"/>',
            transaction='<transaction ref="c-1"><transaction-type code="2"/>'
            '<transaction-date iso-date="2024-01-20"/>'
            '<value currency="EUR">1000</value>'
            f'<provider-org ref="{funder}"/></transaction>',
        )

    with client_for(server, keys["admin"]) as admin:
        admin.post("/v1/imports/iati", content=document(act("DE-1-P", "DE-1", "DE-1")), headers=XML)
    start = head(services)
    # When the provider imports its own activity, one it funds, one of another org, and a file that
    # claims GB-GOV-1 funds DE-1's programme
    file = document(
        act("GB-GOV-1-A", "GB-GOV-1", "GB-GOV-1"),
        act("XM-1-B", "XM-1", "GB-GOV-1"),
        act("XM-1-C", "XM-1", "XM-1"),
        act("DE-1-P", "DE-1", "GB-GOV-1"),
    )
    with client_for(server, keys["provider"]) as provider:
        answer = provider.post("/v1/imports/iati", content=file, headers=XML)
    # Then only its own is imported (it registers only programmes it reports); the others are skipped one by one
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["activities"]["imported"] == 1
    assert [(s["iati_identifier"], s["code"]) for s in report["skipped"]] == [
        ("XM-1-B", "forbidden-scope"),
        ("XM-1-C", "forbidden-scope"),
        ("DE-1-P", "forbidden-scope"),
    ]
    assert programme(services, "GB-GOV-1-A").title
    # And the events name the provider key and its organisation
    assert {(e.actor_org, e.reason) for e in events_after(services, start)} == {
        ("GB-GOV-1", "IATI import of upload.xml")
    }


def test_the_export_is_iati_2_03_xml_valid_against_the_schema_and_filtered(http, services):
    # Given two programmes, one in Kenya funded by XM-DAC-1 and one in Uganda funded by XM-DAC-2
    uganda = activity_xml(
        iati_identifier="<iati-identifier>XM-DAC-2-UG</iati-identifier>",
        participating_org='<participating-org role="1" ref="XM-DAC-2" type="10"/>',
        recipient_country='<recipient-country code="UG"/>',
        transaction="",
    )
    posted = http.post("/v1/imports/iati", content=document(activity_xml(), uganda), headers=XML)
    position = posted.json()["position"]
    # When all are exported, then the XML is valid IATI 2.03 with both
    everything = http.get(f"/v1/exports/iati?min_position={position}")
    assert everything.status_code == 200 and everything.headers["content-type"] == "application/xml"
    assert validate(everything.content) == []
    assert b'version="2.03"' in everything.content
    assert identifiers(everything.content) == ["XM-DAC-1-PROG-7", "XM-DAC-2-UG"]
    # And the filters keep the programmes of one funder or one state
    assert identifiers(http.get("/v1/exports/iati?funder=XM-DAC-2").content) == ["XM-DAC-2-UG"]
    assert identifiers(http.get("/v1/exports/iati?state=KEN").content) == ["XM-DAC-1-PROG-7"]
    assert identifiers(http.get("/v1/exports/iati?state=ken&funder=XM-DAC-2").content) == []


def test_a_provider_may_export_but_an_anonymous_reader_may_not(server, keys):
    # When a provider and an anonymous reader ask for the export, then only the provider gets it
    with client_for(server, keys["provider"]) as provider:
        assert provider.get("/v1/exports/iati").status_code == 200
    with client_for(server, None) as anonymous:
        assert anonymous.get("/v1/exports/iati").status_code == 401


def identifiers(xml: bytes) -> list[str]:
    return sorted(a.iati_identifier for a in iter_activities(xml))


def test_the_exported_dates_read_back_as_the_programmes_period(http, services):
    # Given a programme imported with its period, when exported and read, then it has that period
    posted = http.post("/v1/imports/iati", content=document(activity_xml()), headers=XML)
    exported = http.get(f"/v1/exports/iati?min_position={posted.json()['position']}")
    (activity,) = list(iter_activities(exported.content))
    assert (activity.start, activity.end) == (date(2024, 1, 15), date(2025, 12, 31))


def test_a_file_beyond_the_body_limit_is_refused_413_before_it_is_read(http, services):
    # Given the app's body limit (5 MB by default), when a larger file is posted
    start = head(services)
    too_big = b"<iati-activities version='2.03'>" + b" " * services.settings.max_body_bytes
    answer = http.post("/v1/imports/iati", content=too_big, headers=XML)
    # Then it is refused as too large and nothing is written
    assert answer.status_code == 413 and head(services) == start
