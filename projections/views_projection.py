"""The views projection: entity documents, the need and programme rows every view reads, what is kept from them,
their versions (`store.versions`), the snapshots and the search index, batch by batch or folded whole (a rebuild)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from projections import model, rows, search, store
from projections.db import Tx
from projections.kept.needs import TallyFold
from projections.store import versions
from projections.store.snapshots import Snapshotter
from projections.store.writes import fast_json, need_columns, write_entities, write_versions


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
        write_versions(tx, folded["versions"])
