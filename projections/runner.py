"""The catch-up runner: reads the notification log in order and keeps every projection current.

Works on SQLite and PostgreSQL alike (the library's subscriptions are PostgreSQL-only): each
batch is read, folded and written in one transaction with its tracking position, so a crash
leaves either the whole batch or none of it. Gaps in notification ids are skipped, never awaited.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import structlog

from projections import fast_decode, model, rows, search, store
from projections.db import Database, Tx
from projections.kept.needs import TallyFold
from projections.store import versions
from projections.store.snapshots import Snapshotter
from projections.store.writes import fast_json, need_columns, write_entities

log = structlog.get_logger()
# Seconds a batch may wait for more appends once the runner has caught up (readers waiting: none). Off: a settle makes
# batches larger, and the audit's checkpoints come at batch ends, so it spaces them further apart (within the verdict's
# N + batch allowance, but coarser than a witness or an auditor expects); turn it on only with that in mind.
SETTLE = 0.0


class _TrackedState(model.MemoryState):
    """The in-memory state, knowing which documents were put since the last snapshot (`Snapshotter.take`)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed: set[tuple[str, str]] = set()
        # put since the last point versioned (`ViewsProjection._version`)
        self.unversioned: set[tuple[str, str]] = set()

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        super().put(kind, key, doc)
        self.changed.add((kind, key))
        self.unversioned.add((kind, key))


class Projection(Protocol):
    name: str
    lock_key: int

    def process(self, tx: Tx, batch: Sequence[tuple[Any, Any]]) -> None:
        """Apply (notification, domain event) pairs, in order, inside `tx`."""


class ViewsProjection:
    """Entity documents, the need and programme rows every view reads, and the search index (projections/search)."""

    name = store.VIEWS
    lock_key = store.VIEWS_LOCK

    def __init__(
        self, reporting_currency: str, snapshot_every: int = 10_000, version_every: int = versions.EVERY
    ) -> None:
        self.reporting_currency = reporting_currency
        self.snapshot_every = snapshot_every
        self.version_every = version_every  # a batch never crosses a multiple of it (`Runner`): the points versioned
        self._counted = (0, 0)  # (position, documents then): counting them again can wait

    def process(self, tx: Tx, batch: Sequence[tuple[Any, Any]]) -> None:
        state = store.SqlState(tx)
        touched: set[tuple[str, str]] = set()
        for notification, event in batch:
            touched |= model.apply(state, event, notification.id)
        need_rows, programme_rows = rows.derive(state, touched, self.reporting_currency)
        state.flush()
        last = batch[-1][0].id
        point = versions.point_of(last, self.version_every)
        store.write_rows(tx, need_rows, programme_rows, self.reporting_currency, since=point)
        versions.write(tx, "ledger_entity_versions", point, [(*key, doc) for key, doc in sorted(state.written.items())])
        search.update(tx, state, touched)
        since = last - store.last_snapshot_position(tx)
        if not self.snapshot_every or since < self.snapshot_every:
            return
        counted_at, documents = self._counted
        if counted_at < last and 2 * since < documents:
            return  # documents never shrink: not due before `since` reaches half their last count
        documents = store.entity_count(tx)
        self._counted = (last, documents)
        if self._snapshot_due(since, documents):
            store.write_snapshot(tx, last, batch[-1][1].timestamp.isoformat())

    def _snapshot_due(self, since: int, documents: int) -> bool:
        """A snapshot is due once `snapshot_every` events have passed since the last one, and at
        least half as many events as the snapshot would hold documents.

        So `as_of` folds at most max(snapshot_every, documents / 2) events past its snapshot, and
        the snapshots, spaced further apart as the state grows, hold at most two documents per
        event of the log in all (one every `snapshot_every` events would hold the square of it).
        """
        return bool(self.snapshot_every) and since >= self.snapshot_every and 2 * since >= documents

    def clear(self, tx: Tx) -> None:
        store.clear(tx)
        search.store.clear(tx)

    def fold_all(self, batches: Iterable[Sequence[tuple[int, Any]]]) -> dict[str, Any]:
        """Fold the whole log in memory, outside any write transaction (writers carry on meanwhile)."""
        state = _TrackedState()
        snapshots: list[tuple[int, str, Future[bytes]]] = []
        snapshotter = Snapshotter()
        kept = versions.Versions()
        tallies = TallyFold()
        latest: tuple[rows.Rows, rows.Rows] = ({}, {})  # each row as last derived: at the end, every row as it is
        touched: set[tuple[str, str]] = set()  # since the last point versioned
        last, total = 0, 0
        try:
            for batch in batches:
                for position, event in batch:
                    point = versions.point_of(position, self.version_every)
                    if (touched or state.unversioned) and point != versions.point_of(last, self.version_every):
                        self._version(
                            state, touched, versions.point_of(last, self.version_every), kept, tallies, latest
                        )
                    touched |= model.apply(state, event, position)
                    last = position
                    since = position - (snapshots[-1][0] if snapshots else 0)
                    if since >= self.snapshot_every and self._snapshot_due(
                        since, sum(len(docs) for docs in state.docs.values())
                    ):
                        blob = snapshotter.take(state.docs, state.changed)
                        state.changed.clear()
                        snapshots.append((position, event.timestamp.isoformat(), blob))
                total += len(batch)
            if touched or state.unversioned:
                self._version(state, touched, versions.point_of(last, self.version_every), kept, tallies, latest)
        finally:
            snapshotter.close()
        taken = [(position, created_at, blob.result()) for position, created_at, blob in snapshots]
        # Every row was derived at the last point its inputs changed (as the runner derives a batch's): the rows are
        # those. The search entries are derived from the whole state in a worker thread, while the rebuild clears the
        # tables and copies the documents: the database works then, and Python would only wait for it.
        derived: Future[tuple[rows.Rows, rows.Rows]] = Future()
        derived.set_result(latest)
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-derive")
        entries = worker.submit(lambda: dict(search.fold.everything(state)))
        worker.shutdown(wait=False)  # the two run to their end; write_all waits for each
        return {
            "state": state,
            "snapshots": taken,
            "versions": kept,
            "last": last,
            "total": total,
            "rows": derived,
            "search": entries,
        }

    def _version(
        self,
        state: _TrackedState,
        touched: set[tuple[str, str]],
        point: int,
        kept: versions.Versions,
        tallies: TallyFold,
        latest: tuple[rows.Rows, rows.Rows],
    ) -> None:
        """The versions at `point` of what changed since the last point: the documents put, the rows touched, the
        tallies those rows moved (each encoded by orjson: versions are only read back decoded)."""
        need_rows, programme_rows = rows.derive(state, touched, self.reporting_currency)
        latest[0].update(need_rows)
        latest[1].update(programme_rows)
        kept.add("view_need_versions", point, need_columns(need_rows, fast_json))
        kept.add("view_tally_versions", point, tallies.move(need_rows, fast_json))
        kept.add("view_programme_versions", point, ((k, fast_json(r)) for k, r in programme_rows.items()))
        kept.add(
            "ledger_entity_versions",
            point,
            ((kind, key, fast_json(state.docs[kind][key])) for kind, key in sorted(state.unversioned)),
        )
        touched.clear()
        state.unversioned.clear()

    def write_all(self, tx: Tx, folded: dict[str, Any]) -> None:
        """Write every document, row and snapshot of a fold once."""
        state = folded["state"]
        write_entities(tx, state.docs)
        need_rows, programme_rows = folded["rows"].result()
        store.write_rows(tx, need_rows, programme_rows, self.reporting_currency, fresh=True)
        search.store.write(tx, folded["search"].result(), fresh=True)  # search.write_all, from the entries derived
        for position, created_at, blob in folded["snapshots"]:
            store.insert_snapshot(tx, position, created_at, blob)
        folded["versions"].write_all(tx)


class Runner:
    def __init__(
        self,
        ledger: Any,
        db: Database,
        projections: Sequence[Projection],
        batch_size: int = 500,
        poll_interval: float = 0.5,
        settle: float = SETTLE,
    ) -> None:
        self.ledger = ledger
        self.db = db
        self.projections = list(projections)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.settle = settle
        self.wake = threading.Event()  # set by appends (this process's saves, PostgreSQL's NOTIFY)
        self.hurry = threading.Event()  # set by a reader waiting for a position (wait_for): no settling then
        self.caught_up = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    # ---- positions ----

    def position(self, name: str | None = None) -> int:
        names = [name] if name else [p.name for p in self.projections]
        return min(self.db.position(n) for n in names)

    def head(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    def lag(self) -> int:
        return max(0, self.head() - self.position())

    # ---- processing ----

    def run_once(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Process at most one batch per projection; answers how many events were applied."""
        applied = 0
        for projection in self.projections:
            applied += self._run_projection(projection, on_batch)
        if applied:
            with self.caught_up:
                self.caught_up.notify_all()
        return applied

    def _run_projection(self, projection: Projection, on_batch: Callable[[int], None] | None) -> int:
        start = self.db.position(projection.name)
        notifications = self._select(projection, start)
        if not notifications:
            return 0
        batch = [(n, self.ledger.mapper.to_domain_event(n)) for n in notifications]
        with self.db.transaction() as tx:
            self.db.lock(tx, projection.lock_key)
            # Another process may have applied this batch while we read it: apply only once.
            if self._position_in(tx, projection.name) != start:
                return 0
            projection.process(tx, batch)
            self.db.track(tx, projection.name, notifications[-1].id)
        if on_batch:
            on_batch(notifications[-1].id)
        return len(batch)

    def _select(self, projection: Any, start: int) -> Sequence[Any]:
        """The next batch after `start`: it never passes a multiple of the projection's `version_every` (if it has one)
        that an event of it precedes, so each point's versions are the rows as they stood there (`store.versions`)."""
        found: Sequence[Any] = self.ledger.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        every = getattr(projection, "version_every", 0)
        if not every or not found:
            return found
        # up to the first point at or past the first event (ids have gaps: the next may be points away)
        point = versions.point_of(found[0].id, every)
        return [n for n in found if n.id <= point]

    def _position_in(self, tx: Tx, name: str) -> int:
        value = tx.scalar(
            f"SELECT MAX(notification_id) FROM {self.db.tracking_table} WHERE application_name = ?",
            (name,),
        )
        return int(value or 0)

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Apply the log up to at least the head as it is now. A batch that another thread or process applied meanwhile
        is not "nothing left": it returns only once every projection has reached that head."""
        target = self.head()
        total = 0
        while True:
            applied = self.run_once(on_batch)
            total += applied
            if not applied and all(self.db.position(p.name) >= target for p in self.projections):
                return total

    def batches(self, size: int, on_batch: Callable[[int], None] | None = None) -> Iterator[list[tuple[int, Any]]]:
        """The whole log from position 0, as (position, event) decoded for the fold, in batches: read and decoded the
        fast way (projections/fast_decode.py), or by the library where the store's events are not plain JSON."""
        decoder = self._fast_decoder()
        if decoder is not None:
            yield from self._fast_batches(decoder, size, on_batch)
            return
        start = 0
        while notifications := self.ledger.recorder.select_notifications(
            start=start, limit=size, inclusive_of_start=False
        ):
            yield [(n.id, self.ledger.mapper.to_domain_event(n)) for n in notifications]
            start = notifications[-1].id
            if on_batch:
                on_batch(start)

    def _fast_batches(
        self, decoder: fast_decode.FastDecoder, size: int, on_batch: Callable[[int], None] | None
    ) -> Iterator[list[tuple[int, Any]]]:
        """The next page is read in a worker thread while this one is decoded and folded (the database works then)."""
        recorder = self.ledger.recorder
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-read") as reader:
            page = reader.submit(fast_decode.read_log, recorder, 0, size)
            while rows := page.result():
                page = reader.submit(fast_decode.read_log, recorder, rows[-1][0], size)
                yield decoder.rows(rows)
                if on_batch:
                    on_batch(rows[-1][0])

    def _fast_decoder(self) -> fast_decode.FastDecoder | None:
        try:
            return fast_decode.FastDecoder(self.ledger.mapper)
        except ValueError:  # compressed or encrypted events
            return None

    def rebuild(self, projection: Any, on_batch: Callable[[int], None] | None = None) -> int:
        """Rebuild from position 0; readers see the old view until the switch commits.

        The log is folded in memory first, with no lock held; then one transaction replaces the tables,
        applies what was appended meanwhile, and moves the tracking position. That transaction is not bounded
        by the request limits (`Database.unbounded`): at a million events it runs well past them.
        """
        with fast_decode.collector_paused():
            return self._rebuild(projection, on_batch)

    def _rebuild(self, projection: Any, on_batch: Callable[[int], None] | None) -> int:
        folded = projection.fold_all(self.batches(5000, on_batch))
        last, total = folded["last"], folded["total"]
        with self.db.transaction() as tx:
            self.db.unbounded(tx)
            self.db.lock(tx, projection.lock_key)
            projection.clear(tx)
            self.db.reset_tracking(tx, projection.name)
            projection.write_all(tx, folded)
            decoder = self._fast_decoder()
            decode = decoder.notification if decoder is not None else self.ledger.mapper.to_domain_event
            while True:  # the tail appended while we folded
                notifications = self._select(projection, last)
                if not notifications:
                    break
                projection.process(tx, [(n, decode(n)) for n in notifications])
                last, total = notifications[-1].id, total + len(notifications)
            if last:
                self.db.track(tx, projection.name, last)
        return int(total)

    # ---- the background loop ----

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="projection-runner", daemon=True)
        self._thread.start()
        if self.db.dialect == "postgres":
            threading.Thread(target=self._listen, name="projection-listener", daemon=True).start()

    def _listen(self) -> None:
        """PostgreSQL: the library NOTIFYs on every append; wake at once instead of polling."""
        import psycopg

        kwargs = {k: v for k, v in self.db.datastore.pool.kwargs.items() if k != "row_factory"}
        kwargs.setdefault("connect_timeout", 5)
        channel = self.ledger.recorder.channel_name
        while not self._stop.is_set():
            try:
                with psycopg.connect(autocommit=True, **kwargs) as conn:
                    conn.execute(f'LISTEN "{channel}"')
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.wake.set()
            except Exception as e:  # the database went away: wait, then listen again
                log.info("projection_listener_reconnecting", error=str(e))
                self._stop.wait(2.0)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        self.hurry.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        backoff = self.poll_interval
        while not self._stop.is_set():
            try:
                applied = self.run_once()
                if not applied:
                    self.idle()
                self.error = None
                backoff = self.poll_interval
            except Exception as e:  # the store may be away; keep trying, never die
                self.error = e
                log.warning("projection_batch_failed", error=str(e))
                applied = 0
                backoff = min(backoff * 2, 5.0)
            if applied >= self.batch_size:
                continue  # a full batch: more is waiting
            if not applied:
                self.wake.wait(backoff)
                self.wake.clear()
            # Appends come in streams: let more of them arrive, so a batch carries many and the runner's per-batch
            # work (reads, a transaction per projection) is not paid per request. A waiting reader cuts it short.
            if self.hurry.wait(self.settle):
                self.hurry.clear()

    def idle(self) -> None:
        """Time-based duties (the audit's checkpoints of a quiet log) get a turn when nothing is new."""
        for projection in self.projections:
            if hasattr(projection, "idle"):
                projection.idle(self.db)

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Read-your-writes: wait (bounded) until every projection has applied `position`."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.wake.set()
            self.hurry.set()
            with self.caught_up:
                self.caught_up.wait(min(remaining, 0.05))
        return True
