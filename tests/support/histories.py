"""Random ledger histories for property tests, rich in what the views weigh: shares, periods, money
in several currencies (NOK never gets a rate), rates, revisions, re-prioritising, cancellations,
unlinking, deliveries, status and period changes, renamed organisations, and third-party reports
(money the reporting organisation records in another funder's name) confirmed, disputed or revised.

Hypothesis draws steps; the Ledger judges them (a step that breaks a rule records nothing, as in life).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from domain.errors import DomainError
from domain.needs import money, source

STATES = ["KEN", "UGA"]
ORGS = [
    ("XM-V1", "Provider One", "10"),
    ("XM-V2", "Provider Two", "40"),
    ("XM-V3", "Provider Three", "21"),
]
CURRENCIES = ["USD", "EUR", "GBP", "NOK"]
TA = [["capacity-building"], ["legal-advice", "capacity-building"], ["action-plan"]]
TODAY = date(2025, 6, 1)

i = st.integers(0, 20)
amounts = st.integers(1, 400).map(lambda n: f"{n * 250}.25")
days = st.integers(0, 900).map(lambda n: date(2023, 1, 1) + timedelta(days=n))
orgs = st.lists(st.integers(0, 2), min_size=1, max_size=2, unique=True)
ends = st.one_of(st.none(), days)

need = st.tuples(
    st.just("need"),
    st.sampled_from(STATES),
    st.sampled_from([9, 15, 9, 15, 46, 52]),  # chapters II to V, with cells shared often
    st.sampled_from(TA),
    st.sampled_from(["current", "anticipated"]),
    st.sampled_from(["high", "low"]),
    st.one_of(st.none(), st.tuples(amounts, st.sampled_from(CURRENCIES))),
)
programme = st.tuples(
    st.just("programme"),
    orgs,
    st.lists(st.integers(0, 2), max_size=2, unique=True),
    st.sampled_from([STATES, STATES[:1], STATES[1:]]),
    st.one_of(st.none(), days),
    ends,
    st.sampled_from([1, 2, 2, 3]),
)
link = st.tuples(st.just("link"), i, i, st.sampled_from([None, None, "0.25", "0.5"]))
money_ = st.tuples(
    st.just("money"),
    i,
    st.sampled_from(["pledge", "commitment", "commitment", "disbursement"]),
    st.integers(0, 1),
    amounts,
    st.sampled_from(["USD", *CURRENCIES]),
    days,
)
STEPS = {
    "need": need,
    "programme": programme,
    "link": link,
    "money": money_,
    "need_action": st.tuples(
        st.just("need_action"),
        i,
        st.sampled_from(
            [
                "publish",
                "met",
                "withdraw",
                "reopen",
                "prioritise",
                "estimate",
                "revise_ta",
                "revise_horizon",
                "stakeholders",
            ]
        ),
        amounts,
        st.sampled_from(CURRENCIES),
        st.sampled_from(TA),
    ),
    "unlink": st.tuples(st.just("unlink"), i, i),
    "commitment_change": st.tuples(st.just("commitment_change"), i, i, st.booleans(), amounts),
    "deliver": st.tuples(st.just("deliver"), i, days),
    "status": st.tuples(st.just("status"), i, st.sampled_from([1, 2, 3, 4, 5, 6])),
    "period": st.tuples(st.just("period"), i, st.one_of(st.none(), days), ends),
    "rate": st.tuples(
        st.just("rate"),
        st.sampled_from(["EUR", "GBP"]),
        days,
        st.sampled_from(["1.08", "1.27", "0.9"]),
    ),
    "rename": st.tuples(st.just("rename"), st.integers(0, 2), st.sampled_from(["Renamed", "Zeta Agency"])),
    "report": st.tuples(
        st.just("report"), i, st.sampled_from(["pledge", "commitment", "commitment", "disbursement"]), amounts, days
    ),
    "settle": st.tuples(st.just("settle"), i, i, st.sampled_from(["confirm", "confirm", "dispute"])),
    "report_change": st.tuples(st.just("report_change"), i, i, st.booleans(), amounts),
}
# Links and money come often, so cells gather several providers and overlap.
WEIGHTS = {"link": 5, "money": 6, "commitment_change": 2, "report": 3, "settle": 3}
step = st.sampled_from([k for k in STEPS for _ in range(WEIGHTS.get(k, 1))]).flatmap(STEPS.__getitem__)
# A few needs and programmes first, so the steps after them have something to work on.
histories = st.tuples(
    st.lists(need, min_size=2, max_size=6),
    st.lists(programme, min_size=2, max_size=4),
    st.lists(step, min_size=10, max_size=40),
).map(lambda t: [*t[0], *t[1], *t[2]])


class Player:
    """Plays steps through the Ledger, remembering the needs and programmes it made."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.orgs = []
        for ref, name, kind in ORGS:
            with suppress(DomainError):  # already there from an earlier example
                ledger.register_organisation(ref, name, kind)
            self.orgs.append(ledger.organisation_by_ref(ref).id)
        self.needs: list[Any] = []
        self.programmes: list[Any] = []
        self.reports: list[tuple[int, str, str]] = []  # (programme index, book, key) of each accepted report
        self.last = 0  # position of the last accepted write

    def play(self, steps: list[tuple], after_each: Any = None) -> None:
        for s in steps:
            try:
                written = getattr(self, s[0])(*s[1:])
            except DomainError:
                continue
            if written is not None:
                self.last = written.position
                if after_each:
                    after_each(written.position)

    @staticmethod
    def _pick(items: list[Any], n: int) -> Any:
        if not items:
            raise DomainError("nothing-to-pick", "no such item yet")
        return items[n % len(items)]

    def need(self, state, article, ta, horizon, priority, cost) -> Any:
        w = self.ledger.identify_need(
            state=state,
            article=article,
            ta_types=ta,
            description="need",
            horizon=horizon,
            priority=priority,
            source=source("self-assessment", "SA"),
            estimated_cost=money(cost[0], cost[1], date(2024, 1, 1)) if cost else None,
        )
        self.needs.append(w.id)
        return w

    def need_action(self, n, action, amount, currency, ta) -> Any:
        commands = {
            "publish": lambda x: x.publish(),
            "met": lambda x: x.mark_met("met"),
            "withdraw": lambda x: x.withdraw("gone"),
            "reopen": lambda x: x.reopen("back"),
            "prioritise": lambda x: x.prioritise("low" if x.priority == "high" else "high"),
            "estimate": lambda x: x.estimate(amount, currency, date(2024, 3, 1)),
            "revise_ta": lambda x: x.revise(ta_types=ta),
            "revise_horizon": lambda x: x.revise(horizon="anticipated" if x.horizon == "current" else "current"),
            # civil society in, or parliament alone: the need's non-governmental count flips (para 15)
            "stakeholders": lambda x: x.record_stakeholders(
                [{"kind": "parliament", "name": "Committee"}]
                if x.stakeholders and x.stakeholders[0]["kind"] == "civil-society"
                else [{"kind": "civil-society", "name": "Watchdog"}]
            ),
        }
        return self.ledger.change_need(self._pick(self.needs, n), commands[action])

    def programme(self, funders, implementers, states, start, end, status) -> Any:
        if start and end and end < start:
            start, end = end, start
        fs = [self.orgs[f] for f in funders]
        w = self.ledger.register_programme(
            title=f"programme {len(self.programmes)}",
            description="",
            reporting_org=fs[0],
            funders=fs,
            implementers=[self.orgs[x] for x in implementers],
            states=states,
            start=start,
            end=end,
            status=status,
        )
        self.programmes.append(w.id)
        return w

    def link(self, p, n, share) -> Any:
        return self.ledger.link_need(self._pick(self.programmes, p), self._pick(self.needs, n), share)

    def unlink(self, p, n) -> Any:
        pid = self._pick(self.programmes, p)
        linked = list(self.ledger.programme(pid).links)
        return self.ledger.change_programme(pid, lambda x: x.unlink_need(self._pick(linked, n)))

    def money(self, p, what, f, amount, currency, on) -> Any:
        pid = self._pick(self.programmes, p)
        prog = self.ledger.programme(pid)
        funder = self._pick(prog.funders, f)
        key = f"{what}-{len(own(prog.commitments))}-{len(own(prog.disbursements))}"  # reports apart: tp-<n>
        commands = {
            "pledge": lambda x: x.record_pledge(key, funder, amount, currency, on),
            "commitment": lambda x: x.record_commitment(key, funder, amount, currency, on),
            "disbursement": lambda x: x.record_disbursement(key, amount, currency, on, funder),
        }
        return self.ledger.change_programme(pid, commands[what])

    def commitment_change(self, p, c, cancel, amount) -> Any:
        pid = self._pick(self.programmes, p)
        cid = self._pick(sorted(own(self.ledger.programme(pid).commitments)), c)
        command = (lambda x: x.cancel_commitment(cid)) if cancel else (lambda x: x.revise_commitment(cid, amount))
        return self.ledger.change_programme(pid, command)

    def deliver(self, p, on) -> Any:
        pid = self._pick(self.programmes, p)
        key = f"delivery-{len(self.ledger.programme(pid).deliveries)}"
        return self.ledger.change_programme(pid, lambda x: x.record_delivery(key, "workshop", on, [], "a workshop"))

    def status(self, p, status) -> Any:
        return self.ledger.change_programme(self._pick(self.programmes, p), lambda x: x.change_status(status))

    def period(self, p, start, end) -> Any:
        if start and end and end < start:
            start, end = end, start
        return self.ledger.change_programme(self._pick(self.programmes, p), lambda x: x.change_period(start, end))

    def rate(self, currency, on, rate) -> Any:
        return self.ledger.record_rate(currency, on, rate)

    def rename(self, o, name) -> Any:
        return self.ledger.rename_organisation(self.orgs[o], name)

    # ---- third-party reports: always by the programme's reporter, in another funder's name ----

    def report(self, p, what, amount, on, key: str | None = None) -> Any:
        """The reporter reports money of the programme's first other funder, in USD (so a rate never decides)."""
        pid = self._pick(self.programmes, p)
        prog = self.ledger.programme(pid)
        funder = self._pick([f for f in prog.funders if f != prog.reporting_org], 0)
        key = key or f"tp-{len(self.reports)}"
        written = self.ledger.change_programme(
            pid, lambda x: x.report_money(what, key, funder, amount, "USD", on, reported_by=prog.reporting_org)
        )
        self.reports.append(
            (self.programmes.index(pid), "disbursement" if what == "disbursement" else "commitment", key)
        )
        return written

    def settle(self, p, r, action) -> Any:
        """The funder confirms or disputes a report of a programme (whichever its index picks)."""
        pid = self._pick(self.programmes, p)
        n = self.programmes.index(pid)
        _, book, key = self._pick([x for x in self.reports if x[0] == n], r)
        command = (lambda x: x.confirm(book, key)) if action == "confirm" else (lambda x: x.dispute(book, key, "no"))
        return self.ledger.change_programme(pid, command)

    def report_change(self, p, r, cancel, amount) -> Any:
        """The reporter revises (back to unconfirmed) or cancels a reported pledge or commitment."""
        pid = self._pick(self.programmes, p)
        n = self.programmes.index(pid)
        _, _, key = self._pick([x for x in self.reports if x[0] == n and x[1] == "commitment"], r)
        command = (lambda x: x.cancel_commitment(key)) if cancel else (lambda x: x.revise_commitment(key, amount))
        return self.ledger.change_programme(pid, command)


def own(entries: dict[str, Any]) -> dict[str, Any]:
    """The entries recorded by their funders (third-party reports are keyed tp-<n>)."""
    return {k: v for k, v in entries.items() if not k.startswith("tp-")}


# A history that surely has two funders' commitments on one cell, a pair of overlapping
# programmes, a rate arriving after the money, a revision, a cancellation, an unlink and relink.
RICH = [
    ("need", "KEN", 9, ["capacity-building"], "current", "high", ("10000", "USD")),
    (
        "need",
        "KEN",
        9,
        ["legal-advice", "capacity-building"],
        "anticipated",
        "low",
        ("5000", "EUR"),
    ),
    ("programme", [0], [2], STATES[:1], date(2024, 1, 1), None, 2),
    ("programme", [1], [], STATES, date(2024, 3, 1), date(2025, 3, 1), 2),
    ("link", 0, 0, "0.5"),
    ("link", 0, 1, None),
    ("link", 1, 0, None),
    ("money", 0, "commitment", 0, "3000.25", "USD", date(2024, 2, 1)),
    ("money", 1, "commitment", 0, "2000.25", "EUR", date(2024, 5, 1)),
    ("rate", "EUR", date(2024, 1, 1), "1.08"),
    ("commitment_change", 0, 0, False, "4000.25"),
    ("money", 1, "disbursement", 0, "9000.25", "USD", date(2024, 6, 1)),
    ("deliver", 0, date(2024, 4, 1)),
    ("unlink", 1, 0),
    ("link", 1, 0, "0.25"),
    ("money", 0, "pledge", 0, "100.25", "GBP", date(2024, 1, 1)),
    ("commitment_change", 1, 0, True, "1.25"),
    ("money", 1, "commitment", 0, "1500.25", "USD", date(2024, 5, 2)),
    ("period", 1, None, None),
    ("rename", 0, "Renamed"),
    ("need_action", 1, "withdraw", "1.25", "USD", TA[0]),
    ("need_action", 1, "reopen", "1.25", "USD", TA[0]),
]
