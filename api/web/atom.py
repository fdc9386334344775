"""Atom 1.0 documents (RFC 4287), written with lxml: a feed and its entries, newest first, nothing else.

Every element the RFC requires is always written (feed and entry `id`, `title`, `updated`, an author, a
`rel="alternate"` link), so a feed can be no less than valid; content is HTML (`type="html"`), escaped
by the serialiser. The same input gives the same bytes, which is what the feeds' strong ETags stand on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # an empty feed's `updated`: nothing in it ever changed


@dataclass(frozen=True)
class Category:
    term: str
    label: str
    scheme: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str  # a permanent IRI: `urn:uuid:…`
    title: str
    updated: datetime
    link: str  # absolute: the page the entry is about
    author: str
    summary: str
    content_html: str
    published: datetime | None = None
    categories: Sequence[Category] = field(default_factory=tuple)


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_link: str
    alternate_link: str
    author: str
    entries: Sequence[Entry]
    lang: str = "en"  # the language of its words (`xml:lang`): the data people typed stays as typed
    generator: str = "UNCAC technical-assistance ledger"

    @property
    def updated(self) -> datetime:
        """The latest change of any entry (an empty feed: the epoch)."""
        return max((e.updated for e in self.entries), default=EPOCH)


def stamp(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC, as precise as recorded (`2024-05-01T09:30:00.123456Z`): two changes
    within one second still read as two."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def document(feed: Feed) -> bytes:
    """The feed as an Atom document, UTF-8, with its XML declaration."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set(XML_LANG, feed.lang)
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", stamp(feed.updated))
    _add(_add(root, "author"), "name", feed.author)
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_link)
    _add(root, "generator", feed.generator)
    for entry in feed.entries:
        _entry(root, entry)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _entry(root: Any, entry: Entry) -> None:
    node = _add(root, "entry")
    _add(node, "id", entry.id)
    _add(node, "title", entry.title, type="text")
    _add(node, "updated", stamp(entry.updated))
    if entry.published is not None:
        _add(node, "published", stamp(entry.published))
    _add(_add(node, "author"), "name", entry.author)
    _add(node, "link", rel="alternate", type="text/html", href=entry.link)
    for c in entry.categories:
        _add(node, "category", term=c.term, label=c.label, **({"scheme": c.scheme} if c.scheme else {}))
    _add(node, "summary", entry.summary, type="text")
    _add(node, "content", entry.content_html, type="html")


def _add(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
    """A child element of the Atom namespace, with its text and attributes."""
    child = etree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    child.text = text
    return child
