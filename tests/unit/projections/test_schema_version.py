"""The views' schema version is a fingerprint of the tables and of the kept shape, so a release that
changes either cannot ship without the rebuild it needs."""

from __future__ import annotations

import re

import pytest

from projections import kept
from projections.kept import Tally
from projections.store import schema


def test_the_schema_version_is_twelve_hex_digits_of_the_tables_and_the_kept_shape() -> None:
    # Given this release's CREATE statements and kept shape, when they are fingerprinted
    version = schema.fingerprint(schema.FINGERPRINTED, kept.SHAPE)
    # Then that is the schema version the views are stored under
    assert version == schema.SCHEMA_VERSION
    assert re.fullmatch("[0-9a-f]{12}", version)


def test_a_changed_create_statement_changes_the_schema_version() -> None:
    # Given the view_needs table with one column more
    tables = [t.replace(" tally TEXT,", " tally TEXT, note TEXT,") for t in schema.TABLES]
    assert tables != schema.TABLES
    # When it is fingerprinted, then the version differs
    assert schema.fingerprint(tables, kept.SHAPE) != schema.SCHEMA_VERSION


@pytest.mark.parametrize("part", sorted(kept.SHAPE))
def test_a_field_added_to_the_kept_shape_changes_the_schema_version(part: str) -> None:
    # Given one more field in one part of the kept shape (a Tally count or sum, a dimension, a cell field)
    shape = {**kept.SHAPE, part: (*kept.SHAPE[part], "new")}
    # When it is fingerprinted, then the version differs
    assert schema.fingerprint(schema.FINGERPRINTED, shape) != schema.SCHEMA_VERSION


def test_a_renamed_tally_field_changes_the_schema_version() -> None:
    # Given the tally's "gap" sum renamed
    shape = {**kept.SHAPE, "tally sums": tuple("gap_known" if s == "gap" else s for s in kept.SUMS)}
    # When it is fingerprinted, then the version differs
    assert schema.fingerprint(schema.FINGERPRINTED, shape) != schema.SCHEMA_VERSION


def test_the_kept_shape_is_the_shape_a_tally_is_stored_in() -> None:
    # Given an empty tally as stored
    stored = Tally().to_json()
    # Then its counts, sums and leftover books are the ones the schema version is made of
    assert tuple(stored["counts"]) == kept.SHAPE["tally counts"]
    assert tuple(stored["sums"]) == kept.SHAPE["tally sums"]
    assert tuple(stored["unconverted"]) == kept.SHAPE["tally leftover books"]
