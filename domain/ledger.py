"""The Ledger application: load, decide, save. Every write answers with its log position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, RecordConflictError

from domain import reference
from domain.audit_notes import UnsignedTail
from domain.errors import (
    ConcurrentChange,
    DomainError,
    InvalidInput,
    NotFound,
    RuleBroken,
    VersionMismatch,
)
from domain.events import DateAsISO
from domain.group_commit import GroupCommit, Unit
from domain.keys import ApiKey
from domain.needs import Need
from domain.organisations import Organisation, organisation_id
from domain.programmes import Programme
from domain.rates import ExchangeRate, rate_id

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Written:
    """What a write answers: the aggregate as it now stands and the log position of its last event.

    A write that recorded nothing answers the position the ledger is at; inside `bulk()`, None.
    """

    aggregate: Any
    position: int | None

    @property
    def id(self) -> UUID:
        return cast(UUID, self.aggregate.id)

    @property
    def version(self) -> int:
        return cast(int, self.aggregate.version)


class Ledger(Application[UUID]):
    name = "ledger"

    def __init__(self, env: dict[str, str] | None = None, reporting_currency: str = "USD") -> None:
        super().__init__(env)
        self.reporting_currency = reference.currency(reporting_currency)
        self.listeners: list[Callable[[], None]] = []
        self.commits = GroupCommit(
            self._load,
            self.save_collected,
            self.position,
            load_at=lambda i, v: self.repository.get(i, version=v),
            save_bulk=self.save_chunk,
        )

    def save_collected(self, events: list[Any]) -> list[Any]:
        """The library's `save` of events already collected from their aggregates (what every command's batch
        is), without its check of each object: a runtime Protocol `isinstance` per event, a twentieth of an IATI
        import's time. Records, snapshots and notifies exactly as `save(*events)` does."""
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        processing.events.extend(events)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, called as its save calls it
        return recordings

    def save_chunk(self, events: list[Any]) -> None:
        """A bulk load's chunk (`bulk()`: IATI import, restore, demo, generation), stored as `save_collected` stores
        it, without the library's Recording and Notification per event, which a bulk load never reads (it answers
        no positions). There are no aggregates to snapshot or cache, as in `save_collected`."""
        if events:
            self.recorder.insert_events(list(map(self.mapper.to_stored_event, events)))
            self._notify([])

    def position(self) -> int:
        """The log position the ledger is at: what a write that records nothing answers."""
        return self.recorder.max_notification_id() or 0

    def _notify(self, recordings: list[Any]) -> None:
        # Wakes the projection runner in this process; other processes poll or LISTEN.
        for listener in self.listeners:
            listener()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- the one way in and out of the store ----

    def get(self, cls: type[A], aggregate_id: UUID) -> A:
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, cls):
            what = cls.__name__.lower()
            raise NotFound(f"{what}-not-found", f"no {what} with id {aggregate_id}")
        return aggregate

    def _load(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as this thread's bulk load holds it (not saved yet), else as stored; None if absent."""
        held = self.commits.held(aggregate_id)
        aggregate = held if held is not None else self._load(aggregate_id)
        return aggregate if isinstance(aggregate, cls) else None

    def _create(self, aggregate: Aggregate, exists: DomainError | None = None) -> Written:
        created = list(aggregate.pending_events)  # immutable events: a retry replays them

        def decide(unit: Unit) -> Aggregate:
            # The store's unique (id, version 1) refuses a duplicate; the retry then reads and says so.
            if unit.known(aggregate.id) is not None or aggregate.id in unit.saved:
                raise exists or RuleBroken(
                    "already-exists", f"{type(aggregate).__name__} {aggregate.id} already exists"
                )
            if not unit.fresh:
                return aggregate
            rebuilt: Any = None  # a retry after a conflict: the first attempt's events were collected
            for event in created:
                rebuilt = event.mutate(rebuilt)
            rebuilt.pending_events.extend(created)
            return cast(Aggregate, rebuilt)

        return Written(*self.commits.submit(decide))

    def _change(
        self,
        cls: type[A],
        aggregate_id: UUID,
        command: Callable[[A], None],
        expected_version: int | None = None,
    ) -> Written:
        """Decide on the aggregate as it stands in the shared transaction; conflicts retry fresh."""
        # Read in the caller's thread, in parallel with others (a bulk load reads in its unit).
        preloaded = None if self.commits.in_bulk() else self._load(aggregate_id)

        def decide(unit: Unit) -> A:
            aggregate = unit.get(aggregate_id, preloaded)
            if not isinstance(aggregate, cls):
                what = cls.__name__.lower()
                raise NotFound(f"{what}-not-found", f"no {what} with id {aggregate_id}")
            if expected_version is not None and aggregate.version != expected_version:
                raise VersionMismatch(expected_version, aggregate.version)
            command(aggregate)
            return aggregate

        try:
            return Written(*self.commits.submit(decide))
        except RecordConflictError:
            raise ConcurrentChange("concurrent-change", "the record kept changing; try again") from None

    def bulk(self, flush_every: int = 2000) -> Any:
        """`with ledger.bulk():` commands in this thread go in transactions of ~flush_every events.

        For imports and generators: far fewer commits; `Written.position` is None inside.
        `with ledger.atomic():` inside it keeps a group of commands whole or not at all.
        """
        return self.commits.bulk(flush_every)

    def atomic(self) -> Any:
        """A group of commands kept whole; a bulk load saves its due chunk after the outermost one."""
        if not self.commits.in_bulk():
            raise RuntimeError("atomic() is for use inside bulk()")
        return self.commits.atomic()

    # ---- organisations ----

    def register_organisation(self, ref: str, name: str, org_type: str, country: str | None = None) -> Written:
        org = Organisation.register(ref, name, org_type, country)
        return self._create(org, RuleBroken("organisation-already-registered", f"{ref!r} is already registered"))

    def rename_organisation(self, org_id: UUID, name: str, expected_version: int | None = None) -> Written:
        return self._change(Organisation, org_id, lambda o: o.rename(name), expected_version)

    def organisation(self, org_id: UUID) -> Organisation:
        return self.get(Organisation, org_id)

    def organisation_by_ref(self, ref: str) -> Organisation:
        """The organisation registered under this IATI ref; NotFound names the ref as given, not the id it maps to."""
        try:
            return self.get(Organisation, organisation_id(ref))
        except NotFound:
            raise NotFound("organisation-not-found", f"no organisation with ref {ref!r}") from None

    def _require_organisations(self, ids: list[UUID]) -> None:
        for org_id in ids:
            if self.commits.saved_in_bulk(org_id) is Organisation:  # a bulk load knows without a read
                continue
            if self.find(Organisation, org_id) is None:  # a bulk load may have registered it unsaved
                raise InvalidInput("unknown-organisation", f"no organisation with id {org_id}")

    # ---- needs ----

    def identify_need(self, **fields: Any) -> Written:
        self.require_programme((fields.get("assistance_provided") or {}).get("programme_id"))
        return self._create(Need.identify(**fields))

    def require_programme(self, programme_id: UUID | None) -> None:
        """The programme a need's assistance already provided names exists (`programme-not-found` otherwise)."""
        if programme_id is not None and self.find(Programme, programme_id) is None:
            raise NotFound("programme-not-found", f"no programme with id {programme_id}")

    def need(self, need_id: UUID) -> Need:
        return self.get(Need, need_id)

    def change_need(
        self, need_id: UUID, command: Callable[[Need], None], expected_version: int | None = None
    ) -> Written:
        return self._change(Need, need_id, command, expected_version)

    # ---- programmes ----

    def register_programme(self, **fields: Any) -> Written:
        self._require_organisations(
            [fields["reporting_org"], *fields.get("funders", []), *fields.get("implementers", [])]
        )
        return self._create(Programme.register(**fields))

    def programme(self, programme_id: UUID) -> Programme:
        return self.get(Programme, programme_id)

    def change_programme(
        self,
        programme_id: UUID,
        command: Callable[[Programme], None],
        expected_version: int | None = None,
    ) -> Written:
        return self._change(Programme, programme_id, command, expected_version)

    def link_need(
        self, programme_id: UUID, need_id: UUID, share: object = None, expected_version: int | None = None
    ) -> Written:
        need = self.need(need_id)
        return self.change_programme(programme_id, lambda p: p.link_need(need.id, need.state, share), expected_version)

    # ---- exchange rates ----

    def record_rate(self, currency: str, on: date, rate: object) -> Written:
        new = ExchangeRate.record(currency, on, rate, self.reporting_currency)
        try:
            existing = self.get(ExchangeRate, rate_id(new.currency, on))
        except NotFound:
            return self._create(new)
        if existing.rate != new.rate:
            raise RuleBroken(
                "rate-already-recorded",
                f"{currency} on {on} is already recorded at {existing.rate}",
            )
        return Written(existing, self.position())

    # ---- API keys ----

    def issue_key(
        self, name: str, role: str, organisation: UUID | None = None, state: str | None = None
    ) -> tuple[Written, str]:
        if organisation is not None:
            self._require_organisations([organisation])
        key, secret = ApiKey.issue(name, role, organisation, state)
        return self._create(key), secret

    def revoke_key(self, key_id: UUID) -> Written:
        return self._change(ApiKey, key_id, lambda k: k.revoke())

    def key(self, key_id: UUID) -> ApiKey:
        return self.get(ApiKey, key_id)

    # ---- notes on the audit trail ----

    def accept_unsigned_tail(self, file_sha256: str, first_position: int, last_position: int, count: int) -> Written:
        """Record that a restore accepted records [first, last] of a file no trusted checkpoint covered; the actor and
        the (required) reason come from the recording context."""
        return self._create(UnsignedTail.accept(file_sha256, first_position, last_position, count))
