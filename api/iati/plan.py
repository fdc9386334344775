"""What one IATI activity changes on its programme: `Plan.between(programme, activity, needs)` reads the aggregate
and lists the commands, in the order they must run, that make the ledger say what the activity says (status,
period, money matched by transaction id, negative money as corrections, need links by UNCAC tag); differences the
domain has no event for become notes. Specification: docs/iati-import.md, "What one activity changes on its programme".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from uuid import UUID

from api.iati.model import COMMITMENTS, CORRECTIONS, DISBURSEMENTS, TRANSACTION_KINDS, Activity, Transaction
from domain import corrections
from domain.errors import RuleBroken
from domain.organisations import organisation_id as _organisation_id
from domain.programmes import CANCELLED, CLOSED, Programme

DERIVED = "tx-"
Command = Callable[[Programme], None]
org_id = lru_cache(maxsize=4096)(_organisation_id)  # a file names few organisations, many times


@dataclass
class NeedIndex:
    """The needs an import links to: open ones by (state, article), and every need's cell."""

    open_by_cell: dict[tuple[str, int], list[UUID]] = field(default_factory=dict)
    cell_of: dict[UUID, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, need_rows: list[dict[str, Any]]) -> NeedIndex:
        index = cls()
        for row in need_rows:
            need_id, cell = UUID(row["need_id"]), (row["state"], int(row["article"]))
            index.cell_of[need_id] = cell
            if row["status"] == "open":
                index.open_by_cell.setdefault(cell, []).append(need_id)
        return index


def closes(status: int) -> bool:
    return status in (CLOSED, CANCELLED)


def money_in(activity: Activity) -> bool:
    """Whether the activity carries money the ledger records (which a closed programme refuses)."""
    return any(t.book is not None for t in activity.transactions)


@dataclass
class Plan:
    steps: list[tuple[str, str | None, Command]] = field(default_factory=list)
    unchanged: Counter[str] = field(default_factory=Counter)  # already recorded, by type code
    ignored: Counter[str] = field(default_factory=Counter)  # transactions not recorded, by type
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, type_code: str | None, command: Command) -> None:
        self.steps.append((kind, type_code, command))

    def apply(self, programme: Programme) -> None:
        for _, _, command in self.steps:
            command(programme)

    def count(self, *kinds: str) -> Counter[str]:
        """How many steps of these kinds, by transaction type code (or by kind without one)."""
        return Counter(code or kind for kind, code, _ in self.steps if kind in kinds)

    @classmethod
    def between(cls, p: Programme, a: Activity, needs: NeedIndex, acting_org: UUID | None = None) -> Plan:
        """`acting_org`: a provider key's organisation, in whose name the money is recorded or reported."""
        plan = cls()
        target = a.status
        if p.status != target and not closes(target):
            plan.add("status", None, lambda q: q.change_status(target))
        if (p.start, p.end) != (a.start, a.end):
            plan.add("period", None, lambda q: q.change_period(a.start, a.end))
        _money(plan, p, a, acting_org)
        _links(plan, p, a, needs)
        if p.status != target and closes(target):
            plan.add("status", None, lambda q: q.change_status(target))
        return plan


def _funder(p: Programme, t: Transaction, acting_org: UUID | None = None) -> UUID:
    """The provider-org when it funds the programme, else the importing key's organisation when it funds it,
    else the programme's first funder."""
    if t.provider_ref:
        provider = org_id(t.provider_ref)
        if provider in p.funders:
            return provider
    return acting_org if acting_org in p.funders else p.funders[0]


def _money(plan: Plan, p: Programme, a: Activity, acting_org: UUID | None) -> None:
    ids: dict[str, set[str]] = {COMMITMENTS: set(), DISBURSEMENTS: set(), CORRECTIONS: set()}  # the file's, by book
    for t in a.transactions:
        if t.book is not None:
            ids[t.book].add(t.ref)
    # Ledger commitments a changed ref-less amount may stand for: derived ids the file lost.
    orphans = [
        cid
        for cid, c in p.commitments.items()
        if cid.startswith(DERIVED) and cid not in ids[COMMITMENTS] and not c["cancelled"]
    ]
    claimed: dict[str, set[str]] = {book: set() for book in ids}  # ledger ids the file holds under other ids
    for t in a.transactions:
        if t.book is None:
            plan.ignored[t.type_code] += 1
        elif t.book == DISBURSEMENTS:
            _disbursement(plan, p, t, acting_org, ids[DISBURSEMENTS], claimed[DISBURSEMENTS])
        elif t.book == CORRECTIONS:
            _correction(plan, p, t, acting_org, ids[CORRECTIONS], claimed[CORRECTIONS])
        else:
            _commitment(
                plan, p, t, TRANSACTION_KINDS[t.type_code], orphans, ids[COMMITMENTS], claimed[COMMITMENTS], acting_org
            )
    for book, entries, what in (
        (COMMITMENTS, p.commitments, "commitment(s) or pledge(s)"),
        (DISBURSEMENTS, p.disbursements, "disbursement(s)"),
        (CORRECTIONS, p.corrections, "correction(s)"),
    ):
        lost = sorted(
            i for i, e in entries.items() if i not in ids[book] and i not in claimed[book] and not e.get("cancelled")
        )
        if lost:
            cancel = " (kept; cancel them explicitly if withdrawn)" if book == COMMITMENTS else " (kept)"
            plan.notes.append(f"{len(lost)} {what} in the ledger are not in the file{cancel}: {', '.join(lost)}")


def _held(t: Transaction, book: dict[str, dict[str, Any]], ids: set[str], claimed: set[str], fits: Fits) -> str | None:
    """The ledger's id for the transaction: its own, else the id the other rule of identity gave it, when no other
    transaction of the file has that id and the entry is the same money (a ref that became shared, or unique)."""
    if t.ref in book:
        return t.ref
    for alias in t.aliases:
        if alias in book and alias not in ids and alias not in claimed and fits(book[alias]):
            claimed.add(alias)
            return alias
    return None


Fits = Callable[[dict[str, Any]], bool]


def _recorded(kind: str, t: Transaction, funder: UUID, acting_org: UUID | None) -> Command:
    """The command recording a transaction: the funder's own money, or, in a provider key's import naming another
    funder, a third-party report by the key's organisation (allowed to the programme's reporter only)."""
    if acting_org is not None and funder != acting_org:
        return lambda q: q.report_money(kind, t.ref, funder, t.amount, t.currency, t.value_date, reported_by=acting_org)
    if kind == "disbursement":
        return lambda q: q.record_disbursement(t.ref, t.amount, t.currency, t.value_date, funder)
    record = Programme.record_pledge if kind == "pledge" else Programme.record_commitment
    return lambda q: record(q, t.ref, funder, t.amount, t.currency, t.value_date)


def _disbursement(
    plan: Plan, p: Programme, t: Transaction, acting_org: UUID | None, ids: set[str], claimed: set[str]
) -> None:
    def same(d: dict[str, Any]) -> bool:
        return (d["amount"], d["currency"], d["value_date"]) == (t.amount, t.currency, t.value_date)

    if _held(t, p.disbursements, ids, claimed, same) is not None:
        plan.unchanged[t.type_code] += 1
        return
    plan.add("disbursement", t.type_code, _recorded("disbursement", t, _funder(p, t, acting_org), acting_org))


def _correction(
    plan: Plan, p: Programme, t: Transaction, acting_org: UUID | None, ids: set[str], claimed: set[str]
) -> None:
    """A negative commitment or disbursement: a correction taking its magnitude off, kept by the transaction's id;
    one already recorded is never revised (a different amount is noted)."""
    kind = corrections.DECREASE if t.type_code == "2" else corrections.CORRECTION
    magnitude = -t.amount

    def same(c: dict[str, Any]) -> bool:
        return (c["kind"], c["amount"], c["currency"], c["value_date"]) == (kind, magnitude, t.currency, t.value_date)

    cid = _held(t, p.corrections, ids, claimed, same)
    if cid is None:
        plan.add("correction", t.type_code, _corrected(kind, t, _funder(p, t, acting_org), acting_org))
        return
    held = p.corrections[cid]
    if held["kind"] != kind:
        raise RuleBroken(
            "transaction-kind-changed",
            f"transaction {t.ref!r} is a {kind} in the file but a {held['kind']} in the ledger",
        )
    plan.unchanged[t.type_code] += 1
    if held["amount"] != magnitude:
        plan.notes.append(
            f"correction {cid!r} takes off {held['amount']} in the ledger but {magnitude} in the file: the ledger "
            "keeps its own (a correction is not revised; record another)"
        )


def _corrected(kind: str, t: Transaction, funder: UUID, acting_org: UUID | None) -> Command:
    magnitude, source = -t.amount, t.given_ref
    reason = f"IATI import: negative transaction {source or t.ref}"
    reporter = acting_org if acting_org is not None and funder != acting_org else None
    if kind == corrections.DECREASE:
        return lambda q: q.decrease_commitment(
            t.ref, funder, magnitude, t.currency, t.value_date, reason, source, reported_by=reporter
        )
    return lambda q: q.correct_disbursement(
        t.ref, magnitude, t.currency, t.value_date, reason, funder, source, reported_by=reporter
    )


def _commitment(
    plan: Plan,
    p: Programme,
    t: Transaction,
    kind: str,
    orphans: list[str],
    ids: set[str],
    claimed: set[str],
    acting_org: UUID | None,
) -> None:
    def same(c: dict[str, Any]) -> bool:
        return (c["kind"], c["currency"], c["value_date"]) == (kind, t.currency, t.value_date) and not c["cancelled"]

    cid = _held(t, p.commitments, ids, claimed, same) or _pair(p, t, kind, orphans, claimed, acting_org)
    if cid is None:
        plan.add(kind, t.type_code, _recorded(kind, t, _funder(p, t, acting_org), acting_org))
        return
    held = p.commitments[cid]
    if held["kind"] != kind:
        raise RuleBroken(
            "transaction-kind-changed",
            f"transaction {t.ref!r} is a {kind} in the file but a {held['kind']} in the ledger",
        )
    if held["amount"] == t.amount:
        plan.unchanged[t.type_code] += 1
        return
    if acting_org is not None and acting_org not in (held["funder"], held.get("reported_by")):
        raise RuleBroken(
            "forbidden-scope", f"transaction {t.ref!r} is another funder's commitment: this key may not revise it"
        )
    plan.add("revise", t.type_code, lambda q: q.revise_commitment(cid, t.amount))


def _pair(
    p: Programme, t: Transaction, kind: str, orphans: list[str], claimed: set[str], acting_org: UUID | None
) -> str | None:
    if t.given_ref is not None:
        return None
    funder = _funder(p, t, acting_org)
    for cid in orphans:
        c = p.commitments[cid]
        if cid not in claimed and (c["kind"], c["funder"], c["currency"], c["value_date"]) == (
            kind,
            funder,
            t.currency,
            t.value_date,
        ):
            orphans.remove(cid)
            claimed.add(cid)
            return cid
    return None


def _links(plan: Plan, p: Programme, a: Activity, needs: NeedIndex) -> None:
    articles = set(a.uncac_articles)
    if not articles:
        return
    for state in p.states:
        for article in sorted(articles):
            for need_id in needs.open_by_cell.get((state, article), []):
                if need_id not in p.links:
                    plan.add("link", None, _link(need_id, state))
    for need_id in list(p.links):
        cell = needs.cell_of.get(need_id)
        if cell is not None and cell[1] not in articles:
            plan.add("unlink", None, _unlink(need_id))


def _link(need_id: UUID, state: str) -> Command:
    return lambda q: q.link_need(need_id, state)


def _unlink(need_id: UUID) -> Command:
    return lambda q: q.unlink_need(need_id)
