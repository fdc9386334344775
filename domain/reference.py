"""Reference codelists (UNCAC articles, TA types, states, IATI codes), loaded once from data/."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.amounts import amount as amount  # one rule for amounts, kept where callers look
from domain.errors import InvalidInput

DATA = Path(__file__).parent / "data"
CHAPTERS = ("II", "III", "IV", "V", "VI")
HORIZONS = ("current", "anticipated")
PRIORITIES = ("high", "medium", "low")
SOURCE_KINDS = (
    "self-assessment",
    "country-review-report",
    "executive-summary",
    "national-strategy",
    "other-mechanism",
    "other",
)
DELIVERY_KINDS = (
    "training",
    "expert-mission",
    "legislative-drafting",
    "workshop",
    "study",
    "equipment",
    "other",
)
ROLES = ("admin", "coordinator", "state", "provider", "auditor")
NEED_STATUSES = ("open", "met", "withdrawn")
OTHER_REGION = "Other"


@dataclass(frozen=True)
class Article:
    number: int
    chapter: str
    chapter_title: str
    title: str


@dataclass(frozen=True)
class State:
    iso3: str
    name: str
    region: str
    party: bool


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def articles() -> dict[int, Article]:
    return {
        int(r["article"]): Article(int(r["article"]), r["chapter"], r["chapter_title"], r["title"])
        for r in _rows("articles.csv")
    }


@cache
def ta_types() -> dict[str, str]:
    """Every TA type code of either codelist, mapped to its v2 code (views aggregate on v2)."""
    return {r["code"]: r["maps_to_v2"] for r in _rows("ta-types.csv")}


@cache
def ta_types_v2() -> dict[str, str]:
    return {r["code"]: r["label"] for r in _rows("ta-types.csv") if r["codelist"] == "v2"}


@cache
def states() -> dict[str, State]:
    return {
        r["iso3"]: State(r["iso3"], r["name"], r["un_regional_group"] or OTHER_REGION, r["uncac_party"] == "yes")
        for r in _rows("un-regional-groups.csv")
    }


@cache
def regions() -> tuple[str, ...]:
    return tuple(sorted({s.region for s in states().values()}))


@cache
def currencies() -> frozenset[str]:
    return frozenset(r["code"] for r in _rows("currencies.csv") if r["status"] == "active")


@cache
def organisation_types() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _rows("organisation-types.csv")}


@cache
def activity_statuses() -> dict[int, str]:
    return {int(r["code"]): r["name"] for r in _rows("activity-statuses.csv")}


@cache
def review_cycles() -> dict[int, tuple[str, ...]]:
    return {int(r["cycle"]): tuple(r["chapters"].split()) for r in _rows("review-cycles.csv")}


# ---- labels in a language: the data's `<column>_<language>`, English where it has none (docs/languages.md) ----


@cache
def _labelled(name: str, key: str) -> dict[str, dict[str, str]]:
    return {r[key]: r for r in _rows(name)}


def _in(row: dict[str, str], column: str, language: str) -> str:
    return row.get(f"{column}_{language}") or row[column]


def article_title(number: int, language: str = "en") -> str:
    """An article's title as the Convention's official text in that language has it (data/PROVENANCE.md)."""
    return _in(_labelled("articles.csv", "article")[str(int(number))], "title", language)


def chapter_title(chapter: str, language: str = "en") -> str:
    row = next(r for r in _labelled("articles.csv", "article").values() if r["chapter"] == chapter)
    return _in(row, "chapter_title", language)


def ta_type_label(code: str, language: str = "en") -> str:
    """A v2 TA type's label (a v1 code reads as its own v1 label); an unknown code as itself."""
    rows = _ta_rows()
    return _in(rows[code], "label", language) if code in rows else code


@cache
def _ta_rows() -> dict[str, dict[str, str]]:
    """v2 rows over v1 ones of the same code (`capacity-building`, `other` are in both)."""
    found = sorted(_rows("ta-types.csv"), key=lambda r: r["codelist"])
    return {r["code"]: r for r in found}


def activity_status_name(code: int, language: str = "en") -> str:
    row = _labelled("activity-statuses.csv", "code").get(str(code))
    return _in(row, "name", language) if row else str(code)


def organisation_type_name(code: str, language: str = "en") -> str:
    row = _labelled("organisation-types.csv", "code").get(str(code))
    return _in(row, "name", language) if row else str(code)


# ---- validators: each returns the normalised value or raises InvalidInput ----

_PARAGRAPH = re.compile(r"^(\d+)(\(\d+\))*(\([a-z]+\))*$")


def article(number: int) -> Article:
    try:
        return articles()[int(number)]
    except (KeyError, ValueError, TypeError):
        raise InvalidInput("unknown-article", f"article {number!r} is not an UNCAC article (5 to 62)") from None


def paragraph(article_number: int, text: str | None) -> str | None:
    if text is None or text == "":
        return None
    m = _PARAGRAPH.match(text.replace(" ", ""))
    if not m or int(m.group(1)) != article_number:
        raise InvalidInput(
            "invalid-paragraph",
            f"paragraph {text!r} must name article {article_number}, e.g. '{article_number}(1)(a)'",
        )
    return text.replace(" ", "")


def party(iso3: str) -> State:
    s = states().get(str(iso3).upper())
    if s is None:
        raise InvalidInput("unknown-state", f"{iso3!r} is not an ISO 3166-1 alpha-3 code we know")
    if not s.party:
        raise InvalidInput("not-a-party", f"{s.name} ({s.iso3}) is not a State party to UNCAC")
    return s


def country(iso3: str) -> str:
    code = str(iso3).upper()
    if code not in states():
        raise InvalidInput(
            "unknown-state",
            f"{iso3!r} is not an ISO 3166-1 alpha-3 code we know (e.g. KEN, IDN, DEU; "
            "the API's OpenAPI document lists every code under `state`)",
        )
    return code


# ---- filters: a code a reader narrows a view by, refused when unknown (naming the known ones) ----


def region(name: str) -> str:
    if name not in regions():
        raise InvalidInput("unknown-region", f"{name!r} is not a region; the regions are {', '.join(regions())}")
    return name


def chapter(name: str) -> str:
    if name not in CHAPTERS:
        raise InvalidInput("unknown-chapter", f"{name!r} is not a chapter; the chapters are {', '.join(CHAPTERS)}")
    return name


def ta_type_v2(code: str) -> str:
    """A TA type of the v2 codelist, the one views aggregate on."""
    if code not in ta_types_v2():
        known = ", ".join(ta_types_v2())
        raise InvalidInput("unknown-ta-type", f"{code!r} is not a TA type of the v2 codelist; the types are {known}")
    return code


def ta_type_list(codes: list[str]) -> list[str]:
    if not codes:
        raise InvalidInput("ta-types-required", "name at least one technical-assistance type")
    unknown = [c for c in codes if c not in ta_types()]
    if unknown:
        raise InvalidInput("unknown-ta-type", f"unknown TA type(s): {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


def one_of(code: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidInput(code, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def currency(code: str) -> str:
    if code not in currencies():
        raise InvalidInput("unknown-currency", f"{code!r} is not an ISO 4217 currency code")
    return code


def text(code: str, value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise InvalidInput(code, f"{what} must not be empty")
    return str(value).strip()


def organisation_type(code: str) -> str:
    if str(code) not in organisation_types():
        raise InvalidInput("unknown-organisation-type", f"{code!r} is not an IATI OrganisationType")
    return str(code)


def activity_status(code: int) -> int:
    if code not in activity_statuses():
        raise InvalidInput("invalid-status", f"{code!r} is not an IATI ActivityStatus (1 to 6)")
    return int(code)
