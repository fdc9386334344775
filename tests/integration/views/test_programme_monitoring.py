"""programme-monitoring: money and deliveries per programme, and the flags judged on a given day."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.root.services import Services
from projections.views import programme_monitoring
from tests.support.views_world import programme

TODAY = date(2025, 1, 31)


def by_title(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["title"]: i for i in answer["items"]}


def deliver(ledger: Any, pid: Any, key: str, on: date) -> None:
    ledger.change_programme(pid, lambda p: p.record_delivery(key, "training", on, [], "a course"))


def money(ledger: Any, pid: Any, funder: Any, committed: str | None, disbursed: str | None) -> None:
    if committed:
        ledger.change_programme(pid, lambda p: p.record_commitment("c", funder, committed, "USD", date(2024, 1, 1)))
    if disbursed:
        ledger.change_programme(pid, lambda p: p.record_disbursement("d", disbursed, "USD", date(2024, 2, 1), funder))


def test_flags_are_judged_on_the_given_day(services: Services) -> None:
    ledger = services.ledger
    f = ledger.register_organisation("XM-F", "Funder", "10").id
    # Given "Busy": committed 100,000, disbursed 120,000 (rate 1.2), last delivery 2024-09-01
    busy = programme(ledger, "Busy", [f], [], ["KEN"], date(2024, 1, 1), date(2025, 12, 31), 2)
    money(ledger, busy, f, "100000", "120000")
    deliver(ledger, busy, "d1", date(2024, 3, 1))
    deliver(ledger, busy, "d2", date(2024, 9, 1))
    # And "Quiet": no delivery since its start 2024-06-01 (244 days before TODAY), ended 2024-12-31
    quiet = programme(ledger, "Quiet", [f], [], ["KEN"], date(2024, 6, 1), date(2024, 12, 31), 2)
    money(ledger, quiet, f, "50000", "10000")
    # And "Closed": past its end but closed; "Finishing": finalisation, past its end
    closed = programme(ledger, "Closed", [f], [], ["KEN"], date(2023, 1, 1), date(2024, 6, 30), 2)
    ledger.change_programme(closed, lambda p: p.change_status(4))
    programme(ledger, "Finishing", [f], [], ["KEN"], date(2023, 1, 1), date(2024, 12, 31), 3)
    services.runner.catch_up()
    # When monitored on TODAY
    answer = programme_monitoring.view(services.durable.programmes(), "USD", TODAY)
    found = by_title(answer)
    # Then Busy: 120,000 / 100,000 = 1.2000, over-disbursed; 152 days since 2024-09-01: not stalled
    assert {
        k: found["Busy"][k]
        for k in (
            "committed",
            "disbursed",
            "disbursement_rate",
            "deliveries",
            "last_delivery",
            "days_without_delivery",
            "flags",
        )
    } == {
        "committed": "100000.00",
        "disbursed": "120000.00",
        "disbursement_rate": "1.2000",
        "deliveries": 2,
        "last_delivery": "2024-09-01",
        "days_without_delivery": 152,
        "flags": ["over-disbursed"],
    }
    # And Quiet: 10,000 / 50,000 = 0.2000; stalled (244 > 180 days) and overdue
    assert (
        found["Quiet"]["disbursement_rate"],
        found["Quiet"]["days_without_delivery"],
        found["Quiet"]["flags"],
    ) == ("0.2000", 244, ["stalled", "overdue"])
    # And Closed is not overdue; nothing committed: no disbursement rate
    assert (found["Closed"]["flags"], found["Closed"]["disbursement_rate"]) == ([], None)
    # And Finishing is overdue but never stalled (only programmes in implementation stall)
    assert (found["Finishing"]["flags"], found["Finishing"]["days_without_delivery"]) == (
        ["overdue"],
        None,
    )
    assert answer["counts"] == {"over-disbursed": 1, "stalled": 1, "overdue": 2, "net-negative": 0}
    # And a year earlier Quiet had not yet stalled nor passed its end
    earlier = by_title(programme_monitoring.view(services.durable.programmes(), "USD", date(2024, 10, 1)))
    assert earlier["Quiet"]["flags"] == []


def test_a_programme_stalls_on_the_181st_day_without_delivery(services: Services) -> None:
    ledger = services.ledger
    f = ledger.register_organisation("XM-F", "Funder", "10").id
    # Given deliveries 180 and 181 days before TODAY (2024-08-04 and 2024-08-03)
    on_time = programme(ledger, "On time", [f], [], ["KEN"], date(2024, 1, 1), None, 2)
    deliver(ledger, on_time, "d", date(2024, 8, 4))
    late = programme(ledger, "Late", [f], [], ["KEN"], date(2024, 1, 1), None, 2)
    deliver(ledger, late, "d", date(2024, 8, 3))
    services.runner.catch_up()
    found = by_title(programme_monitoring.view(services.durable.programmes(), "USD", TODAY))
    # Then 180 days is still within the window, 181 is stalled
    assert (found["On time"]["days_without_delivery"], found["On time"]["flags"]) == (180, [])
    assert (found["Late"]["days_without_delivery"], found["Late"]["flags"]) == (181, ["stalled"])
    # And the flag filter keeps only the stalled one, with the counts of all
    stalled = programme_monitoring.view(services.durable.programmes(), "USD", TODAY, flag="stalled")
    assert [i["title"] for i in stalled["items"]] == ["Late"] and stalled["counts"]["stalled"] == 1


def test_amounts_without_a_rate_are_listed_apart_and_not_compared(services: Services) -> None:
    ledger = services.ledger
    f = ledger.register_organisation("XM-F", "Funder", "10").id
    # Given a commitment in USD and a larger disbursement in NOK, for which no rate exists
    pid = programme(ledger, "Kroner", [f], [], ["KEN"], date(2024, 1, 1), None, 2)
    money(ledger, pid, f, "1000", None)
    ledger.change_programme(pid, lambda p: p.record_disbursement("d", "5000", "NOK", date(2024, 2, 1), f))
    services.runner.catch_up()
    answer = programme_monitoring.view(services.durable.programmes(), "USD", date(2024, 3, 1))
    [item] = answer["items"]
    # Then the NOK stays apart, the converted disbursement is 0 and nothing is over-disbursed
    assert (item["disbursed"], item["unconverted"]["disbursed"], item["flags"]) == (
        "0.00",
        {"NOK": "5000.00"},
        [],
    )
    columns, rows = programme_monitoring.csv_rows(answer)
    assert dict(zip(columns, rows[0], strict=True))["unconverted_disbursed"] == "NOK 5000.00"
