"""Group commit: concurrent commands share one transaction, each keeping its own outcome.

A command is a `decide(unit)` function. The first waiting thread becomes the leader, takes every
queued command, runs them in order against one `Unit` (so a command sees the effects of those
before it, even on the same aggregate), and saves all their events in one transaction. A command
that raises keeps its error and leaves the aggregates as they were. If the shared save conflicts
with another process, each command is retried alone on fresh state.
"""

from __future__ import annotations

import contextvars
import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, RecordConflictError

MAX_BATCH = 256
RETRIES = 5


class Unit:
    """One batch's view of the aggregates: loaded once, changed in order, events kept in order."""

    def __init__(
        self,
        load: Callable[[UUID], Any],
        fresh: bool = False,
        careful: bool = True,
        load_at: Callable[[UUID, int], Any] | None = None,
    ) -> None:
        self.load = load
        self.load_at = load_at or (lambda aggregate_id, version: load(aggregate_id))
        # careful: undo a failed command and answer copies. Bulk loads skip both (commands decide
        # before they apply, so a refused one changed nothing; atomic blocks still undo).
        self.careful = careful
        self.fresh = fresh  # a retry after a conflict: never trust what the caller preloaded
        self.aggregates: dict[UUID, Any] = {}
        self.saved: dict[UUID, type] = {}  # a bulk load's aggregates already saved: their ids and types
        self.events: list[Any] = []
        self._touched: set[UUID] = set()  # what the running command got hold of
        self._base: dict[UUID, int | None] = {}  # each aggregate's version when the batch took it
        self._handed: set[UUID] = set()  # aggregates an earlier command answered with, as they are
        self._blocks: list[tuple[int, dict[UUID, Any]]] = []  # open atomic blocks: (events mark, undo)

    _ABSENT = object()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Several commands as one: on an error inside, none of them is kept."""
        undo: dict[UUID, Any] = {}
        self._blocks.append((len(self.events), undo))
        try:
            yield
        except BaseException:
            mark, _ = self._blocks[-1]
            del self.events[mark:]
            for key, value in undo.items():
                if value is Unit._ABSENT:
                    self.aggregates.pop(key, None)
                else:
                    self.aggregates[key] = value
            raise
        finally:
            self._blocks.pop()

    def _remember(self, aggregate_id: UUID) -> None:
        for _, undo in self._blocks:
            if aggregate_id not in undo:
                current = self.aggregates.get(aggregate_id, Unit._ABSENT)
                undo[aggregate_id] = current if current is Unit._ABSENT else copy.deepcopy(current)

    def get(self, aggregate_id: UUID, preloaded: Any = None) -> Any:
        self._remember(aggregate_id)
        if aggregate_id not in self.aggregates:
            use = preloaded if preloaded is not None and not self.fresh else self.load(aggregate_id)
            self.aggregates[aggregate_id] = use
            self._base[aggregate_id] = use.version if use is not None else None
        elif aggregate_id in self._handed:
            # An earlier command of this batch answered with this object: change a copy instead.
            self.aggregates[aggregate_id] = copy.deepcopy(self.aggregates[aggregate_id])
            self._handed.discard(aggregate_id)
        self._touched.add(aggregate_id)
        return self.aggregates[aggregate_id]

    def _restore(self, aggregate_id: UUID) -> None:
        """After a command failed half-way: the aggregate as this batch found it, plus its events."""
        base = self._base.get(aggregate_id)
        aggregate = self.load_at(aggregate_id, base) if base is not None else None
        for event in self.events:
            if event.originator_id == aggregate_id:
                aggregate = event.mutate(aggregate)
        self.aggregates[aggregate_id] = aggregate

    def known(self, aggregate_id: UUID) -> Any:
        """An aggregate this batch has, without a read; a retry (fresh) reads the store."""
        if self.fresh:
            return self.get(aggregate_id)
        return self.aggregates.get(aggregate_id)

    def run(self, decide: Callable[[Unit], Any]) -> tuple[Any, int]:
        """Run one command; on error, put back the aggregates it touched."""
        self._touched = set()
        try:
            aggregate = decide(self)
        except BaseException as e:
            # A refusal (a domain or HTTP problem, with a code) is decided before anything applies;
            # anything else may have stopped half-way, so the aggregates it held are rebuilt.
            if self.careful and not hasattr(e, "code"):
                for aggregate_id in self._touched:
                    self._restore(aggregate_id)
            raise
        self._remember(aggregate.id)
        self.aggregates[aggregate.id] = aggregate
        self.events.extend(aggregate.collect_events())
        if self.careful:
            self._handed.add(aggregate.id)
        return aggregate, len(self.events) - 1


@dataclass
class _Request:
    decide: Callable[[Unit], Any]
    context: contextvars.Context
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    index: int = -1


class GroupCommit:
    def __init__(
        self,
        load: Callable[[UUID], Any],
        save: Callable[[list[Any]], list[Any]],
        load_at: Callable[[UUID, int], Any] | None = None,
        enabled: bool = True,
    ) -> None:
        self.load = load
        self.load_at = load_at
        self.save = save
        self.enabled = enabled
        self._queue: list[_Request] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def bulk(self, flush_every: int = 2000) -> Iterator[Unit]:
        """Bulk loading in this thread: commands collect into large transactions (positions unknown)."""
        unit = Unit(self.load, careful=False)
        self._local.bulk = (unit, flush_every)
        try:
            yield unit
            self._flush(unit)
        finally:
            self._local.bulk = None

    def in_bulk(self) -> bool:
        return getattr(self._local, "bulk", None) is not None

    def held(self, aggregate_id: UUID) -> Any:
        """The aggregate as this thread's bulk unit holds it, unsaved; None outside bulk or unheld."""
        bulk = getattr(self._local, "bulk", None)
        return bulk[0].aggregates.get(aggregate_id) if bulk is not None else None

    def saved_in_bulk(self, aggregate_id: UUID) -> type | None:
        """The type of an aggregate this thread's bulk load has saved already (known without a read)."""
        bulk = getattr(self._local, "bulk", None)
        return bulk[0].saved.get(aggregate_id) if bulk is not None else None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """The bulk unit's atomic block; a chunk that grew past its size inside it is saved after."""
        unit, flush_every = self._local.bulk
        with unit.atomic():
            yield
        if len(unit.events) >= flush_every and not unit._blocks:
            self._flush(unit)

    def _flush(self, unit: Unit) -> None:
        if unit.events:
            self.save(unit.events)
        unit.saved.update((key, type(value)) for key, value in unit.aggregates.items() if value is not None)
        unit.events = []
        unit.aggregates.clear()  # memory stays bounded by one chunk

    def submit(self, decide: Callable[[Unit], Any]) -> tuple[Any, int | None]:
        """Run `decide` in a shared transaction; answers (aggregate as after it, position)."""
        bulk = getattr(self._local, "bulk", None)
        if bulk is not None:
            unit, flush_every = bulk
            aggregate, _ = unit.run(decide)
            if len(unit.events) >= flush_every and not unit._blocks:
                self._flush(unit)
            return aggregate, None
        request = _Request(decide, contextvars.copy_context())
        with self._queue_lock:
            self._queue.append(request)
        while not request.done.is_set():
            # Lead if no one is; else wait for the leader's batch (or a turn to lead the next).
            if self._leader.acquire(blocking=False):
                try:
                    self._lead(request)
                finally:
                    self._leader.release()
            else:
                request.done.wait(0.002)
        if request.error is not None:
            raise request.error
        return request.result

    def _lead(self, own: _Request) -> None:
        while not own.done.is_set():
            with self._queue_lock:
                batch = self._queue[:MAX_BATCH] if self.enabled else self._queue[:1]
                del self._queue[: len(batch)]
            if not batch:
                return
            self._run(batch)

    def _run(self, batch: list[_Request], attempt: int = 0) -> None:
        unit = Unit(self.load, fresh=attempt > 0, load_at=self.load_at)
        decided = []
        for request in batch:
            try:
                aggregate, request.index = request.context.run(unit.run, request.decide)
                request.result = aggregate
                decided.append(request)
            except BaseException as e:  # the command's own error, delivered to its caller
                request.error = e
                request.done.set()
        if not unit.events:
            for request in decided:
                request.result = (request.result, None)
                request.done.set()
            return
        try:
            recordings = self.save(unit.events)
        except RecordConflictError as e:
            for request in decided:  # someone else wrote one of these aggregates: go one by one
                request.result, request.error = None, None
                if attempt + 1 >= RETRIES:
                    request.error = e
                    request.done.set()
                else:
                    self._run([request], attempt + 1)
            return
        except (OperationalError, InterfaceError) as e:
            # The store is away: this batch fails, and so do those queued behind it, at once,
            # rather than each batch waiting out the store's timeouts in turn.
            with self._queue_lock:
                waiting = self._queue[:]
                del self._queue[:]
            for request in decided + waiting:
                request.error = e
                request.done.set()
            return
        except BaseException as e:  # any other failure of the save: every command in the batch alike
            for request in decided:
                request.error = e
                request.done.set()
            return
        for request in decided:
            request.result = (request.result, recordings[request.index].notification.id)
            request.done.set()
