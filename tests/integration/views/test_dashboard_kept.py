"""The whole ledger's dashboard read from what the runner keeps equals the dashboard folded from the
log's rows: every panel (headline, heatmap, funding bars, overlap, priorities, attention, the filter
form's states) and its latest events, for a coordinator, a provider key and an anonymous reader, on
the demo and on random histories, live and after a rebuild, on both stores."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.http.auth import Principal
from api.root.services import Services
from api.web import dashboard, timeline
from api.web.dashboard import Filters
from projections.query import FoldedRows
from tests.support.histories import TODAY
from tests.support.kept_properties import over_histories, play_in_small_batches

READERS = (
    Principal("coordinator", "coordinator"),
    Principal("provider", "provider"),
    Principal("anonymous", "anonymous"),
)
# today, before any programme could be quiet or past its end, and long after every one is
DAYS = (TODAY, date(2020, 1, 1), date(2031, 1, 1))


def kept_and_folded(svc: Services, who: Principal, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The kept-path panels and events, and the same from the fold of the whole log."""
    fold = FoldedRows.of(svc.ledger, svc.runner.head(), svc.currency)
    folded, streams = dashboard.folded_panels(svc, fold, who, Filters(), today)
    with svc.db.transaction(commit=False) as tx:
        kept = dashboard.kept_panels(svc, tx, who, today)
        kept.pop("heat_html")  # the heatmap as the page renders it: tests/integration/web/test_heatmap_cached.py
        kept["events"] = timeline.recent(tx, 10, None, dashboard.kept_streams(tx, who))
        folded["events"] = timeline.recent(tx, 10, None, streams)
    return kept, folded


def assert_kept_equals_folded(svc: Services) -> None:
    for who in READERS:
        for today in DAYS:
            kept, folded = kept_and_folded(svc, who, today)
            assert kept == folded, (who.role, today)


def test_the_demos_dashboard_from_kept_data_equals_the_fold(demo: Services) -> None:
    # Given the demo, caught up
    # Then every reader's dashboard read from kept data is the one folded from the log
    assert_kept_equals_folded(demo)
    # And the page's read takes the kept path for the whole ledger: the same numbers as folded
    who = READERS[0]
    page = dashboard.read(demo, who, Filters(), None)
    _, folded = kept_and_folded(demo, who, date.fromisoformat(page["attention"]["today"]))
    assert page["headline"] == folded["headline"] and page["heatmap"] == folded["heatmap"]
    assert page["attention"]["flagged_count"] > len(page["attention"]["flagged"]) > 0  # something to compare


@over_histories(20)
def test_the_kept_dashboard_equals_the_fold_live_and_after_a_rebuild(services: Services, steps: Any) -> None:
    # Given a random history, applied by the runner a few events a batch
    play_in_small_batches(services, steps)
    # Then the dashboard from kept data equals the one folded from the log
    assert_kept_equals_folded(services)
    # And so it does once every view is rebuilt from position 0
    services.runner.rebuild(services.views)
    assert_kept_equals_folded(services)
