"""The demo's programmes: who funds what where, and how each one is going (its scenario)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from uuid import UUID

from api.demo.data import (
    ACTIVE,
    ANCHOR,
    AUDIENCES,
    DELIVERY_TEXT,
    DISBURSED,
    FUNDERS,
    HOTSPOTS,
    IMPLEMENTERS,
    LESSONS,
    NATIONAL_NGOS,
    OTHERS,
    PROVIDERS,
    REGIONAL,
    SELF_REPORTING,
    STATES,
    WINDOWS,
)
from api.demo.plan import NeedPlan, ProgrammePlan, Step, days, linked_needs
from domain import reference
from domain.organisations import organisation_id
from domain.reference import DELIVERY_KINDS

CURRENCY = {p.ref: p.currency for p in PROVIDERS}


def _org(ref: str) -> UUID:
    return organisation_id(ref)


def plan_programmes(rng: random.Random, needs: list[NeedPlan]) -> list[ProgrammePlan]:
    by_state: dict[str, list[NeedPlan]] = {}
    for n in needs:
        by_state.setdefault(n.state, []).append(n)
    plans: list[ProgrammePlan] = []

    def add(
        funders: list[str],
        linked: list[NeedPlan],
        scenario: str,
        title: str,
        reporting: str | None = None,
    ) -> None:
        plans.append(_programme(rng, len(plans) + 1, funders, linked, scenario, title, reporting))

    for k, (state, article) in enumerate(HOTSPOTS):  # several providers on one need: overlap
        need = next(n for n in by_state[state] if n.theme.article == article)
        for j, funder in enumerate(rng.sample(FUNDERS, rng.choice([2, 3]))):
            others = [m for m in by_state[state] if m is not need]
            linked = [need, rng.choice(others)] if others and rng.random() < 0.5 else [need]
            add(
                [funder],
                linked,
                ACTIVE[(k + j) % len(ACTIVE)],
                f"{need.theme.short} in {_name(state)}",
            )
    for reporting, funders, states, where in REGIONAL:
        linked = [rng.choice(by_state[s]) for s in states]
        add(
            funders,
            linked,
            rng.choice(ACTIVE[:2]),
            f"Regional programme against corruption in {where}",
            reporting,
        )
    scenarios = list(OTHERS)
    rng.shuffle(scenarios)
    linked_ids = {n.id for p in plans for n in linked_needs(p, needs)}
    states = [s for group in STATES.values() for s in group]
    rng.shuffle(states)
    for i, scenario in enumerate(scenarios):
        state = states[i % len(states)]
        free = [n for n in by_state[state] if n.id not in linked_ids] or by_state[state]
        linked = rng.sample(free, min(len(free), rng.choice([1, 1, 2])))
        linked_ids |= {n.id for n in linked}
        add([rng.choice(FUNDERS)], linked, scenario, f"{linked[0].theme.short} in {_name(state)}")
    return plans


def _name(state: str) -> str:
    return reference.states()[state].name


def _programme(
    rng: random.Random,
    number: int,
    funders: list[str],
    linked: list[NeedPlan],
    scenario: str,
    title: str,
    reporting: str | None = None,
) -> ProgrammePlan:
    if scenario == "over-disbursed" and CURRENCY[funders[0]] == "NOK":
        funders = ["GB-GOV-1"]  # over-disbursement shows only where money converts
    states = list(dict.fromkeys(n.state for n in linked))
    implementers = rng.sample([i for i in IMPLEMENTERS if i not in funders], rng.choice([1, 2]))
    implementers += [NATIONAL_NGOS[s] for s in states if s in NATIONAL_NGOS and rng.random() < 0.5]
    if reporting is None:
        reporting = implementers[0] if implementers[0] in SELF_REPORTING else funders[0]
    (s_low, s_high), (e_low, e_high) = WINDOWS[scenario]
    start = ANCHOR - days(rng, s_low, s_high)
    end = ANCHOR + days(rng, e_low, e_high)
    registered_end = end - timedelta(days=365) if scenario in ("revised", "overdue") else end
    plan = ProgrammePlan(
        fields=dict(
            title=title,
            description=f"{linked[0].theme.description}. Fictitious demo programme.",
            iati_identifier=f"{reporting}-DEMO-{number:03d}",
            reporting_org=_org(reporting),
            funders=[_org(f) for f in funders],
            implementers=[_org(i) for i in implementers],
            states=states,
            start=start,
            end=registered_end,
            status=1,
        ),
        scenario=scenario,
    )
    explicit = rng.random() < 0.4  # explicit shares here, an equal split elsewhere
    for i, n in enumerate(linked):
        share = ("0.5" if len(linked) > 1 else "0.8") if explicit and i == 0 else None
        plan.steps.append(("link_need", (n.id, n.state, share)))
    extension = [("change_period", (start, end))] if registered_end != end else []
    plan.steps += _history(rng, number, funders, linked, scenario, start, end, extension)
    return plan


def _history(
    rng: random.Random,
    number: int,
    funders: list[str],
    linked: list[NeedPlan],
    scenario: str,
    start: date,
    end: date,
    extension: list[Step],
) -> list[Step]:
    """Money first (in the pipeline), then implementation: deliveries and tranches, then the end."""
    main, currency = _org(funders[0]), CURRENCY[funders[0]]
    total = rng.randint(30, 800) * 5000
    steps: list[Step] = [("record_pledge", ("P1", main, str(total + total // 10), currency, start - timedelta(90)))]
    if scenario == "pipeline-pledged":
        return steps
    for i, funder in enumerate(funders):
        amount = total if i == 0 else total // 2
        steps.append(
            (
                "record_commitment",
                (f"C{i + 1}", _org(funder), str(amount), CURRENCY[funder], start - timedelta(30)),
            )
        )
    if scenario == "cancelled":
        return steps + [("cancel_commitment", ("C1",)), ("change_status", (5,))]
    if scenario == "pipeline-committed":
        return steps
    steps += [("change_status", (2,)), *extension]
    if scenario == "revised":
        steps.append(("revise_commitment", ("C1", str(total + total // 4))))
    last = _last_delivery(rng, scenario, start, end)
    dated = _deliveries(rng, number, linked, start, last) + _tranches(rng, scenario, main, currency, total, start, last)
    steps += [step for _, step in sorted(dated, key=lambda d: d[0])]
    final = {
        "finalising": [3],
        "closed": [3, 4],
        "suspended": [6],
        "overdue": [3] if rng.random() < 0.3 else [],
    }
    return steps + [("change_status", (s,)) for s in final.get(scenario, [])]


def _last_delivery(rng: random.Random, scenario: str, start: date, end: date) -> date:
    last = {
        "stalled": ANCHOR - days(rng, 200, 420),
        "suspended": start + days(rng, 60, 200),
        "overdue": end - days(rng, 20, 120),
        "closed": end - days(rng, 10, 60),
    }.get(scenario, ANCHOR - days(rng, 5, 100))
    return max(min(last, ANCHOR), start + timedelta(31))


def _deliveries(
    rng: random.Random, number: int, linked: list[NeedPlan], start: date, last: date
) -> list[tuple[date, Step]]:
    count = rng.randint(2, 7)
    span = (last - start).days - 30
    dated = []
    for k in range(count):
        on = last if k == count - 1 else start + timedelta(30 + span * k // count)
        kind = DELIVERY_KINDS[(number + k) % len(DELIVERY_KINDS)] if k == 0 else rng.choice(DELIVERY_KINDS)
        who = rng.choice(AUDIENCES)
        needs = [n.id for n in rng.sample(linked, rng.randint(1, len(linked)))]
        participants = rng.randint(12, 80) if kind in ("training", "workshop") else None
        outputs = {
            "study": "Report published",
            "legislative-drafting": "Draft submitted to the ministry",
        }.get(kind)
        dated.append(
            (
                on,
                (
                    "record_delivery",
                    (
                        f"V{k + 1}",
                        kind,
                        on,
                        needs,
                        DELIVERY_TEXT[kind].format(who=who),
                        participants,
                        outputs,
                        LESSONS[kind].format(who=who) if k == count - 1 else None,  # what the last one taught
                    ),
                ),
            )
        )
    return dated


def _tranches(
    rng: random.Random,
    scenario: str,
    funder: UUID,
    currency: str,
    total: int,
    start: date,
    last: date,
) -> list[tuple[date, Step]]:
    low, high = DISBURSED[scenario]
    paid = total * rng.randint(low, high) // 100
    count = rng.randint(2, 4)
    span = max(1, (last - start).days)
    dated = []
    for k in range(count):
        amount = paid // count + (paid % count if k == count - 1 else 0)
        on = start + timedelta(span * k // count)
        dated.append((on, ("record_disbursement", (f"D{k + 1}", str(amount), currency, on, funder))))
    return dated
