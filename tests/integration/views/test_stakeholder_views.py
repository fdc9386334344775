"""Stakeholders (para 15) and assistance already provided (para 7) in the views, on both stores: priority-areas
counts the needs identified with non-governmental stakeholders (kept by the runner, as from the rows) and keeps
only them when asked; the IRG report shows both per need in JSON, CSV and Markdown."""

from __future__ import annotations

from typing import Any

from api.root.services import Services
from domain.stakeholders import assistance
from projections.query import Scope
from projections.views import irg_report, priority_areas
from tests.support.views_world import World, build, current_rows

CSO = {"kind": "civil-society", "name": "Transparency Kenya"}
MPS = {"kind": "parliament", "name": "Public Accounts Committee"}
UNI = {"kind": "academia", "name": "Makerere University"}


def with_stakeholders(services: Services) -> World:
    """The views world, with A (KEN art 9) identified with civil society, D (UGA art 9) with academia, C (KEN
    art 15) with parliament only; A states the assistance programme P already provides."""
    w = build(services.ledger)
    ledger = services.ledger
    ledger.change_need(w.needs["A"], lambda n: n.record_stakeholders([CSO, MPS]))
    ledger.change_need(w.needs["D"], lambda n: n.record_stakeholders([UNI]))
    ledger.change_need(w.needs["C"], lambda n: n.record_stakeholders([MPS]))
    ledger.change_need(
        w.needs["A"], lambda n: n.record_assistance(assistance("Mentoring of the authority", w.programmes["P"]))
    )
    return w


def by_key(answer: dict[str, Any], field: str) -> dict[Any, Any]:
    return {i["key"]: i[field] for i in answer["items"]}


def test_priority_areas_count_needs_identified_with_non_governmental_stakeholders(services: Services) -> None:
    # Given A and D with non-governmental stakeholders, C with parliament only
    with_stakeholders(services)
    needs, _ = current_rows(services)
    # When priority-areas is drawn from the rows and from what the runner keeps
    folded = priority_areas.view(needs, "USD", "article")
    tallies = services.durable.grouped("article", Scope())[0]
    kept = priority_areas.answer(tallies, "USD", "article")
    # Then article 9 counts A and D, article 15 none (parliament is an organ of the State), article 10 none
    assert by_key(folded, "needs_non_governmental_stakeholders") == {9: 2, 10: 0, 15: 0}
    assert kept == folded
    # And the CSV names the column
    header, rows = priority_areas.csv_rows(folded)
    column = header.index("needs_non_governmental_stakeholders")
    assert [r[column] for r in rows] == [2, 0, 0]


def test_the_stakeholders_filter_keeps_the_needs_identified_with_them(services: Services) -> None:
    with_stakeholders(services)
    needs, _ = current_rows(services)
    # When only needs with non-governmental stakeholders are kept, then article 9 holds A and D, nothing else
    answer = priority_areas.view(needs, "USD", "article", stakeholders="non-governmental")
    assert by_key(answer, "needs") == {9: 2}
    assert by_key(answer, "state_codes") == {9: ["KEN", "UGA"]}
    assert answer["stakeholders"] == "non-governmental"
    # And a kind keeps the needs with one of that kind: parliament, A and C
    answer = priority_areas.view(needs, "USD", "article", stakeholders="parliament")
    assert by_key(answer, "needs") == {9: 1, 15: 1}


def test_the_irg_report_shows_stakeholders_and_assistance_per_need(services: Services) -> None:
    w = with_stakeholders(services)
    needs, _ = current_rows(services)
    answer = irg_report.view(needs, "KEN", "USD")
    # Then A's item names its stakeholders and the assistance with programme P's title
    [a] = [i for i in answer["current"]["items"] if i["need_id"] == w.need("A")]
    assert a["stakeholders"] == [CSO, MPS]
    assert a["assistance_provided"] == {
        "text": "Mentoring of the authority",
        "programme_id": w.programme("P"),
        "programme_title": "Procurement and audit",
    }
    # And the CSV has a column for each
    header, rows = irg_report.csv_rows(answer)
    row = next(r for r in rows if r[header.index("need_id")] == w.need("A"))
    assert (
        row[header.index("stakeholders")] == "civil-society: Transparency Kenya;parliament: Public Accounts Committee"
    )
    assert row[header.index("assistance_provided")] == "Mentoring of the authority (programme: Procurement and audit)"
    # And the Markdown tables: A's line names both, a need without them reads "—"
    text = irg_report.markdown(answer)
    assert "| Stakeholders | Assistance already provided |" in text
    line = next(line for line in text.splitlines() if "Transparency Kenya (civil-society)" in line)
    assert (
        "Public Accounts Committee (parliament)" in line
        and "Mentoring of the authority (programme: Procurement and audit)" in line
    )
    g_line = next(line for line in text.splitlines() if line.endswith("| G |"))
    assert "| — | — | G |" in g_line
