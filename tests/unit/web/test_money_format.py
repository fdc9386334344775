"""i18n.money resolves Babel's locale and pattern once and remembers what it wrote: it must write
exactly what Babel's own `format_decimal` writes, in every shipped language, for any amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_compact_decimal, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from api.web import i18n

LANGUAGES = i18n.languages()

amounts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),  # any exponent, sign and number of decimals
    st.decimals(min_value=-(10**15), max_value=10**15, places=2),
    st.decimals(min_value=-1, max_value=1, places=6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(min_value=-(10**12), max_value=10**12, places=3).map(str),  # amounts as stored: text
)

EDGES = [
    0,
    "0",
    "0.00",
    "-0",
    "-0.00",
    Decimal("0E-10"),
    "0.005",
    "0.015",
    "-0.005",
    "0.0049999",
    "999.995",
    "-999.995",
    "1234567.891",
    "-1234567.891",
    "12345678901234567890123.129",
    "1E+20",
    "1E-20",
    "1e3",
    0.1,
    -2.5,
    1e21,
    1e-7,
    12345.675,
]


def test_languages_are_the_shipped_ones() -> None:
    assert set(LANGUAGES) >= {"en", "fr", "es"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_money_writes_what_babel_writes_at_the_edges(language: str, value: object) -> None:
    expected = format_decimal(Decimal(str(value)), format="#,##0.00", locale=language)
    with i18n.using(language):
        assert i18n.money(value) == expected  # type: ignore[arg-type]
        assert i18n.money(value) == expected  # type: ignore[arg-type] # remembered: the same again


@settings(max_examples=400, deadline=None)
@given(value=amounts, language=st.sampled_from(LANGUAGES))
def test_money_writes_what_babel_writes(value: Decimal | float | int | str, language: str) -> None:
    try:
        expected = format_decimal(Decimal(str(value)), format="#,##0.00", locale=language)
    except ArithmeticError as refused:  # an exponent beyond the decimal context: refused alike
        with i18n.using(language), pytest.raises(type(refused)):
            i18n.money(value)  # type: ignore[arg-type]
        return
    with i18n.using(language):
        first, again = i18n.money(value), i18n.money(value)  # type: ignore[arg-type]
    assert first == again == expected


def test_money_follows_the_reader_language_for_one_amount() -> None:
    # one amount read in each language in turn: the remembered text is the language's own
    seen: dict[str, set[str]] = {}
    for language in (*LANGUAGES, *LANGUAGES):
        with i18n.using(language):
            seen.setdefault(language, set()).add(i18n.money("1234567.5"))
    assert {k: v.pop() for k, v in seen.items() if len(v) == 1} == {
        language: format_decimal(Decimal("1234567.5"), format="#,##0.00", locale=language) for language in LANGUAGES
    }
    assert len({format_decimal(Decimal("1234567.5"), format="#,##0.00", locale=lang) for lang in LANGUAGES}) > 1


def test_no_amount_is_a_dash() -> None:
    assert i18n.money(None) == "—"
    assert i18n.money("") == "—"


compact_values = st.one_of(
    st.decimals(min_value=-(10**13), max_value=10**13, places=2),
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
    st.integers(min_value=-(10**13), max_value=10**13),
)


@settings(max_examples=400, deadline=None)
@given(value=compact_values, language=st.sampled_from(LANGUAGES), digits=st.integers(min_value=0, max_value=6))
def test_compact_writes_what_babel_writes(value: Decimal | float | int, language: str, digits: int) -> None:
    expected = format_compact_decimal(value, format_type="short", locale=language, fraction_digits=digits)
    with i18n.using(language):
        first, again = i18n.compact(value, digits), i18n.compact(value, digits)
    assert first == again == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_compact_keeps_equal_values_of_other_types_apart(language: str) -> None:
    # 1, 1.0 and Decimal("1.00") are equal keys to a dict: each is remembered as what it writes
    for value in (1500000, 1500000.0, Decimal("1500000.00"), Decimal("1.5E+6"), 999999, 999999.5, 0, -0.0):
        for digits in (0, 1, 2):
            with i18n.using(language):
                assert i18n.compact(value, digits) == format_compact_decimal(
                    value, format_type="short", locale=language, fraction_digits=digits
                )
