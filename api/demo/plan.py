"""The demo plan as plain data: rates, needs and their outcomes (programmes: demo_programmes)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from api.demo.data import (
    ANCHOR,
    HOTSPOTS,
    OTHER_MECHANISMS,
    RATE_BASES,
    RATES_FROM,
    STATES,
)
from api.demo.themes import THEMES, Theme
from domain import reference
from domain.needs import money, source
from domain.programmes import programme_id_for

Step = tuple[str, tuple[Any, ...]]  # a Programme or Need method and its arguments


@dataclass
class NeedPlan:
    id: UUID
    state: str
    theme: Theme
    fields: dict[str, Any]
    steps: list[Step] = field(default_factory=list)


@dataclass
class ProgrammePlan:
    fields: dict[str, Any]
    scenario: str
    steps: list[Step] = field(default_factory=list)

    @property
    def id(self) -> UUID:
        return programme_id_for(self.fields["iati_identifier"])


@dataclass
class Plan:
    rates: list[tuple[str, date, str]]
    needs: list[NeedPlan]
    programmes: list[ProgrammePlan]
    # needs met, withdrawn or reopened after the programmes, each with the need's version after it
    outcomes: list[tuple[UUID, Step, int]]


def days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def linked_needs(p: ProgrammePlan, needs: list[NeedPlan]) -> list[NeedPlan]:
    ids = {args[0] for name, args in p.steps if name == "link_need"}
    return [n for n in needs if n.id in ids]


def plan_rates(rng: random.Random) -> list[tuple[str, date, str]]:
    rates = []
    for i, (currency, base) in enumerate(RATE_BASES.items()):
        on, q = RATES_FROM, 0
        while on <= ANCHOR:
            wave = 1 + 0.06 * math.sin(q / 2.5 + i) + rng.uniform(-0.015, 0.015)
            rates.append((currency, on, f"{float(base) * wave:.5f}"))
            q += 1
            on = date(on.year + (on.month + 2) // 12, (on.month + 2) % 12 + 1, 1)
    return rates


def _source(rng: random.Random, state: str, theme: Theme) -> dict[str, Any]:
    chapter = reference.articles()[theme.article].chapter
    cycle = 1 if chapter in ("III", "IV") else 2
    name = reference.states()[state].name
    kind = rng.choices(
        [
            "self-assessment",
            "country-review-report",
            "executive-summary",
            "national-strategy",
            "other-mechanism",
        ],
        [3, 4, 2, 2, 1],
    )[0]
    if kind == "national-strategy":
        year = rng.randint(2018, 2025)
        return source(
            kind,
            f"National anti-corruption strategy of {name} {year}-{year + 4}",
            None,
            date(year, 3, 1),
        )
    if kind == "other-mechanism":
        return source(kind, rng.choice(OTHER_MECHANISMS), None, date(rng.randint(2016, 2025), 6, 30))
    year = rng.randint(2011, 2016) if cycle == 1 else rng.randint(2017, 2025)
    label = {
        "self-assessment": "Self-assessment checklist",
        "country-review-report": "Country review report",
        "executive-summary": "Executive summary",
    }[kind]
    ordinal = "first" if cycle == 1 else "second"
    return source(
        kind,
        f"{label} of {name}, {ordinal} review cycle ({year})",
        cycle,
        date(year, rng.randint(1, 12), 1),
    )


def _cost(rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.15:
        return None
    currency = rng.choices(["USD", "EUR", "GBP", "NOK", "CHF"], [60, 20, 10, 5, 5])[0]
    on = date(rng.randint(2019, 2026), rng.randint(1, 9), 1)
    return money(str(rng.randint(12, 480) * 5000), currency, min(on, ANCHOR))


def plan_needs(rng: random.Random) -> list[NeedPlan]:
    needs = []
    hot = {state: [t for t in THEMES if t.article == article][0] for state, article in HOTSPOTS}
    for states in STATES.values():
        for state in states:
            themes = rng.sample(THEMES, rng.randint(3, 5))
            if state in hot and hot[state] not in themes:
                themes[0] = hot[state]
            for i, theme in enumerate(themes):
                needs.append(_plan_need(rng, state, i, theme))
    return needs


def _stakeholders(state: str, i: int) -> list[dict[str, str]]:
    """Who took part in identifying a State's i-th need (para 15), drawn without the random stream so that the rest of
    the demo stays as it was: civil society in one need in three, with the private sector or parliament in some."""
    name = reference.states()[state].name
    return [
        [{"kind": "civil-society", "name": f"Transparency network of {name}"}],
        [],
        [{"kind": "parliament", "name": f"Public accounts committee, {name}"}],
        [
            {"kind": "civil-society", "name": f"Bar association of {name}"},
            {"kind": "private-sector", "name": f"Chamber of commerce of {name}"},
        ],
        [],
    ][i % 5]


def _plan_need(rng: random.Random, state: str, i: int, theme: Theme) -> NeedPlan:
    n = NeedPlan(
        id=uuid5(NAMESPACE_URL, f"urn:ledger:demo:need:{state}:{i}"),
        state=state,
        theme=theme,
        fields=dict(
            state=state,
            article=theme.article,
            paragraph=theme.paragraph,
            ta_types=list(theme.ta_types),
            description=theme.description,
            horizon="anticipated" if rng.random() < 0.3 else "current",
            priority=rng.choices(["high", "medium", "low"], [35, 45, 20])[0],
            source=_source(rng, state, theme),
            estimated_cost=_cost(rng),
            stakeholders=_stakeholders(state, i),
        ),
    )
    if rng.random() < 0.75:
        n.steps.append(("publish", ()))
    if rng.random() < 0.1:
        n.steps.append(("prioritise", ("high" if n.fields["priority"] != "high" else "medium",)))
    if rng.random() < 0.08:
        n.steps.append(("estimate", (str(rng.randint(20, 300) * 5000), "USD", ANCHOR - days(rng, 30, 400))))
    if n.fields["horizon"] == "anticipated" and rng.random() < 0.2:
        n.steps.append(("revise", (None, None, None, "current")))
    return n


# ---- outcomes: needs met by closed programmes, others withdrawn, one reopened ----


def plan_outcomes(
    rng: random.Random, needs: list[NeedPlan], programmes: list[ProgrammePlan]
) -> list[tuple[UUID, Step, int]]:
    version = {n.id: 1 + len(n.steps) for n in needs}
    outcomes: list[tuple[UUID, Step, int]] = []

    def outcome(need_id: UUID, name: str, reason: str) -> None:
        version[need_id] += 1
        outcomes.append((need_id, (name, (reason,)), version[need_id]))

    linked = {n.id for p in programmes for n in linked_needs(p, needs)}
    met = []
    for p in programmes:
        if p.scenario == "closed":
            for n in linked_needs(p, needs):
                if n.id not in met:
                    met.append(n.id)
                    outcome(n.id, "mark_met", f"Addressed by the closed programme '{p.fields['title']}'")
    unlinked = [n.id for n in needs if n.id not in linked]
    for need_id in rng.sample(unlinked, 6):
        outcome(need_id, "withdraw", "Superseded by the revised national anti-corruption strategy")
    for need_id in rng.sample([u for u in unlinked if version[u] == 1 + len(_steps(needs, u))], 3):
        outcome(need_id, "mark_met", "Addressed with domestic resources")
    if met:
        outcome(met[0], "reopen", "The implementing regulations are still missing")
    return outcomes


def _steps(needs: list[NeedPlan], need_id: UUID) -> list[Step]:
    return next(n.steps for n in needs if n.id == need_id)
