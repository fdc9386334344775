"""A small world for access tests: two funders, needs of Kenya and Uganda, a programme of each funder.

Built through the Ledger (not HTTP), so access tests start from known ids. The `keys` fixture's
provider key belongs to GB-GOV-1 and its state key to Kenya: `programme` and `need` are theirs,
`foreign_programme` and `foreign_need` are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain import context
from domain.needs import source

NEED = {
    "state": "KEN",
    "article": 9,
    "paragraph": None,
    "ta_types": ["legal-advice"],
    "description": "Review of the public procurement law",
    "horizon": "current",
    "priority": "high",
    "source": {"kind": "country-review-report", "reference": "CRR Kenya", "cycle": 2, "date": "2021-06-01"},
}


@dataclass(frozen=True)
class World:
    org: UUID  # GB-GOV-1: the provider key's organisation
    other_org: UUID  # DE-1: another funder
    need: UUID  # Kenya's, unpublished
    foreign_need: UUID  # Uganda's, unpublished
    programme: UUID  # funded by GB-GOV-1, in Kenya and Uganda, in implementation
    foreign_programme: UUID  # funded and reported by DE-1
    commitment: str  # on `programme`
    spare_key: UUID  # a coordinator key nobody uses, for revoking

    def path_values(self) -> dict[str, str]:
        """A real value for every path parameter name the app's routes use."""
        return {
            "org_id": str(self.org),
            "need_id": str(self.need),
            "programme_id": str(self.programme),
            "commitment_id": self.commitment,
            "disbursement_id": "d-1",  # none recorded: the route answers 404 to those the table lets through
            "correction_id": "k-1",  # none recorded either
            "delivery_id": "v-1",  # none recorded either
            "key_id": str(self.spare_key),
            "stream_id": str(self.need),
            "state": "KEN",
            "name": "dashboard.css",
        }


def need_fields(state: str) -> dict[str, Any]:
    return {**NEED, "state": state, "source": source("country-review-report", f"CRR {state}", 2)}


def build(ledger: Any) -> World:
    """Expects the `keys` fixture to have registered GB-GOV-1."""
    with context.recording(actor="world-builder"):
        org = ledger.organisation_by_ref("GB-GOV-1").id
        other = ledger.register_organisation("DE-1", "Federal Foreign Office", "10", "DEU").id
        need = ledger.identify_need(**need_fields("KEN")).id
        foreign_need = ledger.identify_need(**need_fields("UGA")).id
        programme = _programme(ledger, "Procurement reform support", org)
        foreign = _programme(ledger, "Asset recovery training", other)
        ledger.change_programme(
            programme, lambda p: p.record_commitment("c-1", org, "100000", "USD", date(2024, 1, 15))
        )
        spare = ledger.issue_key("spare coordinator", "coordinator")[0].id
    return World(org, other, need, foreign_need, programme, foreign, "c-1", spare)


def _programme(ledger: Any, title: str, funder: UUID) -> UUID:
    return ledger.register_programme(
        title=title,
        description="",
        reporting_org=funder,
        funders=[funder],
        implementers=[],
        states=["KEN", "UGA"],
        start=date(2024, 1, 1),
        end=date(2026, 12, 31),
        status=2,
    ).id
