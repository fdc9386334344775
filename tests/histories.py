"""Random ledger histories for property tests: hypothesis draws steps, the Ledger judges them.

Steps that break a rule are simply refused by the domain (and record nothing), exactly as in life.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from hypothesis import strategies as st

from domain.errors import DomainError
from domain.needs import money, source
from domain.programmes import Programme

STATES = ["KEN", "GHA", "IDN"]
CURRENCIES = ["USD", "EUR", "GBP", "NOK"]
ORGS = [("GB-GOV-1", "FCDO", "10"), ("XM-DAC-41114", "UNDP", "40"), ("XI-IATI-UNODC", "UNODC", "40")]

amounts = st.integers(min_value=1, max_value=500).map(lambda n: f"{n * 1000}.50")
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31))

step = st.one_of(
    st.tuples(
        st.just("need"),
        st.sampled_from(STATES),
        st.sampled_from([9, 15, 36, 46, 52]),
        st.sampled_from([["legal-advice"], ["capacity-building", "policymaking"]]),
        st.sampled_from(["current", "anticipated"]),
        st.booleans(),
        amounts,
        st.sampled_from(CURRENCIES),
    ),
    st.tuples(
        st.just("need_action"),
        st.integers(0, 30),
        st.sampled_from(["publish", "met", "withdraw", "reopen", "prioritise", "estimate", "revise"]),
        amounts,
        st.sampled_from(CURRENCIES),
    ),
    st.tuples(
        st.just("programme"),
        st.sampled_from(STATES),
        st.integers(0, 2),
        st.integers(0, 2),
        st.sampled_from([1, 2, 3, 4]),
        days,
    ),
    st.tuples(
        st.just("link"), st.integers(0, 10), st.integers(0, 30), st.sampled_from([None, None, "0.25", "0.5", "1"])
    ),
    st.tuples(st.just("unlink"), st.integers(0, 10), st.integers(0, 30)),
    st.tuples(
        st.just("money"),
        st.integers(0, 10),
        st.sampled_from(["pledge", "commitment", "disbursement"]),
        amounts,
        st.sampled_from(CURRENCIES),
        days,
    ),
    st.tuples(st.just("commitment_change"), st.integers(0, 10), st.integers(0, 10), st.booleans(), amounts),
    st.tuples(st.just("status"), st.integers(0, 10), st.sampled_from([1, 2, 3, 4, 5, 6])),
    st.tuples(st.just("rate"), st.sampled_from(["EUR", "GBP"]), days, st.sampled_from(["1.08", "1.1", "1.27", "0.95"])),
)
histories = st.lists(step, min_size=1, max_size=40)


def play(ledger: Any, steps: list[tuple]) -> None:
    """Apply the steps through the Ledger; refused steps record nothing."""
    for ref, name, kind in ORGS:
        with contextlib.suppress(DomainError):
            ledger.register_organisation(ref, name, kind)
    orgs = [ledger.organisation_by_ref(ref).id for ref, _, _ in ORGS]
    needs: list[Any] = []
    programmes: list[Any] = []
    for s in steps:
        with contextlib.suppress(DomainError):
            _play_one(ledger, s, orgs, needs, programmes)


def _pick(items: list[Any], i: int) -> Any:
    return items[i % len(items)] if items else None


def _play_one(ledger: Any, s: tuple, orgs: list, needs: list, programmes: list) -> None:
    kind = s[0]
    if kind == "need":
        _, state, article, ta, horizon, costed, amount, currency = s
        w = ledger.identify_need(
            state=state,
            article=article,
            ta_types=ta,
            description="need",
            horizon=horizon,
            priority="high",
            source=source("self-assessment", "SA"),
            estimated_cost=money(amount, currency, date(2024, 1, 1)) if costed else None,
        )
        needs.append(w.id)
    elif kind == "need_action" and needs:
        _, i, action, amount, currency = s
        commands = {
            "publish": lambda n: n.publish(),
            "met": lambda n: n.mark_met("met"),
            "withdraw": lambda n: n.withdraw("gone"),
            "reopen": lambda n: n.reopen("back"),
            "prioritise": lambda n: n.prioritise("low"),
            "estimate": lambda n: n.estimate(amount, currency, date(2023, 6, 1)),
            "revise": lambda n: n.revise(ta_types=["international-cooperation"], horizon="anticipated"),
        }
        ledger.change_need(_pick(needs, i), commands[action])
    elif kind == "programme":
        _, state, funder, implementer, status, start = s
        w = ledger.register_programme(
            title="programme",
            description="",
            reporting_org=orgs[funder],
            funders=[orgs[funder]],
            implementers=[orgs[implementer]],
            states=[state],
            start=start,
            end=date(start.year + 2, start.month, 1),
            status=status,
        )
        programmes.append(w.id)
    elif kind == "link" and programmes and needs:
        _, p, n, share = s
        ledger.link_need(_pick(programmes, p), _pick(needs, n), share)
    elif kind == "unlink" and programmes and needs:
        _, p, n = s
        ledger.change_programme(_pick(programmes, p), lambda x: x.unlink_need(_pick(needs, n)))
    elif kind == "money" and programmes:
        _, p, what, amount, currency, on = s
        pid = _pick(programmes, p)
        funder = ledger.programme(pid).funders[0]
        key = f"{what}-{len(ledger.programme(pid).commitments)}-{len(ledger.programme(pid).disbursements)}"
        commands = {
            "pledge": lambda x: x.record_pledge(key, funder, amount, currency, on),
            "commitment": lambda x: x.record_commitment(key, funder, amount, currency, on),
            "disbursement": lambda x: x.record_disbursement(key, amount, currency, on, funder),
        }
        ledger.change_programme(pid, commands[what])
    elif kind == "commitment_change" and programmes:
        _, p, c, cancel, amount = s
        pid = _pick(programmes, p)
        ids = sorted(ledger.programme(pid).commitments)
        if ids:
            cid = _pick(ids, c)
            command = (lambda x: x.cancel_commitment(cid)) if cancel else (lambda x: x.revise_commitment(cid, amount))
            ledger.change_programme(pid, command)
    elif kind == "status" and programmes:
        _, p, status = s
        ledger.change_programme(_pick(programmes, p), lambda x: x.change_status(status))
    elif kind == "rate":
        _, currency, on, rate = s
        ledger.record_rate(currency, on, rate)


__all__ = ["histories", "play", "Programme"]
