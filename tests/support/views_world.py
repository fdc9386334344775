"""The coordination meeting's world, built through the Ledger, with every amount worked out by hand.

Rates: 1 EUR = 1.10 USD from 2024-01-01; no GBP rate.
Needs (open unless said):
  A  KEN art 9   capacity-building           current     high    est 100,000 USD
  B  KEN art 9   capacity-building + legal-advice (v2 legislative-assistance)
                                             anticipated medium  est  50,000 EUR = 55,000 USD
  C  KEN art 15  capacity-building           current     medium  no estimate
  D  UGA art 9   action-plan (v2 policymaking) current   high    est  20,000 GBP (no rate)
  E  KEN art 9   capacity-building           current     low     est 999 USD, withdrawn
  G  KEN art 15  capacity-building           current     low     est  10,000 USD
  H  KEN art 10  other                       current     high    no estimate, nobody on it
Programmes:
  P  funder One, implementer Impl, KEN, 2024-01-01..2025-12-31, implementation
     links A (share 0.5), B and C (no share: each (1 - 0.5) / 2 = 0.25)
     commitment 80,000 USD, pledge 20,000 USD, disbursement 10,000 EUR on 2024-03-01 = 11,000 USD
     so A: committed 40,000, pledged 10,000, disbursed 5,500, gap 100,000 - 40,000 = 60,000
        B: committed 20,000, pledged  5,000, disbursed 2,750, gap  55,000 - 20,000 = 35,000
        C: committed 20,000, pledged  5,000, disbursed 2,750, gap unknown
  Q  funder Two, KEN + UGA, pipeline, links A and D; its only commitment cancelled: not active
  R  funder Two, KEN, 2024-06-01..open, implementation, links G; commitment 30,000 USD
     so G: committed 30,000, gap max(0, 10,000 - 30,000) = 0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain import context
from domain.needs import money, source

DAY = date(2024, 1, 1)


@dataclass
class World:
    one: UUID
    two: UUID
    impl: UUID
    needs: dict[str, UUID]
    programmes: dict[str, UUID]
    position: int  # of the last write

    def need(self, letter: str) -> str:
        return str(self.needs[letter])

    def programme(self, letter: str) -> str:
        return str(self.programmes[letter])


def identify(
    ledger: Any,
    state: str,
    article: int,
    ta_types: list[str],
    horizon: str,
    priority: str,
    cost: tuple[str, str] | None = None,
    description: str = "a need",
) -> UUID:
    return ledger.identify_need(
        state=state,
        article=article,
        ta_types=ta_types,
        description=description,
        horizon=horizon,
        priority=priority,
        source=source("country-review-report", f"CRR {state}", 2),
        estimated_cost=money(cost[0], cost[1], DAY) if cost else None,
    ).id


def programme(
    ledger: Any,
    title: str,
    funders: list[UUID],
    implementers: list[UUID],
    states: list[str],
    start: date | None,
    end: date | None,
    status: int,
) -> UUID:
    return ledger.register_programme(
        title=title,
        description="",
        reporting_org=funders[0],
        funders=funders,
        implementers=implementers,
        states=states,
        start=start,
        end=end,
        status=status,
    ).id


def build(ledger: Any) -> World:
    with context.recording(actor="world-builder"):
        one = ledger.register_organisation("XM-ONE", "Agency One", "10").id
        two = ledger.register_organisation("XM-TWO", "Agency Two", "10").id
        impl = ledger.register_organisation("XM-IMPL", "Implementer", "21").id
        ledger.record_rate("EUR", DAY, "1.10")
        n = {
            "A": identify(ledger, "KEN", 9, ["capacity-building"], "current", "high", ("100000", "USD"), "A"),
            "B": identify(
                ledger,
                "KEN",
                9,
                ["capacity-building", "legal-advice"],
                "anticipated",
                "medium",
                ("50000", "EUR"),
                "B",
            ),
            "C": identify(ledger, "KEN", 15, ["capacity-building"], "current", "medium", None, "C"),
            "D": identify(ledger, "UGA", 9, ["action-plan"], "current", "high", ("20000", "GBP"), "D"),
            "E": identify(ledger, "KEN", 9, ["capacity-building"], "current", "low", ("999", "USD"), "E"),
            "G": identify(ledger, "KEN", 15, ["capacity-building"], "current", "low", ("10000", "USD"), "G"),
            "H": identify(ledger, "KEN", 10, ["other"], "current", "high", None, "H"),
        }
        ledger.change_need(n["E"], lambda x: x.withdraw("no longer needed"))
        p = {
            "P": programme(ledger, "Procurement and audit", [one], [impl], ["KEN"], DAY, date(2025, 12, 31), 2),
            "Q": programme(ledger, "Regional pipeline", [two], [], ["KEN", "UGA"], None, None, 1),
            "R": programme(ledger, "Audit institutions", [two], [], ["KEN"], date(2024, 6, 1), None, 2),
        }
        ledger.link_need(p["P"], n["A"], "0.5")
        ledger.link_need(p["P"], n["B"])
        ledger.link_need(p["P"], n["C"])
        ledger.change_programme(p["P"], lambda x: x.record_commitment("c1", one, "80000", "USD", DAY))
        ledger.change_programme(p["P"], lambda x: x.record_pledge("pl1", one, "20000", "USD", DAY))
        ledger.change_programme(p["P"], lambda x: x.record_disbursement("d1", "10000", "EUR", date(2024, 3, 1), one))
        ledger.link_need(p["Q"], n["A"])
        ledger.link_need(p["Q"], n["D"])
        ledger.change_programme(p["Q"], lambda x: x.record_commitment("q1", two, "5000", "USD", DAY))
        ledger.change_programme(p["Q"], lambda x: x.cancel_commitment("q1"))
        ledger.link_need(p["R"], n["G"])
        w = ledger.change_programme(p["R"], lambda x: x.record_commitment("r1", two, "30000", "USD", DAY))
    return World(one, two, impl, n, p, w.position)


def current_rows(svc: Any) -> tuple[list[dict], list[dict]]:
    """The durable rows once the runner has caught up."""
    svc.runner.catch_up()
    return svc.durable.needs(), svc.durable.programmes()
