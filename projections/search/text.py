"""Text as both search engines see it: folded and cut into words here, once, so SQLite FTS5 and PostgreSQL match the
same words; a reader's query becomes a list of such words (never engine syntax), and snippets are cut here too.

Folding: case-folded, diacritics dropped ("Procédure" and "procedure" are one word), every run of letters and digits
a word (punctuation, quotes, operators and underscores separate words), words longer than MAX_WORD dropped. A query
matches documents holding every one of its words, each also as a prefix when it has MIN_PREFIX letters or more
("train" finds "training"): the same on both engines. docs/search.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORD = 60  # longer runs are not words people search for (and PostgreSQL refuses lexemes past 2047 bytes)
MAX_TERMS = 12  # words of a query kept, the first ones
MIN_PREFIX = 3  # shorter words match whole words only ("of" never matches "office")
WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case-folded, without diacritics: what words are compared as."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The text's words, folded, in order."""
    return [w for w in WORD.findall(fold(text)) if len(w) <= MAX_WORD]


def indexed(text: str) -> str:
    """The text as an engine indexes it: its words, one space apart (nothing left for a parser to read otherwise)."""
    return " ".join(words(text))


def terms(query: str) -> list[str]:
    """A reader's query as the words to look for: at most MAX_TERMS, each once, in order; no syntax survives."""
    return list(dict.fromkeys(words(query)))[:MAX_TERMS]


def fts5_match(query_terms: list[str]) -> str:
    """An FTS5 MATCH expression: each word a quoted string (letters and digits only), prefixes starred, all required."""
    return " ".join(f'"{t}"*' if len(t) >= MIN_PREFIX else f'"{t}"' for t in query_terms)


def tsquery(query_terms: list[str]) -> str:
    """A PostgreSQL to_tsquery text: each word quoted as a lexeme (letters and digits only), prefixes marked, all
    required (&)."""
    return " & ".join(f"'{t}':*" if len(t) >= MIN_PREFIX else f"'{t}'" for t in query_terms)


def matches(word: str, query_terms: list[str]) -> bool:
    folded = fold(word)
    return any(folded == t or (len(t) >= MIN_PREFIX and folded.startswith(t)) for t in query_terms)


@dataclass(frozen=True)
class Part:
    text: str
    match: bool


def snippet(text: str, query_terms: list[str], width: int = 24) -> list[Part]:
    """About `width` words of `text` around its first matching word, matching words marked; the text's start when
    no word matches (or no terms are given). An ellipsis marks text left out."""
    found = list(re.finditer(r"\S+", text))
    if not found:
        return []
    hits = [i for i, m in enumerate(found) if query_terms and any(matches(w, query_terms) for w in WORD.findall(m[0]))]
    first = max(0, (hits[0] if hits else 0) - width // 3)
    shown = found[first : first + width]
    parts: list[Part] = [Part("… ", False)] if first else []
    for n, m in enumerate(shown):
        parts += _marked(m[0], query_terms)
        if n < len(shown) - 1:
            parts.append(Part(" ", False))
    if first + width < len(found):
        parts.append(Part(" …", False))
    return _merged(parts)


def _marked(token: str, query_terms: list[str]) -> list[Part]:
    """One whitespace-free token, its matching words marked (punctuation around them not)."""
    parts: list[Part] = []
    at = 0
    for m in WORD.finditer(token):
        if matches(m[0], query_terms):
            parts += [Part(token[at : m.start()], False), Part(m[0], True)]
            at = m.end()
    return [*parts, Part(token[at:], False)]


def _merged(parts: list[Part]) -> list[Part]:
    out: list[Part] = []
    for p in parts:
        if not p.text:
            continue
        if out and out[-1].match == p.match and not p.match:
            out[-1] = Part(out[-1].text + p.text, False)
        else:
            out.append(p)
    return out


def plain(parts: list[Part]) -> str:
    return "".join(p.text for p in parts)
