"""The code tables shipped with the IATI layer, and each shipped copy held to its source in the shared folder."""

from __future__ import annotations

import csv

import pytest
from lxml import etree

from api.iati import model
from tests import paths
from tests.support.ci import unavailable
from tests.support.iati_xml import activity_xml, document

ROOT = paths.ROOT
SHIPPED = ROOT / "api" / "iati"
UN_GROUPS = ROOT / "domain" / "data" / "un-regional-groups.csv"
# Each copy the project ships, and its source in the shared folder
COPIES = {
    "api/iati/codelists/Country.xml": "data/iati/codelists/Country.xml",
    "api/iati/codelists/Currency.xml": "data/iati/codelists/Currency.xml",
    "api/iati/schemas/iati-activities-schema.xsd": "data/iati/schemas/iati-activities-schema.xsd",
    "api/iati/schemas/iati-common.xsd": "data/iati/schemas/iati-common.xsd",
    "domain/data/un-regional-groups.csv": "data/uncac/un-regional-groups.csv",
    **{f"tests/unit/iati/samples/{s.name}": f"data/iati/samples/{s.name}" for s in paths.SAMPLES.glob("*.xml")},
}


def _country_codelist() -> list[str]:
    codelist = etree.parse(str(SHIPPED / "codelists" / "Country.xml"))
    return [code.strip() for code in codelist.xpath("//codelist-item/code/text()")]


def test_every_iati_country_code_has_an_alpha3_and_back():
    # Given the IATI Country codelist (ISO 3166-1 plus Kosovo XK and the withdrawn AN)
    codes = _country_codelist()
    # When mapped through the shipped table
    # Then every code has exactly one alpha-3, and the mapping reverses
    assert set(codes) == set(model.alpha3_by_alpha2())
    assert {model.alpha2_by_alpha3()[model.alpha3_by_alpha2()[c]] for c in codes} == set(codes)
    assert model.alpha3_by_alpha2()["ID"] == "IDN"
    assert model.alpha3_by_alpha2()["XK"] == "XKX"


def test_every_state_of_the_un_regional_groups_has_an_iati_country_code():
    # Given the ledger's list of states (ISO alpha-3), as shipped
    with open(UN_GROUPS, newline="", encoding="utf-8") as rows:
        states = {row["iso3"] for row in csv.DictReader(rows)}
    # When each is looked up, then all but the European Union (a party, not a country) map
    unmapped = {state for state in states if state not in model.alpha2_by_alpha3()}
    assert unmapped == {"EUU"}
    assert {model.alpha2_by_alpha3()[s] for s in states - unmapped} <= set(_country_codelist())


def test_currencies_come_from_the_iati_codelist_withdrawn_codes_included():
    # Given the shipped Currency codelist, then current and withdrawn codes are known
    assert {"EUR", "USD", "IDR", "XOF"} <= model.currency_codes()
    assert "VEF" in model.currency_codes()  # withdrawn, but old files use it
    assert "EUX" not in model.currency_codes()


def test_the_shipped_schema_compiles_offline_and_judges_documents():
    # Given the shipped XSDs (xml.xsd imported locally), compiled without the network
    schema = etree.XMLSchema(etree.parse(str(SHIPPED / "schemas" / "iati-activities-schema.xsd")))
    # Then a valid activity passes, and one with a misspelt element does not
    assert schema.validate(etree.fromstring(document(activity_xml())))
    assert not schema.validate(etree.fromstring(document(activity_xml(title="<titel/>"))))


@pytest.mark.parametrize(("shipped", "source"), COPIES.items(), ids=list(COPIES))
def test_each_shipped_copy_is_its_source_in_the_shared_folder(shipped: str, source: str):
    # Given a codelist, schema or table the project ships, and its source beside the project
    original = paths.SHARED / source
    if not original.exists():
        unavailable(f"{original} not found: the shared folder is not beside the project")
    # Then the copy is the source, byte for byte
    assert (ROOT / shipped).read_bytes() == original.read_bytes()
