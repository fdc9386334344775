"""A file that cannot be read as a whole raises IatiFileError with a stable code."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.iati.model import IatiFileError
from api.iati.parse import ActivityReader, iter_activities
from tests.support.iati_xml import activity_xml, document

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).parent / "samples"


def _error(source) -> IatiFileError:
    with pytest.raises(IatiFileError) as caught:
        list(iter_activities(source))
    return caught.value


@pytest.mark.parametrize("path", [SAMPLES / "worldbank-v1-legacy.xml", FIXTURES / "legacy-v1.03.xml"], ids=str)
def test_a_version_1_file_is_refused_with_a_clear_message_before_anything_is_yielded(path):
    # Given an IATI 1.x file
    activities = iter_activities(path)
    # When the first item is asked for
    with pytest.raises(IatiFileError) as caught:
        next(activities)
    # Then the file is refused, saying it is 1.x and which versions are accepted
    assert caught.value.code == "iati-version-unsupported"
    assert "IATI version 1." in str(caught.value)
    assert "1.x" in str(caught.value)
    assert "only IATI versions 2.01–2.03 are accepted" in str(caught.value)


def test_a_version_other_than_2_01_to_2_03_is_refused():
    # Given a file claiming a version that does not exist yet, when read
    error = _error(document(activity_xml(), version="3.0"))
    # Then it is refused
    assert error.code == "iati-version-unsupported"
    assert "3.0" in str(error)


def test_broken_xml_midway_raises_after_the_activities_before_it_with_the_line():
    # Given a file whose third activity is cut off at line 20
    reader = ActivityReader(FIXTURES / "broken-midway.xml")
    received = []
    # When it is read
    with pytest.raises(IatiFileError) as caught:
        received.extend(reader)
    # Then the two whole activities came out first, and the error names the line
    assert [a.iati_identifier for a in received] == ["XM-DAC-1-A", "XM-DAC-1-B"]
    assert caught.value.code == "iati-xml-malformed"
    assert caught.value.line == 20
    assert "line 20" in str(caught.value)


@pytest.mark.parametrize("source", [FIXTURES / "empty.xml", FIXTURES / "declaration-only.xml", b"", b"  \n "])
def test_a_file_without_any_element_is_empty(source):
    # Given a file with no element at all, when read, then it is reported empty
    assert _error(source).code == "iati-empty"


def test_a_file_with_another_root_is_not_an_activity_file():
    # Given an IATI organisation file, when read
    error = _error(FIXTURES / "organisations-root.xml")
    # Then it is refused for its root element
    assert error.code == "iati-not-activities"
    assert "<iati-organisations>" in str(error)


def test_a_broken_root_start_is_malformed_not_empty():
    # Given a root tag that never closes its attribute, when read
    error = _error(b'<iati-activities version="2.03')
    # Then the file is malformed
    assert error.code == "iati-xml-malformed"


def test_an_activity_file_with_no_activity_yields_nothing():
    # Given a well-formed root without activities (a valid export of nothing, bar the schema)
    reader = ActivityReader(b'<iati-activities version="2.03"/>')
    # When read, then nothing comes out and nothing is raised
    assert list(reader) == []
    assert reader.seen == 0
