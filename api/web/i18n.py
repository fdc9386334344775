"""Languages: the gettext catalogues in api/locale, the reader's language, and numbers, dates and names in it.

A language is one file, `api/locale/<code>/LC_MESSAGES/messages.po` (docs/languages.md); its catalogue is read
with Babel at first use and compiled in memory, so nothing compiled is kept in the repository or the image.
The language of a request is `?lang=`, then the `lang` cookie a `?lang=` leaves, then `Accept-Language`
(Babel's `negotiate_locale`), else English; `Language` (pure ASGI) holds it in a context variable for the
request, which every `gettext` reads, and answers `Content-Language`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from gettext import NullTranslations
from http.cookies import SimpleCookie
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from babel import Locale, negotiate_locale
from babel.core import get_global
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_compact_decimal, format_decimal, parse_pattern
from babel.support import Translations

from domain import reference

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT = "en"
COOKIE = "lang"
_language: ContextVar[str] = ContextVar("language", default=DEFAULT)
_ACCEPT = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$")


@cache
def languages() -> tuple[str, ...]:
    """English (the messages themselves), then every language with a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (DEFAULT, *(code for code in found if code != DEFAULT))


class Missing(NullTranslations):
    """The catalogue's fallback: a message it lacks (or holds only fuzzy) is noted and read in English."""

    def __init__(self, translated: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.translated = translated  # a text already in this language (translated where it was made) is no miss

    def gettext(self, message: str) -> str:
        if message not in self.translated:
            self.seen.add(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self.seen.add(msgid1)
        return msgid1 if n == 1 else msgid2


@cache
def translations(language: str) -> NullTranslations:
    """The language's catalogue, read from its .po and compiled in memory (fuzzy entries left out)."""
    if language == DEFAULT:
        return NullTranslations()
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    found = Translations(compiled)
    strings = (m.string if isinstance(m.string, tuple) else (m.string,) for m in catalog if m.id and not m.fuzzy)
    done = {t for forms in strings for t in forms if isinstance(t, str)}
    found.add_fallback(Missing(frozenset(done)))
    return found


def missing(language: str) -> set[str]:
    """The messages asked for in `language` that its catalogue could not give (tests read this)."""
    fallback = getattr(translations(language), "_fallback", None)
    return fallback.seen if isinstance(fallback, Missing) else set()


def current() -> str:
    return _language.get()


@contextmanager
def using(language: str) -> Iterator[None]:
    token = _language.set(language if language in languages() else DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str, **values: Any) -> str:
    """`message` in the reader's language; `%(name)s` placeholders filled from `values`."""
    text = translations(current()).gettext(message) if message else message
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` in the reader's language, placeholders left for the caller (Jinja fills `num`)."""
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "extract me, translate later"
    return message


# ---- choosing the language ----


def accepted(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first (RFC 9110 §12.5.4); q=0 and malformed ones dropped."""
    ranked = []
    for n, part in enumerate(header.split(",")[:20]):
        m = _ACCEPT.match(part)
        if m and m.group(1) != "*":
            q = float(m.group(2) or 1)
            if q > 0:
                ranked.append((-q, n, m.group(1)))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(asked: str | None, cookie: str | None, accept_language: str | None) -> str:
    for choice in (asked, cookie):
        if choice and choice.lower() in languages():
            return choice.lower()
    wanted = accepted(accept_language or "")
    return negotiate_locale(wanted, languages(), sep="-") or DEFAULT if wanted else DEFAULT


class Language:
    """Pure ASGI middleware: the request's language for everything it renders, and the answer's
    `Content-Language`; a `?lang=` choice is kept in a cookie for the pages that follow."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[-1]
        jar = SimpleCookie()
        try:
            jar.load(headers.get(b"cookie", ""))
        except Exception:  # noqa: BLE001 - an unreadable cookie header chooses nothing
            jar = SimpleCookie()
        kept = jar[COOKIE].value if COOKIE in jar else None
        language = negotiate(asked, kept, headers.get(b"accept-language"))
        remember = asked is not None and asked.lower() in languages() and asked.lower() != kept

        async def send_language(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-language", language.encode()), (b"vary", b"Accept-Language, Cookie")]
                if remember:
                    cookie = f"{COOKIE}={language}; Path=/; Max-Age=31536000; SameSite=Lax"
                    extra.append((b"set-cookie", cookie.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        with using(language):
            await self.app(scope, receive, send_language)


# ---- numbers and dates ----


def number(value: Decimal | float | int) -> str:
    return format_decimal(value, locale=current())


MONEY = "#,##0.00"


def money(value: Decimal | str | None) -> str:
    """An amount with two decimals in the reader's language ("1,234.50", "1 234,50", "1.234,50"); none is —."""
    if value in (None, ""):
        return "—"
    return _money(current(), str(value))


@cache
def number_format(language: str, pattern: str) -> tuple[Locale, NumberPattern]:
    """The language's Locale and the pattern parsed, once: what `format_decimal` resolves on every call."""
    return Locale.parse(language), parse_pattern(pattern)


@lru_cache(maxsize=16384)
def _money(language: str, text: str) -> str:
    """`format_decimal(Decimal(text), format=MONEY, locale=language)`, which it is step for step (Babel's
    defaults: decimals quantised, groups separated, Latin digits), with the locale and pattern resolved
    once; and remembered, since a page shows the same few amounts again and again (a heatmap's titles)."""
    locale, pattern = number_format(language, MONEY)
    return pattern.apply(
        Decimal(text), locale, decimal_quantization=True, group_separator=True, numbering_system="latn"
    )


def compact(value: Decimal | float | int, digits: int) -> str:
    """Babel's short form in the reader's language ("1,5 M", "12,5 mil"); English keeps api/web/charts.py's own.
    Remembered per language, digits and value as written (its type and text: 1, 1.0 and Decimal("1.00") apart),
    as `money` is: a heatmap writes every cell's gap so on every read."""
    key = (current(), digits, type(value), str(value))
    text = _COMPACT.get(key)
    if text is None:
        text = format_compact_decimal(value, format_type="short", locale=key[0], fraction_digits=digits)
        if len(_COMPACT) >= 16384:  # bounded: forgotten all at once, then remembered again
            _COMPACT.clear()
        _COMPACT[key] = text
    return text


_COMPACT: dict[tuple[str, int, type, str], str] = {}


def day(value: date | str | None) -> str:
    if value in (None, ""):
        return ""
    moment = date.fromisoformat(str(value)[:10]) if not isinstance(value, date) else value
    return format_date(moment, format="medium", locale=current())


def moment(value: datetime | str | None) -> str:
    """A date-time in the reader's language, to the minute, in UTC as recorded."""
    if value in (None, ""):
        return ""
    at = datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    return format_datetime(at, format="medium", locale=current(), tzinfo=at.tzinfo)


def direction(language: str | None = None) -> str:
    return Locale.parse(language or current()).text_direction


def language_name(language: str) -> str:
    """A language named in itself (English, français, español), as a language switch shows it."""
    return Locale.parse(language).get_display_name(language) or language


# ---- reference labels in the reader's language ----

_TERRITORY = {"EUU": "EU"}  # the European Union: CLDR's territory, not an ISO 3166-1 alpha-3 alias


def country(iso3: str) -> str:
    """A State's name in the reader's language (CLDR via Babel), the reference data's name otherwise."""
    known = reference.states().get(iso3)
    english = known.name if known else iso3
    if current() == DEFAULT:
        return english
    alpha2 = _TERRITORY.get(iso3) or next(iter(get_global("territory_aliases").get(iso3, [])), None)
    return Locale.parse(current()).territories.get(alpha2 or "", english)


def article_title(number: int) -> str:
    return reference.article_title(number, current())


def chapter_title(chapter: str) -> str:
    return reference.chapter_title(chapter, current())


def ta_type(code: str) -> str:
    return reference.ta_type_label(code, current())


def activity_status(code: int) -> str:
    return reference.activity_status_name(code, current())


def decimal(value: Decimal | float | str, digits: int) -> str:
    """A figure to `digits` decimals in the reader's language (an HHI of 0.42 reads 0,42 in French)."""
    return format_decimal(Decimal(str(value)), format="0." + "0" * digits, locale=current())


def organisation_type(code: str) -> str:
    return reference.organisation_type_name(code, current())
