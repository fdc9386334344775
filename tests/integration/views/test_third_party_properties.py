"""Third-party reports count nowhere until their funder confirms them (issue 16, attribution), as a property over
random histories on both stores: every need row, programme row and coordination view of a history with reports
(confirmed, disputed, revised back to unconfirmed, cancelled) equals that of the same history in which each report
that ends confirmed was its funder's own money from the start and every other report never happened. Only the
reports' own listing (`reports`, `unconfirmed`) and what names a write (ids, versions, positions, times) differ."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings

from api.root.services import Services
from domain import third_party
from domain.errors import DomainError
from projections.views import funding_gaps, priority_areas, programme_monitoring, provider_overlap, unmet_needs
from projections.views.common import AREAS
from tests.support.histories import RICH, TODAY, Player, histories
from tests.support.stores import wipe

PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What names a write rather than what it says, and the reports' own listing: the two histories differ there.
DROP = {"version", "position", "updated_at", "registered_at", "identified_at", "reports", "unconfirmed"}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# RICH, with two funders on one programme and reports on it: confirmed, disputed, revised after confirmation,
# cancelled, and a disbursement left unconfirmed.
REPORTED = [
    *RICH,
    ("programme", [0, 1], [], ["KEN"], date(2024, 1, 1), None, 2),
    ("link", 2, 0, None),
    ("report", 2, "commitment", "7000.25", date(2024, 2, 1)),
    ("report", 2, "commitment", "900.25", date(2024, 2, 2)),
    ("report", 2, "disbursement", "500.25", date(2024, 2, 3)),
    ("report", 2, "pledge", "50.25", date(2024, 2, 4)),
    ("settle", 2, 0, "confirm"),
    ("settle", 2, 1, "dispute"),
    ("settle", 2, 3, "confirm"),
    ("report", 2, "commitment", "1200.25", date(2024, 2, 5)),
    ("settle", 2, 4, "confirm"),
    ("report_change", 2, 3, False, "1300.25"),
    ("report_change", 2, 2, True, "1.25"),
]


class Recorder(Player):
    """Plays a history and remembers, step by step, what each accepted report step did to which report."""

    def __init__(self, ledger: Any) -> None:
        super().__init__(ledger)
        self.done: list[tuple[Any, ...]] = []

    def play(self, steps: list[tuple], after_each: Any = None) -> None:
        for s in steps:
            before = len(self.reports)
            if self._accepted(s):
                self.done.append(self._resolved(s, before))

    def _accepted(self, s: tuple) -> bool:
        try:
            getattr(self, s[0])(*s[1:])
        except DomainError:  # refused, as in life: recorded nothing
            return False
        return True

    def _resolved(self, s: tuple, reports_before: int) -> tuple[Any, ...]:
        """The step with the report it touched named: ("report", n, what, amount, on, key), ("change", key, ...)."""
        if s[0] == "report":
            n, _, key = self.reports[reports_before]
            return ("report", n, s[2], s[3], s[4], key)
        if s[0] in ("settle", "report_change"):
            return (s[0], self.touched)
        return s

    def settle(self, p, r, action) -> Any:
        written = super().settle(p, r, action)
        self.touched = self._last_key(p, r, None)
        return written

    def report_change(self, p, r, cancel, amount) -> Any:
        written = super().report_change(p, r, cancel, amount)
        self.touched = (*self._last_key(p, r, "commitment"), cancel, amount)
        return written

    def _last_key(self, p: int, r: int, book: str | None) -> tuple[Any, ...]:
        n = self.programmes.index(self._pick(self.programmes, p))
        _, _, key = self._pick([x for x in self.reports if x[0] == n and book in (None, x[1])], r)
        return (n, key)

    def confirmations(self) -> dict[str, str]:
        """Where each report stands at the end of the history."""
        out = {}
        for n, book, key in self.reports:
            entries = third_party.entries(self.ledger.programme(self.programmes[n]), book)
            out[key] = third_party.confirmation(entries[key])
        return out


class OwnMoney(Player):
    """Plays the history in which confirmed reports were their funders' own money and the others never were."""

    def own_money(self, n, what, amount, on, key) -> Any:
        pid = self.programmes[n]
        prog = self.ledger.programme(pid)
        funder = self._pick([f for f in prog.funders if f != prog.reporting_org], 0)
        commands = {
            "pledge": lambda x: x.record_pledge(key, funder, amount, "USD", on),
            "commitment": lambda x: x.record_commitment(key, funder, amount, "USD", on),
            "disbursement": lambda x: x.record_disbursement(key, amount, "USD", on, funder),
        }
        return self.ledger.change_programme(pid, commands[what])

    def own_change(self, n, key, cancel, amount) -> Any:
        command = (lambda x: x.cancel_commitment(key)) if cancel else (lambda x: x.revise_commitment(key, amount))
        return self.ledger.change_programme(self.programmes[n], command)


def counterpart(done: list[tuple[Any, ...]], confirmations: dict[str, str]) -> list[tuple[Any, ...]]:
    """The history where a report that ends confirmed is its funder's own money, with the same changes, and
    every other report, its settling and its changes never happened."""
    steps: list[tuple[Any, ...]] = []
    for s in done:
        if s[0] == "report":
            if confirmations[s[5]] == third_party.CONFIRMED:
                steps.append(("own_money", *s[1:]))
        elif s[0] == "report_change":
            n, key, cancel, amount = s[1]
            if confirmations[key] == third_party.CONFIRMED:
                steps.append(("own_change", n, key, cancel, amount))
        elif s[0] != "settle":
            steps.append(s)
    return steps


def seen(svc: Services, player: Player) -> Any:
    """Every row and view, ids named by their place in the history, lists compared as sets."""
    svc.runner.catch_up()
    needs, programmes = svc.durable.needs(), svc.durable.programmes()
    currency = svc.currency
    views = {
        "needs": needs,
        "programmes": programmes,
        "unmet-needs": unmet_needs.view(needs, currency),
        "funding-gaps": {g: funding_gaps.view(needs, currency, g) for g in AREAS},
        "provider-overlap": provider_overlap.view(needs, currency),
        "priority-areas": {b: priority_areas.view(needs, currency, b) for b in priority_areas.BY},
        "programme-monitoring": programme_monitoring.view(programmes, currency, TODAY),
    }
    names = {str(x): f"need#{i}" for i, x in enumerate(player.needs)}
    names |= {str(x): f"programme#{i}" for i, x in enumerate(player.programmes)}
    return canonical(views, names)


def canonical(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {canonical(k, names): canonical(v, names) for k, v in value.items() if k not in DROP}
    if isinstance(value, list):
        return sorted((canonical(v, names) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, str):
        return UUID_TEXT.sub(lambda m: names.get(m.group(0), m.group(0)), value)
    return value


@PROPERTY
@given(steps=histories)
@example(steps=REPORTED)
def test_reports_count_only_once_confirmed_as_if_their_funder_had_recorded_them(services: Services, steps) -> None:
    # Given a random history with third-party reports, some confirmed, disputed, revised or cancelled
    wipe(services)
    recorder = Recorder(services.ledger)
    recorder.play(steps)
    with_reports = seen(services, recorder)
    confirmations = recorder.confirmations()
    # When the same history is played with each report that ends confirmed recorded by its funder instead,
    # and the others left out
    wipe(services)
    own = OwnMoney(services.ledger)
    own.play(counterpart(recorder.done, confirmations))
    # Then every row and view is the same: unconfirmed and disputed money counts in no total, allocation, gap
    # or HHI, and confirmed money counts as the funder's own
    assert seen(services, own) == with_reports


def test_the_example_history_has_reports_in_every_state(services: Services) -> None:
    # Given the hand-made history, then it has reports confirmed, disputed, and unconfirmed again
    wipe(services)
    recorder = Recorder(services.ledger)
    recorder.play(REPORTED)
    assert sorted(recorder.confirmations().values()) == [
        "confirmed",
        "confirmed",
        "disputed",
        "unconfirmed",
        "unconfirmed",
    ]
    # And the views keep the unconfirmed ones apart: the programme's unconfirmed commitments are listed
    services.runner.catch_up()
    [row] = [p for p in services.durable.programmes() if p["programme_id"] == str(recorder.programmes[2])]
    assert row["unconfirmed"]["committed"] == "1300.25"  # revised after its confirmation
    assert row["unconfirmed"]["disbursed"] == "500.25"
    assert {r["confirmation"] for r in row["reports"]} == {"confirmed", "disputed", "unconfirmed"}
