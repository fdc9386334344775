"""A world for search and lessons learned, built through the Ledger.

Organisations: Agency One (XM-ONE, the provider), Implementer (XM-IMPL).
Needs:  A  KEN art 9   published    "Electronic procurement platform for public tenders"
        B  KEN art 10  unpublished  "Asset declaration registry for public officials"
        C  UGA art 9   published    "Audit of procurement contracts"
        D  UGA art 11  unpublished  "Judicial integrity code"
Programme P "Procurement reform" (KEN, UGA), implementation, by Agency One with Implementer, links A, B, C, D.
Deliveries of P, with lessons:
  d1 2024-03-01 serves A        "Officers learned e-procurement fastest through simulations of real tenders."
  d2 2024-04-01 serves B        "The registry needs a legal basis before any verification of declarations."
  d3 2024-05-01 serves A and B  "Procurement and declaration units should share one registry."
  d4 2024-06-01 serves C        no lessons (recorded later by tests)
  d5 2024-07-01 serves D        "Judges adopt a code they drafted themselves."
Programme Q "Audit institutions" (UGA), no deliveries: its description mentions procurement once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain import context
from domain.needs import source


@dataclass
class SearchWorld:
    one: UUID
    impl: UUID
    needs: dict[str, UUID]
    p: UUID
    q: UUID

    def need(self, letter: str) -> str:
        return str(self.needs[letter])


LESSONS = {
    "d1": "Officers learned e-procurement fastest through simulations of real tenders.",
    "d2": "The registry needs a legal basis before any verification of declarations.",
    "d3": "Procurement and declaration units should share one registry.",
    "d5": "Judges adopt a code they drafted themselves.",
}


def _need(ledger: Any, state: str, article: int, description: str, published: bool) -> UUID:
    need_id: UUID = ledger.identify_need(
        state=state,
        article=article,
        ta_types=["capacity-building"],
        description=description,
        horizon="current",
        priority="high",
        source=source("country-review-report", f"CRR {state}", 2),
    ).id
    if published:
        ledger.change_need(need_id, lambda n: n.publish())
    return need_id


def build(ledger: Any) -> SearchWorld:
    with context.recording(actor="search-world"):
        one = ledger.register_organisation("XM-ONE", "Agency One", "10").id
        impl = ledger.register_organisation("XM-IMPL", "Implementer", "21").id
        n = {
            "A": _need(ledger, "KEN", 9, "Electronic procurement platform for public tenders", True),
            "B": _need(ledger, "KEN", 10, "Asset declaration registry for public officials", False),
            "C": _need(ledger, "UGA", 9, "Audit of procurement contracts", True),
            "D": _need(ledger, "UGA", 11, "Judicial integrity code", False),
        }
        common = {"reporting_org": one, "funders": [one], "start": date(2024, 1, 1), "end": None, "status": 2}
        p = ledger.register_programme(
            title="Procurement reform", description="", implementers=[impl], states=["KEN", "UGA"], **common
        ).id
        q = ledger.register_programme(
            title="Audit institutions",
            description="Supreme audit institutions review procurement among many other public expenditures.",
            implementers=[],
            states=["UGA"],
            **common,
        ).id
        for letter in "ABCD":
            ledger.link_need(p, n[letter])
        served = {"d1": ["A"], "d2": ["B"], "d3": ["A", "B"], "d4": ["C"], "d5": ["D"]}
        for month, (did, letters) in enumerate(served.items(), start=3):
            ledger.change_programme(
                p,
                lambda x, did=did, letters=letters, month=month: x.record_delivery(
                    did,
                    "training",
                    date(2024, month, 1),
                    [n[k] for k in letters],
                    f"delivery {did}",
                    lessons=LESSONS.get(did),
                ),
            )
    return SearchWorld(one, impl, n, p, q)
