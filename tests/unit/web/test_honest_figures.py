"""Unknown is never 0: chart legends and gap bars say "unknown", and never print a bound twice."""

from __future__ import annotations

from decimal import Decimal

from api.web import charts


def test_a_legend_never_repeats_a_bound_and_prints_enough_precision() -> None:
    # Given bounds that one decimal would print alike (56,000 and 56,400 both read 56k at none)
    labels = [i["label"] for i in charts.legend([Decimal(56000), Decimal(56400), Decimal(120000)])]
    # Then every swatch reads differently, and none is "56k–56k"
    assert labels == ["no gap", "0–56k", "56k–56.4k", "56.4k–120k"]
    close = [i["label"] for i in charts.legend([Decimal(1000), Decimal(1001)])]
    assert close == ["no gap", "0–1k", "1k–1.001k"]
    assert all(a != b for label in labels + close if "–" in label for a, b in [label.split("–")])


def test_a_gap_bar_with_nothing_known_reads_unknown_and_a_partial_one_says_what_it_leaves_out() -> None:
    items = [
        {"k": "II", "gap": "0.00", "needs_without_estimate": 2, "needs_estimate_unconverted": 0},
        {"k": "III", "gap": "56000.00", "needs_without_estimate": 0, "needs_estimate_unconverted": 1},
        {"k": "IV", "gap": "0.00", "needs_without_estimate": 0, "needs_estimate_unconverted": 0},
    ]
    bars = {b["label"]: b for b in charts.bars(items, "k", "gap", unknown=charts.gap_unknown)["bars"]}
    assert (bars["II"]["text"], bars["II"]["w"], bars["II"]["known"]) == ("unknown", 0.0, False)
    assert bars["III"]["text"] == "56k + 1 unknown"
    assert bars["IV"]["text"] == "0"  # a gap known to be nothing is 0
