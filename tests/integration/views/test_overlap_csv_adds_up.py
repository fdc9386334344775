"""provider-overlap's CSV adds up: a need with several TA types is in several cells, and the CSV's
`committed_allocated_to_cell` splits its allocation over them, so summing the column counts every
programme's commitment once (the JSON's `committed`, the HHI's base, is whole in each cell)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.root.services import Services
from projections.views import provider_overlap
from projections.views.provider_overlap import split
from tests.support.views_world import build, current_rows


def column(answer: dict, name: str) -> list[str]:
    headers, rows = provider_overlap.csv_rows(answer)
    return [r[headers.index(name)] for r in rows]


def test_the_csv_cells_add_up_to_the_programmes_commitments_without_double_count(services: Services) -> None:
    # Given the world: P commits 80,000 USD to A (0.5), B and C (0.25 each), all open; B has two
    #   TA types (two cells); R commits 30,000 USD to G
    build(services.ledger)
    needs, _ = current_rows(services)
    answer = provider_overlap.view(needs, "USD")
    # When the CSV's per-cell allocation is summed over every cell
    total = sum((Decimal(v) for v in column(answer, "committed_allocated_to_cell")), Decimal(0))
    # Then it is P's and R's commitments, once each
    assert total == Decimal("110000.00")
    # And per programme, its parts over the cells add up to its commitment
    per_programme: dict[str, Decimal] = {}
    for cell in answer["items"]:
        for p in cell["programmes"]:
            per_programme[p["title"]] = per_programme.get(p["title"], Decimal(0)) + Decimal(
                p["committed_allocated_to_cell"]
            )
    assert per_programme == {"Procurement and audit": Decimal("80000.00"), "Audit institutions": Decimal("30000.00")}
    # And the whole allocation (the HHI's base) is still in the JSON, B's 20,000 in both its cells
    assert sum(Decimal(i["committed"]) for i in answer["items"]) == Decimal("130000.00")
    headers, _ = provider_overlap.csv_rows(answer)
    assert "committed" not in headers and "committed_allocated_to_cell" in headers


@pytest.mark.parametrize(("amount", "parts"), [("100.00", 3), ("0.01", 2), ("-101.00", 2), ("20000.00", 2)])
def test_a_split_adds_up_to_the_cent(amount: str, parts: int) -> None:
    cut = [split(Decimal(amount), parts, i) for i in range(parts)]
    assert sum(cut, Decimal(0)) == Decimal(amount)
    assert max(cut) - min(cut) <= Decimal("0.01")
