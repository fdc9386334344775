"""Derived rows: one per need and one per programme, in the reporting currency.

Every view is a pure function of these rows (see the view modules), so the durable store only
keeps rows, and the reference fold derives the very same rows from an in-memory state.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from decimal import Decimal
from typing import Any

from domain import reference
from domain.corrections import CORRECTION, CORRECTS, DECREASE
from domain.programmes import CANCELLED, CLOSED, FINALISATION, IMPLEMENTATION, PIPELINE
from domain.stakeholders import non_governmental
from domain.third_party import counted
from projections.model import NEED, ORG, PROGRAMME, RATES, State
from projections.views.common import CENT, FRACTION, ZERO, money

Rows = dict[str, dict[str, Any]]  # id → row


class Converter:
    """Converts at the latest rate on or before the value date; no rate, no conversion."""

    def __init__(self, state: State, reporting_currency: str) -> None:
        self.state = state
        self.reporting = reporting_currency
        self._cache: dict[str, tuple[list[str], list[Decimal]]] = {}

    def rate(self, currency: str, on: str) -> Decimal | None:
        if currency == self.reporting:
            return Decimal(1)
        if currency not in self._cache:
            doc = self.state.get(RATES, currency) or {"rates": []}
            self._cache[currency] = (
                [d for d, _ in doc["rates"]],
                [Decimal(r) for _, r in doc["rates"]],
            )
        dates, rates = self._cache[currency]
        i = bisect_right(dates, on)
        return rates[i - 1] if i else None


class Totals:
    """A sum in the reporting currency, with what could not be converted kept per currency."""

    def __init__(self) -> None:
        self.converted = ZERO
        self.unconverted: dict[str, Decimal] = defaultdict(lambda: ZERO)

    def add(self, conv: Converter, amount: Decimal, currency: str, on: str, share: Decimal = Decimal(1)) -> Decimal:
        rate = conv.rate(currency, on)
        if rate is None:
            self.unconverted[currency] += amount * share
            return ZERO
        value = amount * rate * share
        self.converted += value
        return value

    def out(self) -> tuple[str, dict[str, str]]:
        return money(self.converted), {c: money(v) for c, v in sorted(self.unconverted.items())}


def is_active(programme: dict[str, Any]) -> bool:
    status = programme["status"]
    if status in (IMPLEMENTATION, FINALISATION):
        return True
    return status == PIPELINE and any(
        c["kind"] == "commitment" and not c["cancelled"] and counted(c) for c in programme["commitments"].values()
    )


def need_share(programme: dict[str, Any], need_id: str) -> Decimal:
    """Explicit share, or an equal split of what the explicit shares leave."""
    links = programme["links"]
    explicit = links.get(need_id)
    if explicit is not None:
        return Decimal(explicit)
    given = sum((Decimal(s) for s in links.values() if s is not None), ZERO)
    implicit = sum(1 for s in links.values() if s is None)
    return max(ZERO, Decimal(1) - given) / implicit if implicit else ZERO


def _org_name(state: State, org_id: str) -> str:
    org = state.get(ORG, org_id)
    return org["name"] if org else org_id


NEED_FIELDS = (
    "need_id",
    "state",
    "article",
    "paragraph",
    "ta_types",
    "description",
    "horizon",
    "priority",
    "status",
    "published",
    "source",
    "estimated_cost",
    "stakeholders",
    "identified_at",
    "updated_at",
    "version",
    "position",
)


class Allocation:
    """What the active programmes linked to one need allocate to it, book by book, and who provides it."""

    def __init__(self) -> None:
        self.committed, self.pledged, self.disbursed = Totals(), Totals(), Totals()
        self.providers: dict[str, str] = {}

    def add(self, state: State, p: dict[str, Any], share: Decimal, conv: Converter) -> dict[str, Decimal]:
        """Add an active programme's share of its money; answers its commitments per funder, converted."""
        by_funder: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for c in p["commitments"].values():
            if c["cancelled"] or not counted(c):  # a third-party report counts once its funder confirms it
                continue
            book = self.committed if c["kind"] == "commitment" else self.pledged
            value = book.add(conv, Decimal(c["amount"]), c["currency"], c["value_date"], share)
            if c["kind"] == "commitment":
                by_funder[c["funder"]] += value
        for d in p["disbursements"].values():
            if counted(d):
                self.disbursed.add(conv, Decimal(d["amount"]), d["currency"], d["value_date"], share)
        for k in p.get("corrections", {}).values():  # net: a correction takes its amount off its book
            if not counted(k):
                continue
            book = self.committed if k["kind"] == DECREASE else self.disbursed
            value = book.add(conv, -Decimal(k["amount"]), k["currency"], k["value_date"], share)
            if k["kind"] == DECREASE:
                by_funder[k["funder"]] += value
        for org_id in [*p["funders"], *p["implementers"]]:
            self.providers[org_id] = _org_name(state, org_id)
        return by_funder


def _linked_programme(
    state: State, pid: str, p: dict[str, Any], need_id: str, conv: Converter, allocation: Allocation
) -> dict[str, Any]:
    """A programme linked to a need, as the need's row lists it; an active one adds to `allocation`."""
    active = is_active(p)
    share = need_share(p, need_id)
    by_funder = allocation.add(state, p, share, conv) if active else {}
    return {
        "programme_id": pid,
        "title": p["title"],
        "status": p["status"],
        "active": active,
        "share": str(share),
        "start": p["start"],
        "end": p["end"],
        "funders": [{"org_id": f, "name": _org_name(state, f)} for f in p["funders"]],
        "implementers": [{"org_id": i, "name": _org_name(state, i)} for i in p["implementers"]],
        "committed_by_funder": {f: money(v) for f, v in sorted(by_funder.items())},
    }


def classification(status: str, addressed: bool, coverage: Decimal | None) -> str | None:
    """unmet, partially-funded or funded (coverage at least 1); none for a need that is not open."""
    if status != "open":
        return None
    if not addressed:
        return "unmet"
    if coverage is not None and coverage >= 1:
        return "funded"
    return "partially-funded"


def need_row(state: State, need: dict[str, Any], conv: Converter) -> dict[str, Any]:
    """A need's row: its fields, its place in the Convention, and what its linked programmes allocate to it."""
    st = reference.states()[need["state"]]
    art = reference.articles()[need["article"]]
    allocation = Allocation()
    programmes = [
        _linked_programme(state, pid, p, need["need_id"], conv, allocation)
        for pid in need["programmes"]
        if (p := state.get(PROGRAMME, pid)) is not None
    ]
    estimated = Totals()
    cost = need["estimated_cost"]
    if cost:
        estimated.add(conv, Decimal(cost["amount"]), cost["currency"], cost["value_date"])
    est_known = bool(cost) and not estimated.unconverted
    # net of corrections a programme can take off more than it gave; a need is never allocated less than nothing,
    # so its gap never exceeds its estimate and its coverage is never negative
    alloc = max(ZERO, allocation.committed.converted).quantize(CENT)
    est = estimated.converted.quantize(CENT)
    addressed = need["status"] == "open" and any(p["active"] for p in programmes)
    coverage = (alloc / est).quantize(FRACTION) if est_known and est > 0 else None
    return {
        **{k: need[k] for k in NEED_FIELDS},
        "state_name": st.name,
        "region": st.region,
        "chapter": art.chapter,
        "article_title": art.title,
        "ta_types_v2": sorted({reference.ta_types()[t] for t in need["ta_types"]}),
        "estimated": money(est) if est_known else None,
        "allocated_commitment": money(alloc),
        "allocated_pledged": money(allocation.pledged.converted),
        "allocated_disbursed": money(allocation.disbursed.converted),
        "unconverted": {
            "estimated": estimated.out()[1],
            "committed": allocation.committed.out()[1],
            "pledged": allocation.pledged.out()[1],
            "disbursed": allocation.disbursed.out()[1],
        },
        "coverage": str(coverage) if coverage is not None else None,
        "gap": money(max(ZERO, est - alloc)) if est_known else None,
        "addressed": addressed,
        "classification": classification(need["status"], addressed, coverage),
        "programmes": programmes,
        "providers": [{"org_id": k, "name": v} for k, v in sorted(allocation.providers.items(), key=lambda kv: kv[1])],
        "non_governmental_stakeholders": non_governmental(need["stakeholders"]),
        "assistance_provided": _assistance(state, need["assistance_provided"]),
    }


def _assistance(state: State, given: dict[str, Any] | None) -> dict[str, Any] | None:
    """The assistance already provided, with the title of the programme it names."""
    if given is None:
        return None
    p = state.get(PROGRAMME, given["programme_id"]) if given["programme_id"] else None
    return {**given, "programme_title": p["title"] if p else None}


def programme_row(state: State, p: dict[str, Any], conv: Converter) -> dict[str, Any]:
    """A programme's row: its money counts only its funders' own and what they confirmed; third-party reports
    not confirmed are summed apart (`unconfirmed`, disputed ones not at all) and listed (`reports`)."""
    books = {"pledge": (Totals(), Totals()), "commitment": (Totals(), Totals()), "disbursement": (Totals(), Totals())}
    net: dict[str, dict[str, Decimal]] = {kind: defaultdict(lambda: ZERO) for kind in books}
    for kind, entry, amount in _money(p):
        if entry.get("cancelled") or entry.get("confirmation") == "disputed":
            continue
        books[kind][0 if counted(entry) else 1].add(conv, amount, entry["currency"], entry["value_date"])
        if counted(entry):
            net[kind][entry["currency"]] += amount
    dates = sorted(d["date"] for d in p["deliveries"].values())
    return {
        **{
            k: p[k]
            for k in (
                "programme_id",
                "title",
                "description",
                "iati_identifier",
                "states",
                "start",
                "end",
                "status",
                "registered_at",
                "updated_at",
                "version",
                "position",
            )
        },
        "status_name": reference.activity_statuses()[p["status"]],
        "reporting_org": {
            "org_id": p["reporting_org"],
            "name": _org_name(state, p["reporting_org"]),
        },
        "funders": [{"org_id": f, "name": _org_name(state, f)} for f in p["funders"]],
        "implementers": [{"org_id": i, "name": _org_name(state, i)} for i in p["implementers"]],
        "active": is_active(p),
        "linked_needs": [{"need_id": n, "share": s} for n, s in p["links"].items()],
        **_sums({kind: pair[0] for kind, pair in books.items()}),
        "unconfirmed": _sums({kind: pair[1] for kind, pair in books.items()}),
        "reports": third_party_reports(state, p),
        **corrections(p, net),
        "deliveries": len(dates),
        "delivery_kinds": sorted({d["kind"] for d in p["deliveries"].values()}),
        "last_delivery": dates[-1] if dates else None,
        "closed": p["status"] in (CLOSED, CANCELLED),
    }


def _sums(totals: dict[str, Totals]) -> dict[str, Any]:
    """Pledged, committed and disbursed in the reporting currency, then what could not be converted."""
    names = {"pledge": "pledged", "commitment": "committed", "disbursement": "disbursed"}
    return {
        **{name: money(totals[kind].converted) for kind, name in names.items()},
        "unconverted": {name: totals[kind].out()[1] for kind, name in names.items()},
    }


def _money(p: dict[str, Any]) -> list[tuple[str, dict[str, Any], Decimal]]:
    """A programme's money entries with the kind they count in and their signed amount: pledges, commitments,
    disbursements, then corrections, each taken off the kind of money it corrects."""
    return (
        [(c["kind"], c, Decimal(c["amount"])) for c in p["commitments"].values()]
        + [("disbursement", d, Decimal(d["amount"])) for d in p["disbursements"].values()]
        + [(CORRECTS[k["kind"]], k, -Decimal(k["amount"])) for k in p.get("corrections", {}).values()]
    )


def corrections(p: dict[str, Any], net: dict[str, dict[str, Decimal]]) -> dict[str, Any]:
    """The programme's counted corrections (its funders' own and confirmed ones): how many, what they took off
    per currency (`decreased` commitments, `corrected` disbursements), and its net money per currency (`net`), where
    a decrease beyond what was committed shows below zero."""
    taken: dict[str, dict[str, Decimal]] = {kind: defaultdict(lambda: ZERO) for kind in CORRECTS}
    found = [k for k in p.get("corrections", {}).values() if counted(k)]
    for k in found:
        taken[k["kind"]][k["currency"]] += Decimal(k["amount"])
    names = {"pledge": "pledged", "commitment": "committed", "disbursement": "disbursed"}
    return {
        "corrections": len(found),
        "decreased": {c: money(v) for c, v in sorted(taken[DECREASE].items())},
        "corrected": {c: money(v) for c, v in sorted(taken[CORRECTION].items())},
        "net": {names[kind]: {c: money(v) for c, v in sorted(by.items())} for kind, by in net.items()},
    }


def third_party_reports(state: State, p: dict[str, Any]) -> list[dict[str, Any]]:
    """Money the reporting organisation reported in another funder's name, with where the funder stands on it:
    "reported by X, not confirmed by Y" wherever money is listed."""
    books = [("commitment", p["commitments"]), ("disbursement", p["disbursements"])]
    books.append(("correction", p.get("corrections", {})))
    return [
        {
            "book": book,
            "money_id": money_id,
            "kind": entry.get("kind", "disbursement"),
            "funder": {"org_id": entry["funder"], "name": _org_name(state, entry["funder"])},
            "reported_by": {"org_id": entry["reported_by"], "name": _org_name(state, entry["reported_by"])},
            "amount": entry["amount"],
            "currency": entry["currency"],
            "value_date": entry["value_date"],
            "confirmation": entry["confirmation"],
            "dispute_reason": entry.get("dispute_reason"),
            "cancelled": bool(entry.get("cancelled")),
            "note": report_note(
                _org_name(state, entry["reported_by"]),
                _org_name(state, entry["funder"]),
                entry["confirmation"],
                entry.get("dispute_reason"),
            ),
        }
        for book, entries in books
        for money_id, entry in entries.items()
        if "reported_by" in entry
    ]


def report_note(reporter: str, funder: str, confirmation: str, reason: str | None = None) -> str:
    """How a third-party report reads wherever it is shown: "reported by X, not confirmed by Y"."""
    if confirmation == "confirmed":
        return f"reported by {reporter}, confirmed by {funder}"
    if confirmation == "disputed":
        return f"reported by {reporter}, disputed by {funder}: {reason}"
    return f"reported by {reporter}, not confirmed by {funder}"


def derive(state: State, touched: set[tuple[str, str]], reporting_currency: str) -> tuple[Rows, Rows]:
    """The need and programme rows to rewrite for the touched keys: {id: row}."""
    conv = Converter(state, reporting_currency)
    needs: dict[str, dict[str, Any] | None]
    programmes: dict[str, dict[str, Any] | None]
    if ("*", "*") in touched:
        needs = {d["need_id"]: d for d in state.all(NEED)}
        programmes = {d["programme_id"]: d for d in state.all(PROGRAMME)}
    else:
        needs = {k: state.get(NEED, k) for kind, k in touched if kind == NEED}
        programmes = {k: state.get(PROGRAMME, k) for kind, k in touched if kind == PROGRAMME}
    need_rows = {k: need_row(state, d, conv) for k, d in needs.items() if d is not None}
    programme_rows = {k: programme_row(state, d, conv) for k, d in programmes.items() if d is not None}
    return need_rows, programme_rows
