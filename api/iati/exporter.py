"""The ledger's programmes as IATI activities, for `export.write_activities`: `programme_activities` yields an
`Activity` per programme (rows filtered by state and funder, money from the aggregate), or `NotExported` with the
reason IATI cannot express it. Specification: docs/iati-export.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from api.iati.model import TRANSACTION_TYPE_OF, Activity, OrgRef, Transaction, alpha2_by_alpha3
from domain import corrections, third_party
from domain.organisations import organisation_id
from domain.programmes import Programme
from projections.query import Scope
from projections.rows import report_note


@dataclass(frozen=True)
class NotExported:
    programme_id: str
    reason: str


@dataclass
class ExportSource:
    """What the export reads besides aggregates: programme rows, organisations, need articles."""

    programmes: list[dict[str, Any]]
    organisations: dict[str, dict[str, Any]]  # org_id -> document (ref, name, org_type)
    articles: dict[str, int]  # need_id -> article

    @classmethod
    def of(cls, svc: Any, state: str | None = None, scope: Scope | None = None) -> ExportSource:
        """What the reader whose `scope` it is may see: a need it may not see gives no UNCAC tag
        (the article is all the export says of a need, so nothing of a hidden need is left)."""
        durable = svc.durable
        return cls(
            programmes=durable.programmes(state=state),
            organisations={d["org_id"]: d for d in durable.organisations()},
            articles={r["need_id"]: r["article"] for r in durable.needs(scope or Scope())},
        )

    def org(self, org_id: UUID | str) -> OrgRef:
        doc = self.organisations.get(str(org_id))
        if doc is None:  # the views lag behind the aggregate: an id is all we know
            return OrgRef(str(org_id), str(org_id), None)
        return OrgRef(doc["ref"], doc["name"], doc["org_type"])


def programme_activities(
    ledger: Any, source: ExportSource, funder_ref: str | None = None, state: str | None = None
) -> Iterator[Activity | NotExported]:
    funder = str(organisation_id(funder_ref)) if funder_ref is not None else None
    for row in source.programmes:
        if state is not None and state not in row["states"]:
            continue
        if funder is not None and funder not in {f["org_id"] for f in row["funders"]}:
            continue
        programme = ledger.programme(UUID(row["programme_id"]))
        problem = _inexpressible(programme)
        if problem:
            yield NotExported(str(programme.id), problem)
        else:
            yield activity(programme, source)


def activity(p: Programme, source: ExportSource) -> Activity:
    reporting = source.org(p.reporting_org)
    transactions = _transactions(p, source)
    start, planned = (p.start, False) if p.start or p.end else (_planned_start(p, transactions), True)
    return Activity(
        iati_identifier=p.iati_identifier or f"{reporting.ref}-{p.id}",
        title=p.title,
        description=p.description,
        reporting_org=reporting,
        funders=[source.org(f) for f in p.funders],
        implementers=[source.org(i) for i in p.implementers],
        states=list(p.states),
        start=start,
        end=p.end,
        status=p.status,
        sectors=[("1", "15113")],
        uncac_articles=sorted({source.articles[n] for n in map(str, p.links) if n in source.articles}),
        transactions=transactions,
        last_updated=p.modified_on.isoformat(timespec="seconds"),
        planned=planned,
    )


def _planned_start(p: Programme, transactions: list[Transaction]) -> date:
    """IATI needs a date: for a programme without one, its first transaction's, else the day it was registered,
    written as a planned start (docs/iati-export.md)."""
    return min((t.value_date for t in transactions), default=p.created_on.date())


def _transactions(p: Programme, source: ExportSource) -> list[Transaction]:
    """The programme's money as IATI transactions; a third-party report is the reporter's transaction, with
    provider-org its funder and a description saying whether the funder confirmed it; a disputed one is left out."""
    out = [
        Transaction(
            ref=cid,
            type_code=TRANSACTION_TYPE_OF[c["kind"]],
            amount=c["amount"],
            currency=c["currency"],
            value_date=c["value_date"],
            provider_ref=source.org(c["funder"]).ref,
            description=_report_note(c, source),
        )
        for cid, c in p.commitments.items()
        if not c["cancelled"] and third_party.confirmation(c) != third_party.DISPUTED
    ]
    out += [
        Transaction(
            ref=did,
            type_code=TRANSACTION_TYPE_OF["disbursement"],
            amount=d["amount"],
            currency=d["currency"],
            value_date=d["value_date"],
            provider_ref=source.org(d["funder"]).ref if d["funder"] else None,
            description=_report_note(d, source),
        )
        for did, d in p.disbursements.items()
        if third_party.confirmation(d) != third_party.DISPUTED
    ]
    out += [
        Transaction(
            ref=cid,
            type_code=TRANSACTION_TYPE_OF[corrections.CORRECTS[c["kind"]]],
            amount=-c["amount"],  # IATI writes a correction as a negative value
            currency=c["currency"],
            value_date=c["value_date"],
            provider_ref=source.org(c["funder"]).ref if c["funder"] else None,
            description=_report_note(c, source),
        )
        for cid, c in p.corrections.items()
        if third_party.confirmation(c) != third_party.DISPUTED
    ]
    return out


def _report_note(entry: dict[str, Any], source: ExportSource) -> str | None:
    """ "reported by X, not confirmed by Y" for a third-party report; None for money recorded by its funder."""
    if entry.get("reported_by") is None:
        return None
    return report_note(
        source.org(entry["reported_by"]).name, source.org(entry["funder"]).name, third_party.confirmation(entry)
    )


def _inexpressible(p: Programme) -> str | None:
    missing = [s for s in p.states if s not in alpha2_by_alpha3()]
    if missing:
        return f"no-country-code: {', '.join(missing)} has no IATI (ISO alpha-2) country code"
    return None


def own_programme_id(identifier: str) -> UUID | None:
    """The programme id in an identifier this exporter made up ("<ref>-<uuid>"), if it is one."""
    tail = identifier[-36:]
    if len(identifier) < 38 or identifier[-37] != "-":
        return None
    try:
        return UUID(tail)
    except ValueError:
        return None
