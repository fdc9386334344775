"""Each mapping rule of DESIGN §9 on a small file: given a ledger, when an activity is imported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import InvalidInput
from domain.organisations import Organisation
from domain.programmes import CLOSED, IMPLEMENTATION, Programme, programme_id_for
from tests.support.iati_import import (
    FIXTURES,
    events_after,
    head,
    identify,
    imported,
    names,
    org_id,
    programme,
)
from tests.support.iati_xml import PARTS, activity_xml, document

IDENTIFIER = "XM-DAC-1-PROG-7"  # the builders' activity


def test_an_activity_becomes_a_programme_with_its_organisations_and_money(services):
    # Given an empty ledger and one activity: reporter and funder XM-DAC-1, implementer UNODC, Kenya
    start = head(services)
    # When it is imported
    report = imported(services, document(activity_xml()))
    # Then the two organisations, the programme and its commitment are recorded, nothing else
    assert report["activities"] == {
        "seen": 1,
        "filtered_out": 0,
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert names(events_after(services, start)) == [
        "OrganisationRegistered",
        "OrganisationRegistered",
        "ProgrammeRegistered",
        "CommitmentRecorded",
    ]
    assert report["events"] == 4 and report["position"] == head(services)
    assert report["organisations_registered"] == 2
    assert report["transactions"]["imported"] == {"2": 1}
    p = programme(services, IDENTIFIER)
    assert (p.title, p.states, p.status) == ("Asset recovery training", ["KEN"], IMPLEMENTATION)
    assert (p.start, p.end) == (date(2024, 1, 15), date(2025, 12, 31))
    assert p.funders == [org_id("XM-DAC-1")] and p.implementers == [org_id("XI-IATI-UNODC")]
    assert p.reporting_org == org_id("XM-DAC-1")
    assert p.commitments["c-1"]["amount"] == Decimal("250000.00")
    assert p.commitments["c-1"]["currency"] == "EUR"
    assert p.commitments["c-1"]["funder"] == org_id("XM-DAC-1")
    unodc = services.ledger.organisation_by_ref("XI-IATI-UNODC")
    assert (unodc.name, unodc.org_type) == ("UNODC", "40")


def test_uncac_tags_link_the_open_needs_of_the_programmes_states_under_those_articles(services):
    # Given Kenya's open need under article 5, a met one, one under article 6, and Uganda's under 5
    wanted = identify(services, "KEN", 5, "asset declarations")
    met = identify(services, "KEN", 5, "already done")
    services.ledger.change_need(met, lambda n: n.mark_met("delivered"))
    other_article = identify(services, "KEN", 6)
    other_state = identify(services, "UGA", 5)
    # When an activity in Kenya tagged UNCAC-5 is imported
    report = imported(services, document(activity_xml()))
    # Then only Kenya's open article-5 need is linked, without a share (an equal split)
    assert report["needs_linked"] == 1
    links = programme(services, IDENTIFIER).links
    assert links == {wanted: None}
    assert met not in links and other_article not in links and other_state not in links


def test_a_tag_removed_from_the_file_unlinks_its_needs_and_no_tag_at_all_leaves_links_alone(services):
    # Given a programme imported with tags UNCAC-5 and UNCAC-6, linked to a need under each
    five, six = identify(services, "KEN", 5), identify(services, "KEN", 6)
    tags = '<tag vocabulary="99" code="UNCAC-5"/><tag vocabulary="99" code="UNCAC-6"/>'
    imported(services, document(activity_xml(tag=tags)))
    assert set(programme(services, IDENTIFIER).links) == {five, six}
    # When the file keeps only UNCAC-5
    report = imported(services, document(activity_xml()))
    # Then the article-6 need is unlinked
    assert report["needs_unlinked"] == 1 and report["activities"]["updated"] == 1
    assert set(programme(services, IDENTIFIER).links) == {five}
    # And when the file carries no UNCAC tag at all, the links stay as they are
    start = head(services)
    report = imported(services, document(activity_xml(tag="")))
    assert report["activities"]["unchanged"] == 1 and head(services) == start
    assert set(programme(services, IDENTIFIER).links) == {five}


def test_without_a_funder_ref_the_reporting_org_funds_the_programme_and_the_report_says_so(services):
    # Given an activity whose only funder has no ref
    funder_without_ref = '<participating-org role="1" type="10"><narrative>Spain</narrative></participating-org>'
    # When it is imported
    report = imported(services, document(activity_xml(participating_org=funder_without_ref)))
    # Then the reporting org is the funder, and a note says so
    p = programme(services, IDENTIFIER)
    assert p.funders == [org_id("XM-DAC-1")] and p.implementers == []
    notes = [n["note"] for n in report["notes"]]
    assert any("reporting org XM-DAC-1 is recorded as the funder" in n for n in notes)


def test_countries_not_party_to_uncac_are_dropped_and_an_activity_without_a_party_is_skipped(services):
    # Given one activity in Kenya and Eritrea (not a party), another in Eritrea alone, one in none
    both = activity_xml(recipient_country='<recipient-country code="KE"/><recipient-country code="ER"/>')
    eritrea = activity_xml(
        iati_identifier="<iati-identifier>XM-DAC-1-ER</iati-identifier>",
        recipient_country='<recipient-country code="ER"/>',
    )
    nowhere = activity_xml(iati_identifier="<iati-identifier>XM-DAC-1-REGION</iati-identifier>", recipient_country="")
    # When they are imported
    report = imported(services, document(both, eritrea, nowhere))
    # Then the first is a programme in Kenya only, noted; the others are skipped with their reasons
    assert programme(services, IDENTIFIER).states == ["KEN"]
    assert any("not party to UNCAC dropped: ERI" in n["note"] for n in report["notes"])
    assert [(s["iati_identifier"], s["index"], s["code"]) for s in report["skipped"]] == [
        ("XM-DAC-1-ER", 1, "no-party-state"),
        ("XM-DAC-1-REGION", 2, "no-recipient-country"),
    ]


def test_a_closed_activity_with_money_is_registered_open_and_closed_after_its_money(services):
    # Given an activity reported closed (status 4) with a commitment and a disbursement
    money = PARTS["transaction"] + (
        '<transaction ref="d-1"><transaction-type code="3"/>'
        '<transaction-date iso-date="2024-06-01"/>'
        '<value currency="EUR">100000</value></transaction>'
    )
    start = head(services)
    # When it is imported
    imported(services, document(activity_xml(activity_status='<activity-status code="4"/>', transaction=money)))
    # Then it was registered in implementation, took its money, then closed
    assert names(events_after(services, start))[2:] == [
        "ProgrammeRegistered",
        "CommitmentRecorded",
        "DisbursementRecorded",
        "ProgrammeStatusChanged",
    ]
    p = programme(services, IDENTIFIER)
    assert p.status == CLOSED and set(p.disbursements) == {"d-1"}
    # without a provider-org, the disbursement's funder is the programme's first funder
    assert p.disbursements["d-1"]["funder"] == org_id("XM-DAC-1")


def test_a_domain_error_skips_only_that_activity_and_keeps_nothing_of_it(services):
    # Given a file whose first activity names a new implementer and an Estonian kroon commitment
    # (a withdrawn currency IATI still lists but the ledger refuses), and a sound second activity
    kroon = PARTS["transaction"].replace('currency="EUR"', 'currency="EEK"')
    implementer = (
        '<participating-org role="1" ref="XM-DAC-1" type="10"/><participating-org role="4" ref="XM-NEW-1" type="22"/>'
    )
    bad = activity_xml(
        iati_identifier="<iati-identifier>XM-DAC-1-BAD</iati-identifier>",
        participating_org=implementer,
        transaction=kroon,
    )
    # When both are imported
    report = imported(services, document(bad, activity_xml()))
    # Then the first is skipped with the ledger's reason and none of its commands was kept
    assert [(s["index"], s["code"]) for s in report["skipped"]] == [(0, "unknown-currency")]
    assert services.ledger.find(Organisation, org_id("XM-NEW-1")) is None
    assert services.ledger.find(Programme, programme_id_for("XM-DAC-1-BAD")) is None
    # And the second is imported whole
    assert report["activities"]["imported"] == 1
    assert report["events"] == head(services)


def test_other_transaction_types_and_zero_amounts_are_counted_not_recorded(services):
    # Given incoming funds (1), an expenditure (4), a zero commitment and a pledge (12)
    money = "".join(
        f'<transaction ref="{ref}"><transaction-type code="{code}"/>'
        f'<transaction-date iso-date="2024-02-01"/><value currency="USD">{value}</value>'
        "</transaction>"
        for ref, code, value in (("in-1", "1", "5000"), ("ex-1", "4", "-20"), ("c-0", "2", "0"), ("p-1", "12", "90000"))
    )
    # When imported
    report = imported(services, document(activity_xml(transaction=money)))
    # Then only the pledge is recorded, the others are counted by type
    assert report["transactions"]["imported"] == {"12": 1}
    assert report["transactions"]["ignored"] == {"1": 1, "2": 1, "4": 1}
    assert programme(services, IDENTIFIER).commitments["p-1"]["kind"] == "pledge"


def test_a_duplicate_identifier_in_one_file_skips_the_later_activity(services):
    # Given a file with the same activity twice
    report = imported(services, document(activity_xml(), activity_xml()))
    # Then the first is imported, the second skipped, naming the first
    assert report["activities"]["imported"] == 1
    assert report["skipped"][0]["index"] == 1
    assert report["skipped"][0]["reason"].startswith("duplicate-identifier: ")


def test_an_organisation_without_a_known_type_is_registered_as_other(services):
    # Given an implementer without a type and a funder with a type IATI does not have
    orgs = (
        '<participating-org role="1" ref="XM-DAC-9" type="999"><narrative>Odd</narrative>'
        '</participating-org><participating-org role="4" ref="XM-IMPL-2"/>'
    )
    # When imported
    imported(services, document(activity_xml(participating_org=orgs)))
    # Then both are "90" (Other); one without a name is named by its ref
    odd, nameless = (services.ledger.organisation_by_ref(r) for r in ("XM-DAC-9", "XM-IMPL-2"))
    assert (odd.org_type, nameless.org_type, nameless.name) == ("90", "90", "XM-IMPL-2")


def test_the_sector_filter_keeps_only_activities_with_a_wanted_dac_code(services):
    # Given an anti-corruption activity (15113) and a health one (12230)
    health = activity_xml(
        iati_identifier="<iati-identifier>XM-DAC-1-HEALTH</iati-identifier>",
        sector='<sector vocabulary="1" code="12230"/>',
    )
    # When imported with the sector filter 15113
    report = imported(services, document(activity_xml(), health), sectors=["15113"])
    # Then only the first is imported, the other counted as filtered out
    assert report["activities"]["filtered_out"] == 1 and report["activities"]["imported"] == 1
    assert services.ledger.find(Programme, programme_id_for(IDENTIFIER)) is not None
    assert services.ledger.find(Programme, programme_id_for("XM-DAC-1-HEALTH")) is None


@pytest.mark.parametrize(
    "fixture, code",
    [
        ("legacy-v1.03.xml", "iati-version-unsupported"),
        ("empty.xml", "iati-empty"),
        ("organisations-root.xml", "iati-not-activities"),
    ],
)
def test_a_file_refused_whole_writes_nothing(services, fixture, code):
    # Given a file refused as a whole
    start = head(services)
    # When imported, then it is refused with its code and the log is untouched
    with pytest.raises(InvalidInput) as refused:
        imported(services, FIXTURES / fixture)
    assert refused.value.code == code
    assert head(services) == start


def test_a_file_broken_after_sound_activities_writes_none_of_them(services):
    # Given a sound activity, then XML cut off in the middle of the next one
    second = activity_xml(iati_identifier="<iati-identifier>XM-DAC-1-NEXT</iati-identifier>")
    cut = document(activity_xml(), second)[:-200]
    start = head(services)
    # When imported, then the file is refused as malformed and not even the first activity is kept
    with pytest.raises(InvalidInput) as refused:
        imported(services, cut)
    assert refused.value.code == "iati-xml-malformed" and "line" in refused.value.detail
    assert head(services) == start


def test_a_programme_made_after_the_views_were_read_makes_the_import_conflict_and_a_retry_completes(services):
    # Given the activity's programme in the ledger, and an import told (stale) that none exists
    from api.iati.importer import Known, import_file
    from api.iati.plan import NeedIndex
    from domain.errors import ConcurrentChange

    imported(services, document(activity_xml()))
    changed = document(activity_xml(activity_status='<activity-status code="3"/>'))
    start = head(services)
    # When imported with the stale view of the ledger, then the save conflicts and writes nothing
    with pytest.raises(ConcurrentChange):
        import_file(services.ledger, changed, "changed.xml", NeedIndex(), known=Known(frozenset(), frozenset()))
    assert head(services) == start
    # And importing again (views caught up) appends only the difference
    report = imported(services, changed)
    assert report["activities"]["updated"] == 1 and names(events_after(services, start)) == ["ProgrammeStatusChanged"]
