"""The view and report routes over real HTTP, on both stores: JSON, CSV, Markdown, as_of, overlap warnings."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx

from api.root.services import Services
from projections.views import funding_gaps, irg_report, programme_monitoring
from tests.support.servers import LiveServer, client_for
from tests.support.views_world import World, build, identify, programme

VIEWS = (
    "unmet-needs",
    "funding-gaps",
    "provider-overlap",
    "priority-areas",
    "programme-monitoring",
)


def table(response: httpx.Response) -> list[dict[str, str]]:
    """A CSV answer as a spreadsheet would read it (the BOM first, then a header row)."""
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))


def view(http: httpx.Client, name: str, **params: Any) -> dict[str, Any]:
    r = http.get(f"/v1/views/{name}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def world(services: Services) -> World:
    return build(services.ledger)


def test_funding_gaps_answer_json_and_csv_grouped_and_filtered(services: Services, http: httpx.Client) -> None:
    # Given the hand-worked world, read after its last write
    w = world(services)
    answer = view(http, "funding-gaps", min_position=w.position)
    # Then Kenya's sums are those worked out in tests/support/views_world.py
    ken = next(i for i in answer["items"] if i["key"] == "KEN")
    assert (ken["estimated"], ken["committed"], ken["gap"], ken["needs_without_estimate"]) == (
        "165000.00",
        "110000.00",
        "95000.00",
        2,
    )
    assert answer["position"] >= w.position and answer["currency"] == "USD"
    # And by TA type with a filter, only that group, with the note on double counting
    by_ta = view(http, "funding-gaps", group_by="ta_type", ta_type="legislative-assistance")
    assert [i["key"] for i in by_ta["items"]] == ["legislative-assistance"] and "note" in by_ta
    # And a lower-case state filter works
    assert [i["key"] for i in view(http, "funding-gaps", state="uga")["items"]] == ["UGA"]
    # And as CSV: one row per group, the currency named, GBP listed apart
    rows = table(http.get("/v1/views/funding-gaps", params={"format": "csv"}))
    assert [r["key"] for r in rows] == ["KEN", "UGA"]
    assert list(rows[0]) == funding_gaps.COLUMNS
    assert (rows[1]["currency"], rows[1]["unconverted_estimated"]) == ("USD", "GBP 20000.00")


def test_a_grouping_or_format_that_does_not_exist_is_a_422_problem(services: Services, http: httpx.Client) -> None:
    for path, params in (
        ("/v1/views/funding-gaps", {"group_by": "donor"}),
        ("/v1/views/priority-areas", {"group_by": "state"}),
        ("/v1/views/provider-overlap", {"format": "xls"}),
        ("/v1/views/programme-monitoring", {"flag": "late"}),
        ("/v1/views/funding-gaps", {"as_of": "yesterday"}),
    ):
        r = http.get(path, params=params)
        assert r.status_code == 422, (path, params)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_provider_overlap_names_the_overlapping_cell_and_its_pair(services: Services, http: httpx.Client) -> None:
    w = world(services)
    # When the overlap of article 15 is asked
    answer = view(http, "provider-overlap", article=15, min_position=w.position)
    # Then its one cell overlaps, HHI 0.52 (worked out in tests/integration/views/test_provider_overlap.py)
    [cell] = answer["items"]
    assert (cell["state"], cell["ta_type"], cell["hhi"], cell["overlap"]) == (
        "KEN",
        "capacity-building",
        "0.5200",
        True,
    )
    assert {p["programme_id"] for p in cell["pairs"][0]["programmes"]} == {
        w.programme("P"),
        w.programme("R"),
    }
    # And the CSV has a row per cell
    rows = table(http.get("/v1/views/provider-overlap", params={"format": "csv"}))
    assert [(r["article"], r["ta_type"], r["overlap"]) for r in rows] == [
        ("9", "capacity-building", "no"),
        ("9", "legislative-assistance", "no"),
        ("15", "capacity-building", "yes"),
    ]


def test_priority_areas_rank_over_http_by_article_and_by_region(services: Services, http: httpx.Client) -> None:
    w = world(services)
    answer = view(http, "priority-areas", min_position=w.position)
    assert [(i["rank"], i["key"]) for i in answer["items"]] == [(1, 9), (2, 10), (3, 15)]
    by_region = view(http, "priority-areas", group_by="region")
    assert [(i["key"], i["states"], i["needs"]) for i in by_region["items"]] == [("African", 2, 6)]
    assert view(http, "priority-areas", region="Other")["items"] == []
    rows = table(http.get("/v1/views/priority-areas", params={"group_by": "ta_type", "format": "csv"}))
    assert rows[0]["key"] == "other" and rows[0]["rank"] == "1"


def test_programme_monitoring_judges_flags_on_the_as_of_date(services: Services, http: httpx.Client) -> None:
    w = world(services)
    now = view(http, "programme-monitoring", min_position=w.position)
    # Then today is the current UTC date, and the flags are those of the pure view on that day
    today = datetime.now(UTC).date()
    assert now["today"] == today.isoformat()
    expected = programme_monitoring.view(services.durable.programmes(), "USD", today)
    assert [(i["title"], i["flags"]) for i in now["items"]] == [(i["title"], i["flags"]) for i in expected["items"]]
    # When asked as of 2024-09-01 (before any event: nothing yet) and as of a far future date
    assert view(http, "programme-monitoring", as_of="2024-09-01T00:00:00Z")["items"] == []
    future = view(http, "programme-monitoring", as_of="2031-01-01T00:00:00Z")
    flags = {i["title"]: i["flags"] for i in future["items"]}
    # Then on 2031-01-01 P (ended 2025-12-31) is overdue, and P and R (no delivery) have stalled
    assert future["today"] == "2031-01-01"
    assert flags == {
        "Procurement and audit": ["stalled", "overdue"],
        "Audit institutions": ["stalled"],
        "Regional pipeline": [],
    }
    # And the article filter keeps programmes linked to a need of article 15: P (C) and R (G)
    titles = [i["title"] for i in view(http, "programme-monitoring", article=15)["items"]]
    assert titles == ["Audit institutions", "Procurement and audit"]
    # And the flag filter and CSV
    assert [
        i["title"] for i in view(http, "programme-monitoring", flag="overdue", as_of="2031-01-01T00:00:00Z")["items"]
    ] == ["Procurement and audit"]
    rows = table(http.get("/v1/views/programme-monitoring", params={"format": "csv", "state": "UGA"}))
    assert [r["title"] for r in rows] == ["Regional pipeline"]


def test_every_view_answers_as_of_a_position_and_a_date_time_as_it_stood_then(
    services: Services, http: httpx.Client
) -> None:
    # Given the world, then a moment, then a Ghanaian need
    w = world(services)
    view(http, "funding-gaps", min_position=w.position)
    time.sleep(0.05)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    later = services.ledger.identify_need(
        state="GHA",
        article=15,
        ta_types=["capacity-building"],
        description="later",
        horizon="current",
        priority="high",
        source={"kind": "other", "reference": "x", "cycle": None, "date": None},
    )
    # Then now the need is there, with min_position reading our own write
    now = view(http, "funding-gaps", min_position=later.position)
    assert "GHA" in {i["key"] for i in now["items"]}
    # And as of the world's position, and as of the moment before it, every view is as it was
    for name in VIEWS:
        current = view(http, name, min_position=later.position)
        at_position = view(http, name, as_of=str(w.position))
        at_moment = view(http, name, as_of=moment)
        assert at_position["position"] == at_moment["position"] == w.position
        assert at_position == at_moment, name
        assert current["position"] >= later.position
    assert "GHA" not in {i["key"] for i in view(http, "funding-gaps", as_of=str(w.position))["items"]}


def test_anonymous_readers_see_views_built_from_published_needs_only(
    services: Services, server: LiveServer, keys: dict[str, str]
) -> None:
    w = world(services)
    with client_for(server, None) as anonymous, client_for(server, keys["state"]) as kenya:
        # Given nothing published: nothing to see
        r = anonymous.get("/v1/views/funding-gaps", params={"min_position": w.position})
        assert r.status_code == 200 and r.json()["items"] == []
        # When G (worked on by R only) is published
        published = services.ledger.change_need(w.needs["G"], lambda n: n.publish())
        gaps = anonymous.get("/v1/views/funding-gaps", params={"min_position": published.position}).json()
        # Then Kenya's group holds G alone
        assert [(i["key"], i["needs"], i["committed"]) for i in gaps["items"]] == [("KEN", 1, "30000.00")]
        cells = anonymous.get("/v1/views/provider-overlap").json()["items"]
        assert [(c["article"], c["needs"], c["overlap"]) for c in cells] == [(15, 1, False)]
        # And Kenya's focal point sees all of Kenya's needs, but not Uganda's unpublished one
        own = kenya.get("/v1/views/funding-gaps").json()["items"]
        assert [(i["key"], i["needs"]) for i in own] == [("KEN", 5)]
        report = kenya.get("/v1/reports/irg/UGA").json()
        assert report["current"]["needs"] == 0


def test_the_irg_report_answers_json_csv_and_markdown(services: Services, http: httpx.Client) -> None:
    w = world(services)
    # When Kenya's report is asked in each format
    answer = http.get("/v1/reports/irg/ken", params={"min_position": w.position}).json()
    # Then the JSON is the pure report (worked out in tests/integration/views/test_irg_report.py)
    assert (answer["state"], answer["current"]["unmet"], answer["anticipated"]["needs"]) == (
        "KEN",
        1,
        1,
    )
    expected = irg_report.view(services.durable.needs(), "KEN", "USD")
    assert answer["current"]["items"] == expected["current"]["items"]
    rows = table(http.get("/v1/reports/irg/KEN", params={"format": "csv"}))
    assert [(r["horizon"], r["status"]) for r in rows] == [
        ("current", "unmet"),
        ("current", "addressed"),
        ("current", "addressed"),
        ("current", "addressed"),
        ("anticipated", "addressed"),
    ]
    md = http.get("/v1/reports/irg/KEN", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Technical assistance needs of Kenya (KEN)")
    assert "## Anticipated needs" in md.text
    # And as of position 1 (an organisation's registration) Kenya had no needs
    empty = http.get("/v1/reports/irg/KEN", params={"as_of": "1"}).json()
    assert empty["current"]["needs"] == empty["anticipated"]["needs"] == 0 and empty["position"] == 1


def test_an_unknown_state_or_a_non_party_has_no_irg_report(services: Services, http: httpx.Client) -> None:
    for state, code in (("XXX", "unknown-state"), ("AND", "not-a-party")):
        r = http.get(f"/v1/reports/irg/{state}")
        assert r.status_code == 422
        assert r.json()["code"] == code
    assert http.get("/v1/reports/irg/KEN", params={"format": "pdf"}).status_code == 422


LISTS = {
    "unmet-needs": ("count", "counts"),
    "provider-overlap": ("count", "overlapping", "pairs"),
    "programme-monitoring": ("count", "counts"),
}


def test_each_list_view_pages_with_a_cursor_in_list_order_and_counts_them_all(
    services: Services, http: httpx.Client
) -> None:
    w = world(services)
    for name, totals in LISTS.items():
        # Given the view on one page
        whole = view(http, name, min_position=w.position)
        assert whole["next_cursor"] is None and whole["count"] == len(whole["items"]) > 2, name
        # When it is read two at a time, following each page's cursor
        seen, cursor, pages = [], None, 0
        while True:
            page = view(http, name, limit=2, **({"cursor": cursor} if cursor else {}))
            pages += 1
            # Then every page counts all of them, and holds at most two
            assert [page[t] for t in totals] == [whole[t] for t in totals], name
            assert len(page["items"]) <= 2
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        # And the pages together are the whole list, in its order, each once
        assert seen == whole["items"] and pages == -(-whole["count"] // 2), name
        # And a page as of a past position pages the same way
        past = view(http, name, limit=2, as_of=str(w.position))
        assert past["items"] == whole["items"][:2], name
        assert past["next_cursor"] == view(http, name, limit=2)["next_cursor"], name
        # And a cursor this API never gave is a 422 problem
        r = http.get(f"/v1/views/{name}", params={"cursor": "%%%"})
        assert r.status_code == 422 and r.json()["code"] == "invalid-cursor", name


def test_linking_a_need_over_http_answers_with_the_overlap_warning(services: Services, http: httpx.Client) -> None:
    # Given two funders' programmes in Kenya, the first already linked to a need
    ledger = services.ledger
    a = ledger.register_organisation("XM-A", "Agency A", "10").id
    b = ledger.register_organisation("XM-B", "Agency B", "10").id
    need = identify(ledger, "KEN", 52, ["international-cooperation"], "current", "high")
    first = programme(ledger, "Asset recovery A", [a], [], ["KEN"], date(2024, 1, 1), None, 2)
    second = programme(ledger, "Asset recovery B", [b], [], ["KEN"], date(2024, 6, 1), None, 2)
    ledger.link_need(first, need)
    # When the second programme links the same need over HTTP
    r = http.post(f"/v1/programmes/{second}/link-need", json={"need_id": str(need)})
    # Then the link is written and the answer names the first programme
    assert r.status_code == 200, r.text
    assert [(x["code"], x["title"]) for x in r.json()["warnings"]] == [("provider-overlap", "Asset recovery A")]
