"""funding-gaps: the hand-worked world of tests/support/views_world.py, summed per group."""

from __future__ import annotations

from typing import Any

import pytest

from api.root.services import Services
from projections.views import funding_gaps
from tests.support.views_world import build, current_rows

NOTHING_UNCONVERTED = {"estimated": {}, "committed": {}, "pledged": {}, "disbursed": {}}


def by_key(answer: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {i["key"]: i for i in answer["items"]}


def test_funding_gaps_by_state_sum_the_allocated_money_and_count_unknown_gaps_apart(
    services: Services,
) -> None:
    # Given the world (E is withdrawn, so it counts nowhere)
    build(services.ledger)
    needs, _ = current_rows(services)
    # When grouped by state
    answer = funding_gaps.view(needs, "USD", "state")
    groups = by_key(answer)
    # Then Kenya sums A, B, C, G, H:
    #   estimated 100,000 + 55,000 + 10,000 = 165,000 (C and H have no estimate)
    #   committed 40,000 + 20,000 + 20,000 (P) + 30,000 (R) = 110,000
    #   pledged 20,000; disbursed 11,000
    #   gap 60,000 (A) + 35,000 (B) + 0 (G, over-committed, never negative) = 95,000
    assert groups["KEN"] == {
        "key": "KEN",
        "label": "Kenya",
        "needs": 5,
        "needs_unmet": 1,
        "estimated": "165000.00",
        "committed": "110000.00",
        "pledged": "20000.00",
        "disbursed": "11000.00",
        "gap": "95000.00",
        "needs_without_estimate": 2,
        "needs_estimate_unconverted": 0,
        "unconverted": NOTHING_UNCONVERTED,
    }
    # And Uganda's only need has a GBP estimate without a rate: listed per currency, its gap unknown
    assert groups["UGA"]["needs_estimate_unconverted"] == 1
    assert groups["UGA"]["estimated"] == groups["UGA"]["gap"] == "0.00"
    assert groups["UGA"]["unconverted"]["estimated"] == {"GBP": "20000.00"}
    # And the total counts each need once
    assert answer["total"]["needs"] == 6 and answer["total"]["gap"] == "95000.00"
    assert answer["currency"] == "USD" and "note" not in answer


def test_a_need_with_two_ta_types_counts_in_both_ta_type_groups_and_the_answer_says_so(
    services: Services,
) -> None:
    # Given the world: B is capacity-building and legislative-assistance (legal-advice, v1)
    build(services.ledger)
    needs, _ = current_rows(services)
    # When grouped by TA type
    answer = funding_gaps.view(needs, "USD", "ta_type")
    groups = by_key(answer)
    # Then B is in both groups; capacity-building holds A, B, C, G:
    #   165,000 estimated, 110,000 committed
    assert list(groups) == ["capacity-building", "legislative-assistance", "other", "policymaking"]
    assert (
        groups["capacity-building"]["needs"],
        groups["capacity-building"]["committed"],
        groups["capacity-building"]["gap"],
    ) == (4, "110000.00", "95000.00")
    # And legislative-assistance holds B alone:
    #   55,000 est, 20,000 committed, 5,000 pledged, 2,750 disbursed
    assert {
        k: groups["legislative-assistance"][k] for k in ("estimated", "committed", "pledged", "disbursed", "gap")
    } == {
        "estimated": "55000.00",
        "committed": "20000.00",
        "pledged": "5000.00",
        "disbursed": "2750.00",
        "gap": "35000.00",
    }
    # And the answer warns that the groups add up to more than the total
    assert "counts in the group of each" in answer["note"]
    assert sum(g["needs"] for g in answer["items"]) == 7 > answer["total"]["needs"] == 6


def test_funding_gaps_by_article_and_chapter_follow_the_convention_order(
    services: Services,
) -> None:
    # Given the world
    build(services.ledger)
    needs, _ = current_rows(services)
    # When grouped by article: 9 holds A, B, D; 10 holds H; 15 holds C and G
    articles = by_key(funding_gaps.view(needs, "USD", "article"))
    assert list(articles) == [9, 10, 15]
    # Then article 15's gap is G's 0 (C's is unknown), though 50,000 is committed to it
    assert (
        articles[15]["committed"],
        articles[15]["gap"],
        articles[15]["needs_without_estimate"],
    ) == ("50000.00", "0.00", 1)
    # And by chapter, II (art 9, 10) comes before III (art 15)
    chapters = funding_gaps.view(needs, "USD", "chapter")
    assert [(i["key"], i["needs"]) for i in chapters["items"]] == [("II", 4), ("III", 2)]


def test_a_ta_type_filter_keeps_only_its_group(services: Services) -> None:
    build(services.ledger)
    needs, _ = current_rows(services)
    # When the rows are those of legislative-assistance and the view is told so
    rows = [r for r in needs if "legislative-assistance" in r["ta_types_v2"]]
    answer = funding_gaps.view(rows, "USD", "ta_type", ta_type="legislative-assistance")
    # Then B's other TA type does not appear as a group
    assert [i["key"] for i in answer["items"]] == ["legislative-assistance"]


def test_funding_gaps_as_csv_name_the_currency_and_list_leftovers_per_currency(
    services: Services,
) -> None:
    build(services.ledger)
    needs, _ = current_rows(services)
    columns, rows = funding_gaps.csv_rows(funding_gaps.view(needs, "USD", "state"))
    uga = dict(zip(columns, rows[1], strict=True))
    assert uga["key"] == "UGA" and uga["currency"] == "USD" and uga["unconverted_estimated"] == "GBP 20000.00"


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError):
        funding_gaps.view([], "USD", "donor")
