"""The dashboard's pure parts: filters, the colour scale, heatmap cells and bar geometry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.http.codes import CODES
from api.web import charts, dashboard
from api.web.charts import PALETTE
from api.web.dashboard import Filters
from domain import reference
from domain.errors import Refused

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def row(
    state: str, article: int, gap: str | None, classification: str = "unmet", status: str = "open"
) -> dict[str, Any]:
    s, a = reference.states()[state], reference.articles()[article]
    return {
        "need_id": f"{state}-{article}-{gap}",
        "state": state,
        "state_name": s.name,
        "region": s.region,
        "article": article,
        "chapter": a.chapter,
        "status": status,
        "classification": classification if status == "open" else None,
        "gap": gap,
        "ta_types_v2": ["capacity-building"],
        "programmes": [],
        "providers": [],
    }


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("region", "Atlantis", "unknown-region"),
        ("state", "XXX", "unknown-state"),
        ("cycle", "3", "unknown-cycle"),
        ("cycle", "one", "unknown-cycle"),
        ("chapter", "VII", "unknown-chapter"),
        ("ta_type", "magic", "unknown-ta-type"),
    ],
)
def test_filters_refuse_values_outside_their_codelists(field: str, value: str, code: str) -> None:
    # The codelist filters are refused by the same validators as the API's (InvalidInput, 422)
    with pytest.raises(Refused) as refused:
        Filters.parse(**{field: value})
    assert refused.value.code == code
    assert CODES[code].status == 422


def test_empty_form_fields_mean_no_filter() -> None:
    # Given a form submitted with every select on "All"
    filters = Filters.parse(region="", state="", cycle="", chapter="", ta_type="", as_of="")
    # Then nothing is narrowed and every chapter is in view
    assert not filters.narrowed
    assert filters.chapters() == reference.CHAPTERS


def test_a_review_cycle_keeps_its_own_chapters() -> None:
    assert Filters.parse(cycle="1").chapters() == ("III", "IV")
    assert Filters.parse(cycle="2", chapter="V").chapters() == ("V",)
    assert Filters.parse(cycle="1", chapter="II").chapters() == ()  # nothing is in both


def test_the_query_string_keeps_the_selection_and_changes_one_value() -> None:
    filters = Filters.parse(region="African", as_of="2024-01-01")
    assert filters.query(as_of="17") == "region=African&as_of=17"
    assert filters.query(as_of=None) == "region=African"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (640, "640"),
        (12_500, "12.5k"),
        (980_000, "980k"),
        (999_999, "1M"),
        (1_500_000, "1.5M"),
        (2_000_000_000, "2bn"),
    ],
)
def test_money_reads_short_on_a_projector(value: int, text: str) -> None:
    assert charts.compact(Decimal(value)) == text


@settings(max_examples=40, deadline=None)
@given(st.lists(money, min_size=1, max_size=30))
def test_a_larger_gap_is_never_lighter(gaps: list[Decimal]) -> None:
    # Given the bins drawn from some cells' gaps
    bounds = charts.breaks(gaps)
    # Then the colour index grows with the gap, no gap is the lightest, the largest the darkest
    ranked = sorted(gaps)
    shades = [charts.bin_of(g, bounds) for g in ranked]
    assert shades == sorted(shades)
    assert all(s == 0 for g, s in zip(ranked, shades, strict=True) if g == 0)
    if ranked[-1] > 0:
        assert shades[-1] == len(PALETTE) - 1


def test_the_heatmap_has_a_cell_per_state_and_chapter_grouped_by_region() -> None:
    # Given open needs in three states of two regions, and one closed need elsewhere
    rows = [
        row("KEN", 6, "100"),
        row("KEN", 36, "50", "partially-funded"),
        row("NGA", 15, None),
        row("FRA", 46, "0", "funded"),
        row("IDN", 9, "10", status="met"),
    ]
    # When the heatmap is drawn over every chapter
    h = charts.heatmap(rows, Filters().chapters(), False, "USD")
    # Then each state with an open need has one cell per chapter, under its region
    assert [b["region"] for b in h["blocks"]] == ["African", "Western European and Others"]
    lines = [r for b in h["blocks"] for r in b["rows"]]
    assert [r["state"] for r in lines] == ["KEN", "NGA", "FRA"]
    assert h["count"] == 3 * 5 == sum(len(r["cells"]) for r in lines)
    kenya = {c["column"]: c for c in lines[0]["cells"]}
    assert (kenya["II"]["unmet"], kenya["III"]["unmet"], kenya["IV"]["empty"]) == (1, 0, True)
    assert kenya["II"]["fill"] == PALETTE[-1]  # the largest gap is the darkest
    nigeria = {c["column"]: c for c in lines[1]["cells"]}
    assert nigeria["III"]["unknown"] == 1 and "without estimate" in nigeria["III"]["title"]


def test_one_chapter_turns_the_columns_into_its_articles_with_open_needs() -> None:
    rows = [row("KEN", 15, "10"), row("KEN", 23, "20"), row("NGA", 23, "5"), row("NGA", 6, "5")]
    chosen = Filters(chapter="III")
    assert chosen.by_article
    h = charts.heatmap([r for r in rows if chosen.admits(r)], chosen.chapters(), True, "USD")
    assert [c["label"] for c in h["columns"]] == ["15", "23"]
    assert h["count"] == 2 * 2 and h["by_article"]


def test_bars_are_ranked_and_scaled_to_the_largest() -> None:
    chart = charts.bars([{"k": "a", "v": "50"}, {"k": "b", "v": "200"}, {"k": "c", "v": "0"}], "k", "v")
    assert [b["label"] for b in chart["bars"]] == ["b", "a", "c"]
    widths = [b["w"] for b in chart["bars"]]
    assert widths == [charts.BAR_W, charts.BAR_W / 4, 0.0]


def test_the_headline_counts_open_unmet_and_the_known_gap() -> None:
    rows = [
        row("KEN", 6, "100"),
        row("KEN", 36, None),
        row("NGA", 15, "50", "funded"),
        row("IDN", 9, "10", status="withdrawn"),
    ]
    h = dashboard.headline(rows)
    assert (h["needs"], h["open"], h["unmet"], h["gap"], h["without_estimate"]) == (4, 3, 2, Decimal(150), 1)
