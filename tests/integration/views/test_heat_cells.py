"""The dashboard heatmap's narrow read of the kept (state, chapter) tallies (`kept.tallies.heat_cells`)
gives what the whole tallies give (`kept.tallies`, published flags merged): the same cells, counts and
gap to the last digit and exponent, for every need and for the published ones, on both stores."""

from __future__ import annotations

from typing import Any

from api.root.services import Services
from projections import kept
from projections.kept.tallies import heat_cells
from tests.support.kept_properties import over_histories, play_in_small_batches


def assert_narrow_equals_whole(svc: Services) -> None:
    with svc.db.transaction(commit=False) as tx:
        for published_only in (False, True):
            whole = kept.tallies(tx, ("state_chapter",), published_only)
            expected = {
                tuple(key.split("|")): (t.counts["needs"], t.counts["unmet"], t.sums["gap"], t.counts["gap_unknown"])
                for (_, key), t in whole.items()
            }
            narrow = heat_cells(tx, published_only)
            assert narrow == expected, published_only
            # equal decimals may differ in exponent (2.5 and 2.50): the text the page shows would not
            assert {k: str(v[2]) for k, v in narrow.items()} == {k: str(v[2]) for k, v in expected.items()}


def test_the_demos_heat_cells(demo: Services) -> None:
    assert_narrow_equals_whole(demo)
    with demo.db.transaction(commit=False) as tx:
        assert heat_cells(tx, False) and heat_cells(tx, True) != heat_cells(tx, False)  # something to compare


@over_histories(15)
def test_heat_cells_equal_the_merged_tallies(services: Services, steps: Any) -> None:
    play_in_small_batches(services, steps)
    assert_narrow_equals_whole(services)
