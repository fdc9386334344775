"""Which elements the reader takes as activities, and where in the file it checks the root, across chunks."""

from __future__ import annotations

import pytest

from api.iati.model import Activity, IatiFileError
from api.iati.parse import ActivityReader, iter_activities, survey
from tests.support.iati_xml import activity_xml, document

CHUNK = 1 << 16  # what the reader feeds its parser at a time


def _activity(identifier: str) -> str:
    return activity_xml(iati_identifier=f"<iati-identifier>{identifier}</iati-identifier>")


def _identifiers(source: bytes) -> list[str]:
    items = list(iter_activities(source))
    return [item.iati_identifier if isinstance(item, Activity) else repr(item) for item in items]


def test_only_the_roots_own_iati_activity_children_are_activities() -> None:
    # Given a file with an <iati-activity> nested in another child of the root, between two of the root's own
    source = document(_activity("XM-1"), f"<wrapper>{_activity('XM-NESTED')}</wrapper>", _activity("XM-2"))
    # When it is read, and surveyed
    reader = ActivityReader(source)
    identifiers = [item.iati_identifier for item in reader if isinstance(item, Activity)]
    found = survey(source)
    # Then the nested one is no activity of the file, and the others are read whole
    assert identifiers == ["XM-1", "XM-2"]
    assert reader.seen == 2
    assert (found.activities, found.identifiers) == (2, {"XM-1", "XM-2"})


def test_activities_before_a_break_several_chunks_in_come_out_before_the_error() -> None:
    # Given a file of several chunks broken after its 149th activity by a stray end tag
    whole = [_activity(f"XM-{i}") for i in range(150)]
    source = document(*whole)
    cut = source[: source.rindex(b"<iati-activity ")] + b"</stray>" + source[source.rindex(b"<iati-activity ") :]
    assert len(cut) > 2 * CHUNK
    # When it is read
    read: list[str] = []
    with pytest.raises(IatiFileError) as caught:
        for item in iter_activities(cut):
            assert isinstance(item, Activity)
            read.append(item.iati_identifier)
    # Then every activity before the break was read, then the file refused as malformed
    assert read == [f"XM-{i}" for i in range(149)]
    assert caught.value.code == "iati-xml-malformed"


@pytest.mark.parametrize(("version", "code"), [("1.05", "iati-version-unsupported"), ("2.03", None)])
def test_the_root_is_checked_even_when_it_starts_chunks_into_the_file(version: str, code: str | None) -> None:
    # Given a file whose root element starts after more than two chunks of comment
    padding = b"<!-- " + b"x" * (2 * CHUNK + 100) + b" -->\n"
    body = document(_activity("XM-1"), _activity("XM-2"), version=version)
    declaration, rest = body.split(b"\n", 1)
    source = declaration + b"\n" + padding + rest
    if code is None:
        # When it is read, Then its activities are read (the chunks read to find the root are not lost)
        assert _identifiers(source) == ["XM-1", "XM-2"]
    else:
        # When it is read, Then its version is refused before anything is yielded
        with pytest.raises(IatiFileError) as caught:
            next(iter_activities(source))
        assert caught.value.code == code
