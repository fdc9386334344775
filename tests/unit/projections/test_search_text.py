"""The words both search engines see: folded once, a query read as words only, snippets cut around a match."""

from __future__ import annotations

import pytest

from projections.search import text


def test_text_is_folded_to_words_without_case_accents_or_punctuation() -> None:
    assert text.words("Procédure d'E-PROCUREMENT, art. 9_bis!") == [
        "procedure",
        "d",
        "e",
        "procurement",
        "art",
        "9",
        "bis",
    ]
    assert text.indexed("Ñandú  «niño»") == "nandu nino"


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ('"procurement" OR NEAR(audit, 5)', ["procurement", "or", "near", "audit", "5"]),
        ("'; DROP TABLE x; --", ["drop", "table", "x"]),
        ("title:* -law ^x", ["title", "law", "x"]),
        ('" * : ( ) %', []),
    ],
)
def test_a_query_is_only_words(query: str, terms: list[str]) -> None:
    assert text.terms(query) == terms
    # And what the engines get quotes each word, prefixes from three letters
    assert text.fts5_match(["audit", "of"]) == '"audit"* "of"'
    assert text.tsquery(["audit", "of"]) == "'audit':* & 'of'"


def test_a_snippet_marks_matching_words_around_the_first_one() -> None:
    body = " ".join(f"w{i}" for i in range(40)) + " e-Procurement works."
    parts = text.snippet(body, text.terms("procure"), width=10)
    assert parts[0].text.startswith("… ") and [p.text for p in parts if p.match] == ["Procurement"]
    assert text.plain(parts).endswith("e-Procurement works.")
    assert text.plain(text.snippet("Short text.", [])) == "Short text."
