"""Group commit: concurrent commands share one transaction, each keeping its own outcome.

A command is a `decide(unit)` function answering the aggregate it changed. Commands queue in arrival
order; when no one leads, the submitting thread leads, and after each batch the oldest waiting command's
thread leads the next (the others wait on their own event, woken when their batch is done); a new leader
waits briefly (`_gather`) for as many commands as the last batch had running, since a commit costs its flush to
disk whatever it carries, and the callers just answered are about to send again. A batch is
up to MAX_BATCH queued commands, run in order against one `Unit`, so each sees the effects of those
before it, and saved in one transaction. A command that raises gets its error and its aggregates are put
back as they were (a `Refused` one raised before applying changed nothing; any pending event or other
error has them rebuilt), so nothing of it is saved while the rest of its batch is. If the save
conflicts (IntegrityError), each command is retried alone on fresh state, RETRIES times at most; if the
store is away (OperationalError, InterfaceError), every command of the batch, and every one queued behind
it, gets that error and nothing is written. A command answers its aggregate and the log position of its
last event; one that recorded no event answers the position the ledger is at after its batch, as a
write that finds nothing to do outside a batch does. The rules are written out in docs/group-commit.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, RecordConflictError

from domain.errors import Refused

MAX_BATCH = 256
RETRIES = 5
LINGER = 0.002  # the longest a leader waits for the commands it expects (never over a quarter of a save)

Load = Callable[[UUID], Any]
LoadAt = Callable[[UUID, int], Any]


@dataclass(frozen=True)
class BatchSaved:
    """What one save did, told to observers (metrics): its commands (None for a bulk load's chunk), its events'
    names, its time, its error."""

    commands: int | None
    events: tuple[str, ...]
    seconds: float
    error: BaseException | None = None


Observer = Callable[[BatchSaved], None]


class Unit:
    """One batch's view of the aggregates: loaded once, changed in order, events kept in order."""

    def __init__(self, load: Load, fresh: bool = False, careful: bool = True, load_at: LoadAt | None = None) -> None:
        self.load = load
        self.load_at: LoadAt = load_at or (lambda aggregate_id, version: load(aggregate_id))
        # careful: rebuild after a crash and answer copies. Bulk loads skip both (a crash ends the
        # load); a half-applied command and atomic blocks are undone in bulk too.
        self.careful = careful
        self.fresh = fresh  # a retry after a conflict: never trust what the caller preloaded
        self.aggregates: dict[UUID, Any] = {}
        self.saved: dict[UUID, type] = {}  # a bulk load's aggregates already saved: their ids and types
        self.events: list[Any] = []
        self._touched: dict[UUID, None] = {}  # what the running command got hold of, in order
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
        self._touched[aggregate_id] = None
        return self.aggregates[aggregate_id]

    def _restore(self, aggregate_id: UUID) -> None:
        """After a command failed half-way: the aggregate as this batch found it, plus its events."""
        base = self._base.get(aggregate_id)
        aggregate = self.load_at(aggregate_id, base) if base is not None else None
        for event in self.events:
            if event.originator_id == aggregate_id:
                aggregate = event.mutate(aggregate)
        self.aggregates[aggregate_id] = aggregate

    def _put_back(self, error: BaseException) -> None:
        """The aggregates a failed command touched, as they were: rebuilt if it may have changed them."""
        crashed = self.careful and not isinstance(error, Refused)
        for aggregate_id in self._touched:
            held = self.aggregates.get(aggregate_id)
            if crashed or (held is not None and held.pending_events):
                self._restore(aggregate_id)  # a new object: the failed command's pending events go with the old

    def known(self, aggregate_id: UUID) -> Any:
        """An aggregate this batch has, without a read; a retry (fresh) reads the store."""
        if self.fresh:
            return self.get(aggregate_id)
        return self.aggregates.get(aggregate_id)

    def run(self, decide: Callable[[Unit], Any]) -> tuple[Any, int | None]:
        """Run one command: answers its aggregate and the index of its last event (None if it recorded none)."""
        self._touched = {}
        try:
            aggregate = decide(self)
        except BaseException as e:
            self._put_back(e)
            raise
        self._remember(aggregate.id)
        self.aggregates[aggregate.id] = aggregate
        recorded = len(self.events)
        for aggregate_id in self._touched:  # every aggregate it changed, the one it answers last
            held = self.aggregates[aggregate_id]
            if aggregate_id != aggregate.id and held is not None:
                self.events.extend(held.collect_events())
        self.events.extend(aggregate.collect_events())
        if self.careful:
            self._handed.add(aggregate.id)
        return aggregate, (len(self.events) - 1 if len(self.events) > recorded else None)


@dataclass
class _Request:
    decide: Callable[[Unit], Any]
    context: contextvars.Context
    woken: threading.Event = field(default_factory=threading.Event)  # finished, or made the next leader
    finished: bool = False
    aggregate: Any = None
    index: int | None = None  # its last event's place among the batch's events
    position: int | None = None
    error: BaseException | None = None

    def finish(self, position: int | None = None, error: BaseException | None = None) -> None:
        self.position, self.error, self.finished = position, error, True
        self.woken.set()


class GroupCommit:
    """Commands from many threads, saved in shared transactions; the rules are in the module docstring."""

    def __init__(
        self,
        load: Load,
        save: Callable[[list[Any]], list[Any]],
        position: Callable[[], int],
        load_at: LoadAt | None = None,
        enabled: bool = True,
        save_bulk: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        self.load = load
        self.load_at = load_at
        self.save = save
        self.save_bulk = save_bulk or save  # a bulk load's chunk, whose recordings no one reads
        self.position = position  # the ledger's current log position
        self.enabled = enabled
        self._queue: list[_Request] = []
        self._lock = threading.Lock()  # guards the queue and the leading flag
        self._arrived = threading.Condition(self._lock)  # a command was queued
        self._leading = False  # a thread is running a batch; the queue is empty whenever this is False
        self._concurrency = 0  # commands in the last batch and queued behind it when it ended
        self._last_save = 0.0  # seconds the last save took
        self._local = threading.local()
        self.observers: list[Observer] = []  # told of every save, after it (the composition root wires them)

    def _saved(self, commands: int | None, events: list[Any], started: float, error: BaseException | None) -> None:
        report = BatchSaved(commands, tuple(type(e).__name__ for e in events), time.perf_counter() - started, error)
        for observer in self.observers:
            with contextlib.suppress(Exception):  # a broken observer must not turn a saved batch into an error
                observer(report)

    def _save(self, commands: int | None, events: list[Any]) -> list[Any]:
        """Save `events` (a bulk load's chunk, `commands` None, by `save_bulk`), telling the observers how it went."""
        started = time.perf_counter()
        try:
            recordings = (self.save if commands is not None else self.save_bulk)(events)
        except BaseException as e:
            self._saved(commands, events, started, e)
            raise
        self._last_save = time.perf_counter() - started
        self._saved(commands, events, started, None)
        return recordings

    @contextmanager
    def bulk(self, flush_every: int = 2000) -> Iterator[Unit]:
        """Bulk loading in this thread: commands collect into large transactions (positions unknown)."""
        unit = Unit(self.load, careful=False, load_at=self.load_at)
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
            self._save(None, unit.events)
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
        with self._lock:
            self._queue.append(request)
            leads = not self._leading
            self._leading = True
            self._arrived.notify()
        if not leads:
            request.woken.wait()  # until its batch is done, or until it is made the next leader
        if not request.finished:
            self._lead()
        if request.error is not None:
            raise request.error
        return request.aggregate, request.position

    def _lead(self) -> None:
        """Run the next batch (the leader's own command heads the queue), then hand the lead on."""
        limit = MAX_BATCH if self.enabled else 1
        with self._lock:
            self._gather(min(self._concurrency, limit))
            batch = self._queue[:limit]
            del self._queue[: len(batch)]
        try:
            self._run(batch)
        except BaseException as e:  # a fault of the group commit itself: no command may wait forever
            for request in batch:
                if not request.finished:
                    request.finish(error=e)
        finally:
            with self._lock:
                self._concurrency = len(batch) + len(self._queue)
                if self._queue:
                    self._queue[0].woken.set()  # the oldest waiting command leads the next batch
                else:
                    self._leading = False

    def _gather(self, expected: int) -> None:
        """With the lock held: wait briefly for the commands the last batch's callers are about to send again, so
        that one commit carries them all rather than every other one (a commit's cost is mostly its flush to disk,
        whatever it carries). At most a quarter of the last save, and LINGER; not at all when they are queued."""
        deadline = time.monotonic() + min(LINGER, self._last_save / 4)
        while len(self._queue) < expected:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._arrived.wait(left)

    def _run(self, batch: list[_Request], attempt: int = 0) -> None:
        unit = Unit(self.load, fresh=attempt > 0, load_at=self.load_at)
        decided = []
        for request in batch:
            try:
                request.aggregate, request.index = request.context.run(unit.run, request.decide)
                decided.append(request)
            except BaseException as e:  # the command's own error, delivered to its caller
                request.finish(error=e)
        if not decided:
            return
        if not unit.events:
            position = self.position()  # nothing to save: the ledger is where it was
            for request in decided:
                request.finish(position)
            return
        try:
            recordings = self._save(len(decided), unit.events)
        except RecordConflictError as e:
            self._retry_alone(decided, attempt, e)
            return
        except (OperationalError, InterfaceError) as e:
            # The store is away: this batch fails, and so do those queued behind it, at once,
            # rather than each batch waiting out the store's timeouts in turn.
            with self._lock:
                waiting = self._queue[:]
                del self._queue[:]
            for request in decided + waiting:
                request.finish(error=e)
            return
        except BaseException as e:  # any other failure of the save: every command in the batch alike
            for request in decided:
                request.finish(error=e)
            return
        last = recordings[-1].notification.id
        for request in decided:
            request.finish(last if request.index is None else recordings[request.index].notification.id)

    def _retry_alone(self, decided: list[_Request], attempt: int, conflict: RecordConflictError) -> None:
        """Someone else wrote one of these aggregates: each command again, alone, on fresh state."""
        for request in decided:
            if attempt + 1 >= RETRIES:
                request.finish(error=conflict)
            else:
                self._run([request], attempt + 1)
