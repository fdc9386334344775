"""Every message the code and the templates use is in every catalogue, translated: extract as `make messages`
does (babel.cfg), then hold each api/locale/<lang>/LC_MESSAGES/messages.po to it. The language is chosen as
docs/languages.md says; numbers, titles and names follow it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api.web import i18n, i18n_words
from domain import reference
from tests.paths import ROOT

LANGUAGES = [code for code in i18n.languages() if code != i18n.DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> dict[str, tuple[str, ...]]:
    """msgid → its forms (one, or singular and plural), as `pybabel extract -F babel.cfg -k N_` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        forms = message if isinstance(message, tuple) else (message,)
        if forms[0]:
            found[forms[0]] = tuple(forms)
    return found


@pytest.fixture(scope="module")
def messages() -> dict[str, tuple[str, ...]]:
    return extracted()


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with open(ROOT / "api" / "locale" / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def test_there_are_french_and_spanish_catalogues_and_english_is_the_messages_themselves():
    assert i18n.languages() == ("en", "es", "fr")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_used_is_in_the_catalogue_translated_and_not_fuzzy(language, messages):
    # Given what the templates and the Python code ask to translate
    assert len(messages) > 500
    assert {"Skip to content", "Needs served", "No such resource", "Need identified", "Needs unmet"} <= set(messages)
    held = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(language) if m.id}
    # Then the catalogue holds each one, every form translated, none fuzzy (run `make messages`, then translate)
    absent = sorted(set(messages) - set(held))
    assert absent == [], f"not in {language}'s catalogue: run make messages: {absent[:10]}"
    untranslated = sorted(k for k in messages if not all(held[k].string if held[k].pluralizable else [held[k].string]))
    assert untranslated == [], f"untranslated in {language}: {untranslated[:10]}"
    fuzzy = sorted(k for k in messages if held[k].fuzzy)
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_keeps_every_placeholder_of_its_message(language):
    for m in catalogue(language):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= wanted, (m.id, s)
        assert set(PLACEHOLDER.findall(strings[-1])) == set(PLACEHOLDER.findall(ids[-1])), (m.id, strings)


def test_a_message_the_catalogue_lacks_reads_in_english_and_is_noted():
    with i18n.using("fr"):
        assert i18n.gettext("Coordination dashboard") == "Tableau de bord de coordination"
        assert i18n.gettext("A message nobody wrote") == "A message nobody wrote"
    assert "A message nobody wrote" in i18n.missing("fr")


def test_the_language_is_the_query_then_the_cookie_then_accept_language_then_english():
    assert i18n.negotiate("fr", "es", "es") == "fr"
    assert i18n.negotiate(None, "es", "fr") == "es"
    assert i18n.negotiate("xx", None, "de-DE, es-MX;q=0.8, fr;q=0.5") == "es"
    assert i18n.negotiate(None, None, "fr-CA") == "fr"
    assert i18n.negotiate(None, None, "de, ru;q=0.9") == "en"
    assert i18n.negotiate(None, None, "fr;q=0, es;q=0.1") == "es"  # q=0 is "not this one"
    assert i18n.negotiate(None, None, None) == "en"


def test_an_accept_language_header_is_read_by_its_weights_and_malformed_parts_dropped():
    assert i18n.accepted("fr;q=0.5, es, en;q=0.9") == ["es", "en", "fr"]
    assert i18n.accepted("fr;q=abc, ;;, es") == ["es"]
    assert i18n.accepted("*") == []


@pytest.mark.parametrize(
    ("language", "money", "compact"),
    [("en", "1,234,567.50", "1.2M"), ("fr", "1\u202f234\u202f567,50", "1,2\xa0M"), ("es", "1.234.567,50", "1,2\xa0M")],
)
def test_amounts_are_written_as_each_language_writes_them(language, money, compact):
    from api.web import charts

    with i18n.using(language):
        assert charts.full(Decimal("1234567.5")) == money
        assert charts.compact(Decimal("1234567.5")) == compact
        assert charts.full(None) == "—"


def test_every_article_has_its_official_french_and_spanish_title():
    for n in reference.articles():
        for language in ("fr", "es"):
            assert reference.article_title(n, language) != reference.article_title(n) or n in (44,), (n, language)
    assert reference.article_title(9, "fr") == "Passation des marchés publics et gestion des finances publiques"
    assert reference.article_title(9, "es") == "Contratación pública y gestión de la hacienda pública"
    assert reference.chapter_title("V", "es") == "Recuperación de activos"
    assert reference.article_title(9, "ar") == reference.article_title(9)  # no Arabic yet: English


def test_state_names_come_from_cldr_in_the_readers_language_and_fall_back_to_the_reference_name():
    with i18n.using("fr"):
        assert i18n.country("CIV") == "Côte d’Ivoire"
        assert i18n.country("DEU") == "Allemagne"
        assert i18n.country("EUU") == "Union européenne"
    with i18n.using("es"):
        assert i18n.country("DEU") == "Alemania"
    with i18n.using("en"):
        assert i18n.country("DEU") == reference.states()["DEU"].name
    for iso3 in reference.states():
        with i18n.using("fr"):
            assert i18n.country(iso3), iso3


def test_codes_and_event_names_read_as_words_in_each_language():
    with i18n.using("es"):
        assert i18n_words.term("partially-funded") == "financiada en parte"
        assert i18n_words.term("no-such-code") == "no-such-code"
        assert i18n_words.why("no exchange rate for NOK, SEK") == "sin tipo de cambio para NOK, SEK"
    assert "Need identified" in i18n_words.event_words()
    assert "Needs unmet" in {i18n_words.column_words(c) for c in i18n_words.column_names()}


def test_arabic_would_read_right_to_left():
    assert i18n.direction("ar") == "rtl"
    assert i18n.direction("fr") == "ltr"
