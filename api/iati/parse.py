"""Read IATI activity files (versions 2.01–2.03) one activity at a time, in memory bounded by one activity:
`ActivityReader(source, sectors)` yields each activity in file order, as an `Activity` or as `Skipped` with its
reason, and counts what it saw; a file that cannot be read as a whole raises `IatiFileError`. `source` is a path,
the file's bytes or a binary stream. Specification: docs/iati-import.md.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import chain
from typing import BinaryIO

from lxml import etree

from .activity import all_text, attr, read_activity
from .model import Activity, IatiFileError, Skipped

Source = str | os.PathLike[str] | bytes | BinaryIO

SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
DAC_VOCABULARIES = frozenset({"1", "2"})
_CHUNK = 1 << 16  # bytes fed to the parser at a time


class ActivityReader:
    """Iterate the activities of one IATI file; counts what it saw (docs/iati-import.md)."""

    def __init__(self, source: Source, sectors: Iterable[str] | None = None) -> None:
        self._source = source
        self._sectors = frozenset(code.strip() for code in sectors or ())
        self.seen = self.filtered_out = self.yielded = self.skipped = 0

    def __iter__(self) -> Iterator[Activity | Skipped]:
        self.seen = self.filtered_out = self.yielded = self.skipped = 0
        for index, element in enumerate(_activity_elements(self._source)):
            self.seen += 1
            if self._sectors and not _in_sectors(element, self._sectors):
                self.filtered_out += 1
                continue
            item = read_activity(element, index)
            if isinstance(item, Skipped):
                self.skipped += 1
            else:
                self.yielded += 1
            yield item


def iter_activities(source: Source, sectors: Iterable[str] | None = None) -> Iterator[Activity | Skipped]:
    return iter(ActivityReader(source, sectors))


def check_file(source: str | os.PathLike[str] | bytes) -> int:
    """Raise the file's `IatiFileError` (if any) before anything is imported, in one cheap pass (XML only,
    activities not read), so an importer refuses a broken file whole; counts activities. Needs a source it can
    read twice.
    """
    return survey(source).activities


@dataclass
class Survey:
    """What a file names, read in `check_file`'s pass: how many activities, their identifiers, organisation refs."""

    activities: int = 0
    identifiers: set[str] = field(default_factory=set)
    org_refs: set[str] = field(default_factory=set)


def survey(source: str | os.PathLike[str] | bytes) -> Survey:
    """`check_file`, also collecting the identifiers and organisation refs the file names, so that an importer
    looks up only those in the ledger."""
    found = Survey()
    for element in _activity_elements(source):
        found.activities += 1
        if identifier := all_text(element.find("iati-identifier")):
            found.identifiers.add(identifier)
        for org in chain(element.iterfind("reporting-org"), element.iterfind("participating-org")):
            if ref := attr(org, "ref"):
                found.org_refs.add(ref)
    return found


# --- the file ----------------------------------------------------------------------------------


_OPTIONS = {
    "resolve_entities": False,  # never expanded, never fetched; and a file declaring any is refused (_check_root)
    "load_dtd": False,
    "no_network": True,
    "remove_comments": True,
    "remove_pis": True,
}


def _activity_elements(source: Source) -> Iterator[etree._Element]:
    """Yield each complete <iati-activity> child of the root, then free it (and any other child before it) before
    reading on. The root is checked first (`_root_checked`); the file is then fed to a pull parser a chunk at a
    time that reports the ends of <iati-activity> elements only (so no Python object is made for the others), and
    the events parsed before a syntax error are drained before the error is raised, so the activities before a
    break come out whatever lxml's own buffering (lxml 6 reports the error first).
    """
    parser = etree.XMLPullParser(events=("end",), tag="iati-activity", **_OPTIONS)
    found: dict[str, etree._Element] = {}
    with ExitStack() as stack:
        stream = _open(source, stack)
        head = _root_checked(stream)
        try:
            for chunk in chain(head, iter(lambda: stream.read(_CHUNK), b"")):
                parser.feed(chunk)
                yield from _finished_activities(parser, found)
            parser.close()
        except etree.XMLSyntaxError as error:
            yield from _finished_activities(parser, found)
            raise _syntax_error(error, started=True) from error
        yield from _finished_activities(parser, found)


def _root_checked(stream: BinaryIO) -> list[bytes]:
    """Read the file until its root element starts and check it (`_check_root`), before any activity is read;
    answers the chunks read, which the activities' parser is fed first. A syntax error before the root starts is
    the file's error; one after it is left to the activities' parser, which yields the activities before it.
    """
    parser = etree.XMLPullParser(events=("start",), **_OPTIONS)
    head: list[bytes] = []
    try:
        while chunk := stream.read(_CHUNK):
            head.append(chunk)
            parser.feed(chunk)
            if _root_started(parser):
                return head
        parser.close()
    except etree.XMLSyntaxError as error:
        if _root_started(parser):
            return head
        raise _syntax_error(error, started=False) from error
    if not _root_started(parser):  # close() found an element: libxml2 reported no start before the end
        raise IatiFileError("iati-empty", "the file contains no XML element (empty or not XML)")
    return head


def _root_started(parser: etree.XMLPullParser) -> bool:
    """Whether the root element's start has been read; if so it is checked (`_check_root` raises)."""
    for _, element in parser.read_events():
        _check_root(element)
        return True
    return False


def _finished_activities(parser: etree.XMLPullParser, found: dict[str, etree._Element]) -> Iterator[etree._Element]:
    for _, element in parser.read_events():
        root = found.get("root")
        if root is None:
            root = found["root"] = element.getroottree().getroot()
        if element.getparent() is root:
            yield element
            # Free the finished activity and anything before it: memory stays one activity.
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del root[0]


def _open(source: Source, stack: ExitStack) -> BinaryIO:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        return stack.enter_context(open(source, "rb"))
    return source


def _check_root(root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise IatiFileError(
            "iati-xml-dtd-forbidden",
            "the file has a document type declaration (DTD), which may declare entities; no IATI file needs one: "
            "remove the <!DOCTYPE ...> before the root element",
            root.sourceline,
        )
    if root.tag != "iati-activities":
        raise IatiFileError(
            "iati-not-activities",
            f"the root element is <{root.tag}>, not <iati-activities>: not an IATI activity file",
            root.sourceline,
        )
    version = (root.get("version") or "").strip()
    if not version or version in SUPPORTED_VERSIONS:
        return
    if version.startswith("1"):
        message = (
            f"the file is IATI version {version} (1.x); only IATI versions 2.01–2.03 are "
            "accepted. Ask the publisher for the activities in a 2.0x file."
        )
    else:
        message = f"the file is IATI version {version}; only IATI versions 2.01–2.03 are accepted"
    raise IatiFileError("iati-version-unsupported", message, root.sourceline)


def _syntax_error(error: etree.XMLSyntaxError, started: bool) -> IatiFileError:
    line = error.lineno or None
    # libxml2 reports "no element found" (1) or "start tag expected" (4) when there is no element.
    if not started and error.code in (1, 4):
        return IatiFileError("iati-empty", "the file contains no XML element (empty or not XML)")
    return IatiFileError("iati-xml-malformed", f"the file is not well-formed XML at line {line}: {error.msg}", line)


def _in_sectors(activity: etree._Element, wanted: frozenset[str]) -> bool:
    for sector in chain(activity.iterfind("sector"), activity.iterfind("transaction/sector")):
        vocabulary = attr(sector, "vocabulary") or "1"
        code = attr(sector, "code")
        if vocabulary not in DAC_VOCABULARIES or code is None:
            continue
        if code in wanted or (vocabulary == "1" and code[:3] in wanted):
            return True
    return False
