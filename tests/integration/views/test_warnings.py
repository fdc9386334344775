"""Coordination at decision time: a link or commitment that makes a cell overlap still succeeds,
and its answer names the other providers' active programmes on that cell."""

from __future__ import annotations

from api.http.warnings import overlap_warnings
from api.root.services import Services
from tests.support.views_world import build


def test_a_programme_overlapping_another_funders_programme_is_warned_about_it(
    services: Services,
) -> None:
    # Given the world: P (Agency One) and R (Agency Two) share Kenya's
    #   article 15 capacity-building cell
    w = build(services.ledger)
    services.runner.start()
    # When P's overlap is checked after the last write
    warnings = overlap_warnings(services, w.programmes["P"], w.position)
    # Then R is named, with its funder and the cell
    assert [(x["code"], x["programme_id"], x["cells"]) for x in warnings] == [
        (
            "provider-overlap",
            w.programme("R"),
            [{"state": "KEN", "article": 15, "ta_type": "capacity-building"}],
        )
    ]
    assert "Agency Two" in warnings[0]["detail"]
    # And R is warned about P in turn; the inactive Q is warned about nobody
    assert [x["programme_id"] for x in overlap_warnings(services, w.programmes["R"])] == [w.programme("P")]
    assert overlap_warnings(services, w.programmes["Q"]) == []


def test_a_write_the_views_have_not_reached_says_the_overlap_was_not_checked(
    services: Services,
) -> None:
    # Given a programme, and no runner applying the log
    w = build(services.ledger)
    services.settings.read_wait_seconds = 0.2
    # Then the warning says it could not check, rather than falsely reporting no overlap
    assert [x["code"] for x in overlap_warnings(services, w.programmes["P"], w.position)] == ["overlap-not-checked"]
