"""A realistic history of N events, written through the domain's bulk path (not by writing tables).

Proportions follow a ledger in use for years: needs are few, money and deliveries are many.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from domain import reference
from domain.needs import money, source

CURRENCIES = ["USD", "EUR", "GBP", "NOK"]
TA = list(reference.ta_types())
KINDS = list(reference.DELIVERY_KINDS)


def generate(ledger: Any, events: int, seed: int = 7, flush_every: int = 5000) -> int:
    """Append about `events` events; answers how many were appended."""
    rng = random.Random(seed)
    start = ledger.recorder.max_notification_id() or 0
    parties = sorted(s.iso3 for s in reference.states().values() if s.party and s.iso3 != "EUU")[:120]
    articles = list(reference.articles())
    with ledger.bulk(flush_every=flush_every):
        orgs = []
        for i in range(40):
            orgs.append(
                ledger.register_organisation(
                    f"XX-BENCH-{seed}-{i}", f"Provider {i}", rng.choice(["10", "21", "40", "60", "70"])
                ).id
            )
        for currency, rate in (("EUR", "1.08"), ("GBP", "1.27")):
            for year in range(2015, 2027):
                ledger.record_rate(currency, date(year, 1, 1), rate)
        needs_by_state: dict[str, list] = {}
        appended = lambda: (ledger.recorder.max_notification_id() or 0) - start + pending(ledger)  # noqa: E731
        while appended() < events:
            _need(ledger, rng, parties, articles, needs_by_state)
            if rng.random() < 0.35:
                _programme(ledger, rng, orgs, needs_by_state)
    return (ledger.recorder.max_notification_id() or 0) - start


def pending(ledger: Any) -> int:
    bulk = getattr(ledger.commits._local, "bulk", None)
    return len(bulk[0].events) if bulk else 0


def _need(ledger: Any, rng: random.Random, parties: list, articles: list, by_state: dict) -> None:
    state = rng.choice(parties)
    cost = (
        money(f"{rng.randint(20, 900) * 1000}", rng.choice(CURRENCIES), date(2020 + rng.randint(0, 5), 1, 1))
        if rng.random() < 0.8
        else None
    )
    w = ledger.identify_need(
        state=state,
        article=rng.choice(articles),
        ta_types=rng.sample(TA, rng.randint(1, 2)),
        description="Technical assistance need",
        horizon=rng.choice(["current", "anticipated"]),
        priority=rng.choice(["high", "medium", "low"]),
        source=source("self-assessment", "SA"),
        estimated_cost=cost,
    )
    by_state.setdefault(state, []).append(w.id)
    if rng.random() < 0.3:
        ledger.change_need(w.id, lambda n: n.publish())


def _programme(ledger: Any, rng: random.Random, orgs: list, by_state: dict) -> None:
    state = rng.choice(list(by_state))
    funder, implementer = rng.sample(orgs, 2)
    begin = date(2018, 1, 1) + timedelta(days=rng.randint(0, 2500))
    p = ledger.register_programme(
        title="Programme",
        description="",
        reporting_org=funder,
        funders=[funder],
        implementers=[implementer],
        states=[state],
        start=begin,
        end=begin + timedelta(days=rng.randint(365, 1500)),
        status=2,
    ).id
    linked = rng.sample(by_state[state], min(len(by_state[state]), rng.randint(1, 3)))
    for need in linked:
        ledger.change_programme(p, lambda x, n=need: x.link_need(n, state, None))
    for i in range(rng.randint(1, 4)):
        ledger.change_programme(
            p,
            lambda x, i=i: x.record_commitment(
                f"c{i}", funder, f"{rng.randint(10, 500) * 1000}", rng.choice(CURRENCIES), begin
            ),
        )
    for i in range(rng.randint(5, 40)):
        on = begin + timedelta(days=30 * i)
        if on > date.today():  # a delivery is recorded once it has happened: the history stops at today
            break
        if rng.random() < 0.6:
            ledger.change_programme(
                p,
                lambda x, i=i, on=on: x.record_disbursement(
                    f"d{i}", f"{rng.randint(1, 50) * 1000}", rng.choice(CURRENCIES), on, funder
                ),
            )
        else:
            ledger.change_programme(
                p, lambda x, i=i, on=on: x.record_delivery(f"v{i}", rng.choice(KINDS), on, linked, "delivered")
            )
