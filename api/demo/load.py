"""`ledger demo`: a realistic, fictitious data set, loaded through the domain and idempotent.

The plan is built first, as plain data, from a seeded random generator: the same on every run.
Loading then skips what exists (ids are deterministic: organisations by ref, programmes by IATI
identifier, needs by uuid5 of a demo key), so a second load adds nothing. Each aggregate's
history is saved whole (`ledger.atomic()`), so even an interrupted load resumes cleanly.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from api.demo.data import PROVIDERS, SEED
from api.demo.plan import NeedPlan, Plan, ProgrammePlan, Step, plan_needs, plan_outcomes, plan_rates
from api.demo.programmes import plan_programmes
from domain import context
from domain.needs import Need
from domain.organisations import Organisation, organisation_id
from domain.programmes import Programme
from domain.rates import ExchangeRate, rate_id


def build(rng: random.Random) -> Plan:
    """The whole demo as data: the same plan for the same generator."""
    needs = plan_needs(rng)
    programmes = plan_programmes(rng, needs)
    return Plan(plan_rates(rng), needs, programmes, plan_outcomes(rng, needs, programmes))


def load(ledger: Any) -> int:
    """Load the demo; answers the number of new events (0 when it is already loaded)."""
    plan = build(random.Random(SEED))
    with context.recording(actor="demo-loader", reason="demo data set"), ledger.bulk():
        return (
            _organisations(ledger)
            + _rates(ledger, plan.rates)
            + _needs(ledger, plan.needs)
            + _programmes(ledger, plan.programmes)
            + _outcomes(ledger, plan.outcomes)
        )


# ---- loading: skip what exists, save each aggregate's history whole ----


def _organisations(ledger: Any) -> int:
    added = 0
    for p in PROVIDERS:
        if ledger.find(Organisation, organisation_id(p.ref)) is None:
            ledger.register_organisation(p.ref, p.name, p.org_type, p.country)
            added += 1
    return added


def _rates(ledger: Any, rates: list[tuple[str, date, str]]) -> int:
    added = 0
    for currency, on, rate in rates:
        if ledger.find(ExchangeRate, rate_id(currency, on)) is None:
            ledger.record_rate(currency, on, rate)
            added += 1
    return added


def _apply(steps: list[Step]) -> Callable[[Any], None]:
    def command(aggregate: Any) -> None:
        for name, args in steps:
            getattr(aggregate, name)(*args)

    return command


def _needs(ledger: Any, needs: list[NeedPlan]) -> int:
    added = 0
    for n in needs:
        if ledger.find(Need, n.id) is not None:
            continue
        with (
            context.recording(actor=f"{n.state} focal point (demo)", actor_org=n.state),
            ledger.atomic(),
        ):
            ledger.identify_need(need_id=n.id, **n.fields)
            added += 1
            if n.steps:
                added += ledger.change_need(n.id, _apply(n.steps)).version - 1
    return added


def _programmes(ledger: Any, programmes: list[ProgrammePlan]) -> int:
    added = 0
    for p in programmes:
        if ledger.find(Programme, p.id) is not None:
            continue
        ref = _ref_of(p.fields["reporting_org"])
        with context.recording(actor=f"{ref} desk (demo)", actor_org=ref), ledger.atomic():
            ledger.register_programme(**p.fields)
            added += ledger.change_programme(p.id, _apply(p.steps)).version
    return added


def _outcomes(ledger: Any, outcomes: list[tuple[UUID, Step, int]]) -> int:
    added = 0
    for need_id, step, version_after in outcomes:
        need = ledger.find(Need, need_id)
        if need is None or need.version >= version_after:  # recorded by an earlier load
            continue
        ledger.change_need(need_id, _apply([step]))
        added += 1
    return added


_REFS = {organisation_id(p.ref): p.ref for p in PROVIDERS}


def _ref_of(org: UUID) -> str:
    return _REFS[org]
