"""Import an IATI file into the ledger, each activity whole or not at all, reporting every activity it skips and
why: `import_into(svc, source, filename)` (or `import_file` with a ledger and the needs) checks the file whole,
then registers organisations and programmes and appends only what differs from the ledger (see `plan`), so a
file imported twice appends nothing. Specification: docs/iati-import.md.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from api.iati.exporter import own_programme_id
from api.iati.model import Activity, IatiFileError, OrgRef, Skipped
from api.iati.parse import ActivityReader, Survey, survey
from api.iati.plan import NeedIndex, Plan, closes, money_in, org_id
from domain import context, reference
from domain.errors import ConcurrentChange, DomainError, InvalidInput, RuleBroken
from domain.organisations import Organisation
from domain.programmes import IMPLEMENTATION, Programme, programme_id_for
from projections.model import ORG, PROGRAMME

DEFAULT_ORG_TYPE = "90"  # IATI OrganisationType "Other"
_CHUNK = 500  # ids per lookup query: well under SQLite's and PostgreSQL's parameter limits
Source = str | os.PathLike[str] | bytes
Progress = Callable[[int, int], None]  # (activities done, activities in the file)


@dataclass
class ImportReport:
    file: str
    seen: int = 0
    filtered_out: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    transactions: dict[str, Counter[str]] = field(
        default_factory=lambda: {k: Counter() for k in ("imported", "corrected", "revised", "unchanged", "ignored")}
    )
    organisations_registered: int = 0
    unknown_organisations: set[str] = field(default_factory=set)
    needs_linked: int = 0
    needs_unlinked: int = 0
    events: int = 0
    notes: list[dict[str, Any]] = field(default_factory=list)
    position: int = 0

    def skip(self, identifier: str | None, index: int, reason: str) -> None:
        self.skipped.append(
            {"iati_identifier": identifier, "index": index, "code": reason.split(":", 1)[0], "reason": reason}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "activities": {
                "seen": self.seen,
                "filtered_out": self.filtered_out,
                "imported": self.imported,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "skipped": len(self.skipped),
            },
            "skipped": self.skipped,
            "transactions": {k: dict(sorted(v.items())) for k, v in self.transactions.items()},
            "organisations_registered": self.organisations_registered,
            "unknown_organisations": sorted(self.unknown_organisations),
            "needs_linked": self.needs_linked,
            "needs_unlinked": self.needs_unlinked,
            "events": self.events,
            "notes": self.notes,
            "position": self.position,
        }


@dataclass(frozen=True)
class Known:
    """Of the programmes and organisations a file names, those the views show, just caught up: only these are read,
    anything else is taken as new without a read (a file's activities are unique); one created meanwhile by another
    writer makes the save conflict (`ConcurrentChange`), and importing again adds what is missing.
    """

    programmes: frozenset[UUID]
    organisations: frozenset[UUID]

    @classmethod
    def named(cls, svc: Any, names: Survey) -> Known:
        """Looks up only the ids the file names (`existing` answers which of them the views hold)."""
        programmes = {programme_id_for(i) for i in names.identifiers}
        programmes |= {own for i in names.identifiers if (own := own_programme_id(i)) is not None}
        organisations = {org_id(ref) for ref in names.org_refs}
        return cls(frozenset(existing(svc, PROGRAMME, programmes)), frozenset(existing(svc, ORG, organisations)))


def import_into(
    svc: Any,
    source: Source,
    filename: str,
    sectors: Iterable[str] | None = None,
    acting_org: UUID | None = None,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import into the services' ledger, with the needs and ids its views know once caught up."""
    svc.runner.catch_up()
    needs = NeedIndex.of(svc.durable.needs())
    names = _surveyed(source)
    return import_file(
        svc.ledger, source, filename, needs, sectors, acting_org, on_progress, Known.named(svc, names), names
    )


def existing(svc: Any, kind: str, ids: set[UUID]) -> set[UUID]:
    """Which of `ids` the views hold as entities of `kind` ("programme", "org"): one indexed query per chunk."""
    wanted, found = sorted(map(str, ids)), set[UUID]()
    with svc.db.transaction(commit=False) as tx:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT id FROM ledger_entities WHERE kind = ? AND id IN ({marks})"
            found |= {UUID(row["id"]) for row in tx.execute(sql, [kind, *chunk]).fetchall()}
    return found


def _surveyed(source: Source) -> Survey:
    try:
        return survey(source)
    except IatiFileError as error:
        raise InvalidInput(error.code, str(error)) from None


def import_file(
    ledger: Any,
    source: Source,
    filename: str,
    needs: NeedIndex,
    sectors: Iterable[str] | None = None,
    acting_org: UUID | None = None,
    on_progress: Progress | None = None,
    known: Known | None = None,
    names: Survey | None = None,
) -> ImportReport:
    """`known` None: look every programme and organisation up in the store; `names`: the file's survey, if done."""
    total = (names or _surveyed(source)).activities
    importer = _Importer(ledger, needs, acting_org, ImportReport(filename), known)
    reader = ActivityReader(source, sectors)
    tick = on_progress or (lambda done, total: None)
    try:
        with context.recording(reason=f"IATI import of {filename}"), ledger.bulk():
            for item in reader:
                importer.take(item, reader.seen - 1)  # the item just read is the last one seen
                tick(reader.seen, total)
        tick(total, total)  # filtered-out activities at the end are never yielded
    except RecordConflictError:
        raise ConcurrentChange(
            "concurrent-change",
            "another writer changed the same records meanwhile; import the file again to add what is missing",
        ) from None
    report = importer.report
    report.seen, report.filtered_out = reader.seen, reader.filtered_out
    report.position = ledger.recorder.max_notification_id() or 0
    return report


class _Importer:
    def __init__(
        self, ledger: Any, needs: NeedIndex, acting_org: UUID | None, report: ImportReport, known: Known | None
    ) -> None:
        self.ledger, self.needs, self.acting_org, self.report = ledger, needs, acting_org, report
        self.known = known
        self.known_orgs: set[UUID] = set()  # saved or held by the bulk unit: never registered again
        self.identifiers: dict[str, int] = {}

    def take(self, item: Activity | Skipped, index: int) -> None:
        if isinstance(item, Skipped):
            self.report.skip(item.iati_identifier, item.index, item.reason)
            return
        first = self.identifiers.setdefault(item.iati_identifier, index)
        if first != index:
            self.report.skip(
                item.iati_identifier,
                index,
                f"duplicate-identifier: the file already has this activity at index {first}",
            )
            return
        outcome = _Outcome()
        try:
            with self.ledger.atomic():
                self._activity(item, outcome)
        except DomainError as error:
            self.report.skip(item.iati_identifier, index, f"{error.code}: {error.detail}")
            return
        self._count(item, index, outcome)

    # ---- one activity ----

    def _activity(self, a: Activity, out: _Outcome) -> None:
        states = self._states(a, out)
        funders = [o for o in a.funders if o.ref] or [a.reporting_org]
        if not any(o.ref for o in a.funders):
            out.notes.append(f"no funder with a ref: the reporting org {a.reporting_org.ref} is recorded as the funder")
        programme_id, existing = self._programme(a.iati_identifier)
        self._check_scope(a.reporting_org, funders, existing)
        implementers = [o for o in a.implementers if o.ref]
        self._check_registered([a.reporting_org, *funders, *implementers])
        for org in [a.reporting_org, *funders, *implementers]:
            self._ensure(org, out)
        if existing is None:
            existing = self._register(a, states, funders, implementers, out)
        elif sorted(existing.states) != sorted(states):
            out.notes.append(
                f"recipient countries {', '.join(states)} differ from the "
                f"programme's {', '.join(existing.states)}: the ledger keeps those"
            )
        plan = Plan.between(existing, a, self.needs, self.acting_org)
        out.plan = plan
        if plan.steps:
            self.ledger.change_programme(programme_id, plan.apply)

    def _programme(self, identifier: str) -> tuple[UUID, Programme | None]:
        """The identifier's programme; one exported without an identifier is found by its id."""
        programme_id = programme_id_for(identifier)
        found = self._find(Programme, programme_id)
        own = own_programme_id(identifier) if found is None else None
        if own is not None:
            mine = self._find(Programme, own)
            if mine is not None and mine.iati_identifier is None:
                return own, mine
        return programme_id, found

    def _find(self, cls: type, aggregate_id: UUID) -> Any:
        if self.known is not None:
            hinted = self.known.programmes if cls is Programme else self.known.organisations
            if aggregate_id not in hinted:
                return None
        return self.ledger.find(cls, aggregate_id)

    def _states(self, a: Activity, out: _Outcome) -> list[str]:
        if not a.states:
            raise InvalidInput(
                "no-recipient-country", "the activity names no recipient-country (regional activities are not imported)"
            )
        parties = [s for s in a.states if (st := reference.states().get(s)) and st.party]
        if not parties:
            raise InvalidInput(
                "no-party-state", f"none of its recipient countries ({', '.join(a.states)}) is a State party to UNCAC"
            )
        dropped = [s for s in a.states if s not in parties]
        if dropped:
            out.notes.append(f"recipient countries not party to UNCAC dropped: {', '.join(dropped)}")
        return parties

    def _check_scope(self, reporting: OrgRef, funders: list[OrgRef], existing: Programme | None) -> None:
        """A provider key imports a new activity only if its organisation reports it (it registers only
        programmes it reports), and changes one on the ledger only if its organisation reports or funds it."""
        if self.acting_org is None:
            return
        if existing is None:
            if reporting.ref is None or org_id(reporting.ref) != self.acting_org:
                raise RuleBroken(
                    "forbidden-scope",
                    "this key's organisation does not report this activity, so it may not register it",
                )
            return
        in_file = {org_id(o.ref) for o in [reporting, *funders] if o.ref}
        if self.acting_org not in in_file or self.acting_org not in {existing.reporting_org, *existing.funders}:
            raise RuleBroken(
                "forbidden-scope",
                "this key's organisation neither reports nor funds this activity, so it may not import it",
            )

    def _check_registered(self, orgs: list[OrgRef]) -> None:
        """A provider key's import registers no organisation (a right kept for admins and coordinators): an
        activity naming an unregistered ref is skipped, and the report lists the refs for a coordinator."""
        if self.acting_org is None:
            return
        unknown = sorted(
            {
                o.ref
                for o in orgs
                if o.ref and org_id(o.ref) not in self.known_orgs and self._find(Organisation, org_id(o.ref)) is None
            }
        )
        if unknown:
            self.report.unknown_organisations.update(unknown)
            raise InvalidInput(
                "unknown-organisation",
                f"organisation(s) not registered in the ledger: {', '.join(unknown)}; a coordinator registers them",
            )

    def _ensure(self, org: OrgRef, out: _Outcome) -> None:
        assert org.ref is not None
        identity = org_id(org.ref)
        if identity in self.known_orgs or identity in out.orgs:
            return
        out.orgs.add(identity)
        if self._find(Organisation, identity) is not None:
            return
        known_type = org.org_type in reference.organisation_types()
        org_type = org.org_type if known_type else DEFAULT_ORG_TYPE
        self.ledger.register_organisation(org.ref, org.name or org.ref, org_type)
        out.registered += 1

    def _register(
        self, a: Activity, states: list[str], funders: list[OrgRef], implementers: list[OrgRef], out: _Outcome
    ) -> Programme:
        # Closed or cancelled programmes take no money: register open, close after the money.
        status = IMPLEMENTATION if closes(a.status) and money_in(a) else a.status
        written = self.ledger.register_programme(
            title=a.title,
            description=a.description,
            iati_identifier=a.iati_identifier,
            reporting_org=org_id(a.reporting_org.ref or ""),
            funders=[org_id(o.ref or "") for o in funders],
            implementers=[org_id(o.ref or "") for o in implementers],
            states=states,
            start=a.start,
            end=a.end,
            status=status,
        )
        out.new = True
        return written.aggregate

    # ---- the report ----

    def _count(self, a: Activity, index: int, out: _Outcome) -> None:
        report, plan = self.report, out.plan
        self.known_orgs |= out.orgs
        report.organisations_registered += out.registered
        steps = len(plan.steps)
        report.events += out.registered + int(out.new) + steps
        if out.new:
            report.imported += 1
        elif steps:
            report.updated += 1
        else:
            report.unchanged += 1
        counted = report.transactions
        for kind, code, _ in plan.steps:  # as Plan.count would, in one pass over the steps
            if (group := _TRANSACTION_GROUP.get(kind)) is not None:
                counted[group][code or kind] += 1
            elif kind == "link":
                report.needs_linked += 1
            elif kind == "unlink":
                report.needs_unlinked += 1
        counted["unchanged"].update(plan.unchanged)
        counted["ignored"].update(plan.ignored)
        counted["ignored"].update(a.unread)
        for note in [*a.notes, *out.notes, *plan.notes]:
            report.notes.append({"iati_identifier": a.iati_identifier, "index": index, "note": note})


# The report's transaction counts each kind of step goes to.
_TRANSACTION_GROUP = {
    "pledge": "imported",
    "commitment": "imported",
    "disbursement": "imported",
    "correction": "corrected",
    "revise": "revised",
}


@dataclass
class _Outcome:
    """What one activity did, kept apart until its atomic block has succeeded."""

    plan: Plan = field(default_factory=Plan)
    orgs: set[UUID] = field(default_factory=set)
    registered: int = 0
    new: bool = False
    notes: list[str] = field(default_factory=list)
