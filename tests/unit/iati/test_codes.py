"""The code tables shipped with the IATI layer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

from api.iati import model
from tests import paths

ROOT = paths.ROOT
SHIPPED = ROOT / "api" / "iati"
UN_GROUPS = [
    ROOT / "domain" / "data" / "un-regional-groups.csv",
    Path("/work/shared/data/uncac/un-regional-groups.csv"),
]


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
    # Given the ledger's list of states (ISO alpha-3)
    path = next((p for p in UN_GROUPS if p.exists()), None)
    if path is None:
        pytest.skip("un-regional-groups.csv not available")
    with open(path, newline="", encoding="utf-8") as rows:
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


def test_the_shipped_schema_loads_offline():
    # Given the shipped XSDs (xml.xsd imported locally), when compiled, then they load
    schema = etree.XMLSchema(etree.parse(str(SHIPPED / "schemas" / "iati-activities-schema.xsd")))
    assert schema is not None
