"""Who money is recorded in the name of (issue 16, attribution): the rules the money routes apply to the key.

A provider key records money whose funder is its own organisation; money in another funder's name is a
third-party report, allowed to the programme's reporting organisation only (the domain checks that), kept
unconfirmed until that funder's key confirms or disputes it. A disbursement sent without a funder by a
provider key is its organisation's own. Admin keys record, confirm and dispute on anyone's behalf, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from api.http.auth import PROVIDER, Principal
from api.http.problems import ApiProblem
from domain import third_party
from domain.programmes import Programme
from projections.rows import report_note

Command = Callable[[Programme], None]


def record_money(who: Principal, kind: str, money_id: str, funder: UUID | None, body: Any) -> Command:
    """The command recording a pledge, commitment or disbursement as the key may: its organisation's own, or
    a third-party report in the funder's name with `reported_by` = the key's organisation."""
    if who.role == PROVIDER and who.organisation is not None:
        funder = funder or who.organisation
        if funder != who.organisation:
            named, reporter = funder, who.organisation
            return lambda p: p.report_money(
                kind, money_id, named, body.amount, body.currency, body.value_date, reported_by=reporter
            )
    if kind == "disbursement":
        return lambda p: p.record_disbursement(money_id, body.amount, body.currency, body.value_date, funder)
    assert funder is not None
    record = Programme.record_pledge if kind == "pledge" else Programme.record_commitment
    return lambda p: record(p, money_id, funder, body.amount, body.currency, body.value_date)


def as_funder_or_reporter(who: Principal, commitment_id: str, command: Command) -> Command:
    """A commitment is revised or cancelled by its funder's key, or, for a third-party report, by its reporter's;
    never by a key of another organisation on the programme. An unknown commitment is the domain's to refuse."""

    def guarded(p: Programme) -> None:
        c = p.commitments.get(commitment_id)
        if who.role == PROVIDER and c is not None and who.organisation not in (c["funder"], c.get("reported_by")):
            raise ApiProblem(
                403, "forbidden-scope", "this key may change only commitments its organisation funds or reported"
            )
        command(p)

    return guarded


def as_funder(who: Principal, book: str, money_id: str, command: Command) -> Command:
    """A third-party report is confirmed or disputed by its funder's key (an admin's on its behalf): never by
    its reporter, whose word it is. An unknown id or money that is no report is the domain's to refuse."""

    def guarded(p: Programme) -> None:
        entry = third_party.entries(p, book).get(money_id)
        if who.role == PROVIDER and entry is not None and entry["funder"] != who.organisation:
            raise ApiProblem(
                403, "not-the-funder", f"only the funder's key confirms or disputes this {book}, reported in its name"
            )
        command(p)

    return guarded


def attributed(ledger: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """A programme answer whose third-party reports read "reported by X, not confirmed by Y" (`note`), as every
    view, page and export shows them; money recorded by its funder has no note."""
    names: dict[Any, str] = {}

    def name(org_id: Any) -> str:
        if org_id not in names:
            names[org_id] = ledger.organisation(org_id).name
        return names[org_id]

    for book in ("commitments", "disbursements", "corrections"):
        for entry in answer.get(book, []):
            if entry.get("reported_by") is not None:
                entry["note"] = report_note(
                    name(entry["reported_by"]),
                    name(entry["funder"]),
                    entry["confirmation"],
                    entry.get("dispute_reason"),
                )
    return answer
