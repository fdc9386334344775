"""priority-areas: where open needs recur across States parties, ranked as documented."""

from __future__ import annotations

import pytest

from api.root.services import Services
from projections.views import priority_areas
from tests.support.views_world import build, current_rows, identify


def test_articles_rank_by_states_then_unmet_share_then_gap(services: Services) -> None:
    # Given the world
    build(services.ledger)
    needs, _ = current_rows(services)
    # When ranked by article
    answer = priority_areas.view(needs, "USD", "article")
    rows = [
        (
            i["rank"],
            i["key"],
            i["states"],
            i["needs"],
            i["needs_unmet"],
            i["unmet_share"],
            i["gap"],
            i["needs_gap_unknown"],
        )
        for i in answer["items"]
    ]
    # Then article 9 leads: 2 states (KEN: A, B; UGA: D), D unmet: 1/3;
    #   gap 60,000 + 35,000; D's unknown
    # And article 10 (H alone, unmet: share 1) comes before article 15 (C, G, none unmet),
    #   one state each
    assert rows == [
        (1, 9, 2, 3, 1, "0.3333", "95000.00", 1),
        (2, 10, 1, 1, 1, "1.0000", "0.00", 1),
        (3, 15, 1, 2, 0, "0.0000", "0.00", 1),
    ]
    assert answer["items"][0]["state_codes"] == ["KEN", "UGA"]
    assert answer["ranking"].startswith("states with open needs")


def test_ta_types_with_one_state_each_rank_by_unmet_share_then_gap(services: Services) -> None:
    build(services.ledger)
    needs, _ = current_rows(services)
    # When ranked by TA type: every TA type has needs in one state only
    answer = priority_areas.view(needs, "USD", "ta_type")
    # Then the fully unmet ones come first (other: H; policymaking: D; both gap 0: then by code),
    # then capacity-building (gap 95,000) before legislative-assistance (gap 35,000)
    assert [i["key"] for i in answer["items"]] == [
        "other",
        "policymaking",
        "capacity-building",
        "legislative-assistance",
    ]
    assert "each of them" in answer["note"]


def test_a_third_state_with_a_need_lifts_its_area_to_the_top(services: Services) -> None:
    # Given the world and one more article 15 need in Ghana and in Uganda
    build(services.ledger)
    identify(services.ledger, "GHA", 15, ["capacity-building"], "current", "high")
    identify(services.ledger, "UGA", 15, ["capacity-building"], "current", "high")
    needs, _ = current_rows(services)
    # Then article 15, now in three states, ranks first
    first = priority_areas.view(needs, "USD", "article")["items"][0]
    assert (first["key"], first["states"], first["needs"], first["needs_high_priority"]) == (
        15,
        3,
        4,
        2,
    )


def test_priority_areas_as_csv_list_the_states() -> None:
    rows = [
        {
            "state": s,
            "status": "open",
            "article": 9,
            "classification": "unmet",
            "priority": "high",
            "gap": None,
        }
        for s in ("KEN", "UGA")
    ]
    columns, out = priority_areas.csv_rows(priority_areas.view(rows, "USD", "article"))
    assert dict(zip(columns, out[0], strict=True))["state_codes"] == "KEN;UGA"
    with pytest.raises(ValueError):
        priority_areas.view(rows, "USD", "state")
