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
from domain.programmes import CANCELLED, CLOSED, FINALISATION, IMPLEMENTATION, PIPELINE
from projections.model import NEED, ORG, PROGRAMME, RATES, State
from projections.views.common import CENT, FRACTION, ZERO, money


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
        c["kind"] == "commitment" and not c["cancelled"] for c in programme["commitments"].values()
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


def need_row(state: State, need: dict[str, Any], conv: Converter) -> dict[str, Any]:
    st = reference.states()[need["state"]]
    art = reference.articles()[need["article"]]
    committed, pledged, disbursed = Totals(), Totals(), Totals()
    programmes, providers = [], {}
    for pid in need["programmes"]:
        p = state.get(PROGRAMME, pid)
        if p is None:
            continue
        active = is_active(p)
        share = need_share(p, need["need_id"])
        by_funder: dict[str, Decimal] = defaultdict(lambda: ZERO)
        if active:
            for c in p["commitments"].values():
                if c["cancelled"]:
                    continue
                book = committed if c["kind"] == "commitment" else pledged
                value = book.add(conv, Decimal(c["amount"]), c["currency"], c["value_date"], share)
                if c["kind"] == "commitment":
                    by_funder[c["funder"]] += value
            for d in p["disbursements"].values():
                disbursed.add(conv, Decimal(d["amount"]), d["currency"], d["value_date"], share)
            for org_id in [*p["funders"], *p["implementers"]]:
                providers[org_id] = _org_name(state, org_id)
        programmes.append(
            {
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
        )
    estimated = Totals()
    cost = need["estimated_cost"]
    if cost:
        estimated.add(conv, Decimal(cost["amount"]), cost["currency"], cost["value_date"])
    est_known = bool(cost) and not estimated.unconverted
    alloc = committed.converted.quantize(CENT)
    est = estimated.converted.quantize(CENT)
    addressed = need["status"] == "open" and any(p["active"] for p in programmes)
    coverage = (alloc / est).quantize(FRACTION) if est_known and est > 0 else None
    if need["status"] != "open":
        classification = None
    elif not addressed:
        classification = "unmet"
    elif coverage is not None and coverage >= 1:
        classification = "funded"
    else:
        classification = "partially-funded"
    return {
        **{
            k: need[k]
            for k in (
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
                "identified_at",
                "updated_at",
                "version",
                "position",
            )
        },
        "state_name": st.name,
        "region": st.region,
        "chapter": art.chapter,
        "article_title": art.title,
        "ta_types_v2": sorted({reference.ta_types()[t] for t in need["ta_types"]}),
        "estimated": money(est) if est_known else None,
        "allocated_commitment": money(alloc),
        "allocated_pledged": committed_out(pledged),
        "allocated_disbursed": committed_out(disbursed),
        "unconverted": {
            "estimated": estimated.out()[1],
            "committed": committed.out()[1],
            "pledged": pledged.out()[1],
            "disbursed": disbursed.out()[1],
        },
        "coverage": str(coverage) if coverage is not None else None,
        "gap": money(max(ZERO, est - alloc)) if est_known else None,
        "addressed": addressed,
        "classification": classification,
        "programmes": programmes,
        "providers": [{"org_id": k, "name": v} for k, v in sorted(providers.items(), key=lambda kv: kv[1])],
    }


def committed_out(t: Totals) -> str:
    return money(t.converted)


def programme_row(state: State, p: dict[str, Any], conv: Converter) -> dict[str, Any]:
    pledged, committed, disbursed = Totals(), Totals(), Totals()
    for c in p["commitments"].values():
        if not c["cancelled"]:
            (committed if c["kind"] == "commitment" else pledged).add(
                conv, Decimal(c["amount"]), c["currency"], c["value_date"]
            )
    for d in p["disbursements"].values():
        disbursed.add(conv, Decimal(d["amount"]), d["currency"], d["value_date"])
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
        "pledged": money(pledged.converted),
        "committed": money(committed.converted),
        "disbursed": money(disbursed.converted),
        "unconverted": {
            "pledged": pledged.out()[1],
            "committed": committed.out()[1],
            "disbursed": disbursed.out()[1],
        },
        "deliveries": len(dates),
        "delivery_kinds": sorted({d["kind"] for d in p["deliveries"].values()}),
        "last_delivery": dates[-1] if dates else None,
        "closed": p["status"] in (CLOSED, CANCELLED),
    }


def derive(state: State, touched: set[tuple[str, str]], reporting_currency: str) -> tuple[dict, dict]:
    """The need and programme rows to rewrite for the touched keys: {id: row}."""
    conv = Converter(state, reporting_currency)
    if ("*", "*") in touched:
        needs = {d["need_id"]: d for d in state.all(NEED)}
        programmes = {d["programme_id"]: d for d in state.all(PROGRAMME)}
    else:
        needs = {k: state.get(NEED, k) for kind, k in touched if kind == NEED}
        programmes = {k: state.get(PROGRAMME, k) for kind, k in touched if kind == PROGRAMME}
    need_rows = {k: need_row(state, d, conv) for k, d in needs.items() if d is not None}
    programme_rows = {k: programme_row(state, d, conv) for k, d in programmes.items() if d is not None}
    return need_rows, programme_rows
