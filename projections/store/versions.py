"""Versioned rows: the entity documents, the need and programme rows and the kept tallies as they stood at every
multiple of `EVERY` positions, so a past view is an indexed read of the rows valid then (`versioned.VersionedRows`),
not a fold.

A version holds a document from its `since` point to its `until` point (`OPEN`: still current). The rows the runner
writes for a batch ending at position h are the version of point ceil(h / EVERY) * EVERY: written again by each later
batch up to that point (the runner's batches never cross one, `Runner` aligns them), and final once the runner has
passed it; the version before is closed at that point. So the version valid at a point P the runner has passed is
`since <= P < until`, and what the runner writes later never changes which one that is (its new versions start past
P, and it only closes versions at points past P). A rebuild writes the same versions from its fold (`Versions`, one
per point at which a key changed; `writes.write_versions`). Versions take space in proportion to the keys a batch of
`EVERY` events changes: about 1.5 per row over a history (README, Performance, `as_of`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from projections.db import Tx

EVERY = 500  # positions between two points at which rows are versioned (part of the schema's fingerprint)
OPEN = 2**62  # the `until` of a version still current: past any position, so "valid at P" is one range, until > P

NEED_VERSION_COLUMNS = (  # noqa: SIM905 (the table's columns, in its order)
    "need_id since until state region chapter article status horizon published classification ta_types sort_key doc"
).split()

TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_entity_versions ("
    " kind TEXT NOT NULL, id TEXT NOT NULL, since BIGINT NOT NULL, until BIGINT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (kind, id, since))",
    "CREATE INDEX IF NOT EXISTS ledger_entity_versions_id ON ledger_entity_versions (id)",
    "CREATE TABLE IF NOT EXISTS view_need_versions ("
    " need_id TEXT NOT NULL, since BIGINT NOT NULL, until BIGINT NOT NULL, state TEXT NOT NULL, region TEXT NOT NULL,"
    " chapter TEXT NOT NULL, article INTEGER NOT NULL, status TEXT NOT NULL, horizon TEXT NOT NULL,"
    ' published INTEGER NOT NULL, classification TEXT, ta_types TEXT NOT NULL, sort_key TEXT COLLATE "C" NOT NULL,'
    " doc TEXT NOT NULL, PRIMARY KEY (need_id, since))",
    "CREATE INDEX IF NOT EXISTS view_need_versions_sorted ON view_need_versions (status, sort_key)",
    "CREATE INDEX IF NOT EXISTS view_need_versions_state ON view_need_versions (state, article)",
    "CREATE TABLE IF NOT EXISTS view_programme_versions ("
    " programme_id TEXT NOT NULL, since BIGINT NOT NULL, until BIGINT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (programme_id, since))",
    "CREATE INDEX IF NOT EXISTS view_programme_versions_until ON view_programme_versions (until)",
    # the kept tallies (`kept.tallies`); a tally left with no need is a version without a document
    "CREATE TABLE IF NOT EXISTS view_tally_versions ("
    " dim TEXT NOT NULL, key TEXT NOT NULL, published INTEGER NOT NULL, since BIGINT NOT NULL,"
    " until BIGINT NOT NULL, doc TEXT, PRIMARY KEY (dim, key, published, since))",
    "CREATE INDEX IF NOT EXISTS view_tally_versions_until ON view_tally_versions (dim, until)",
]
VIEW_TABLES = ("ledger_entity_versions", "view_need_versions", "view_programme_versions", "view_tally_versions")
# table: (its key columns, the columns after since and until)
SHAPES = {
    "ledger_entity_versions": (("kind", "id"), ("doc",)),
    "view_need_versions": (("need_id",), tuple(NEED_VERSION_COLUMNS[3:])),
    "view_programme_versions": (("programme_id",), ("doc",)),
    "view_tally_versions": (("dim", "key", "published"), ("doc",)),
}
VALID = "until > ? AND since <= ?"  # valid at a point: (point, point)


def point_of(position: int, every: int = EVERY) -> int:
    """The point whose version a batch ending at `position` writes: the first multiple of `every` at or past it."""
    return -(-position // every) * every


def write(tx: Tx, table: str, since: int, rows: Sequence[tuple[Any, ...]]) -> None:
    """The version at `since` of each row (its key columns first, then the rest): the one before it is closed there."""
    if not rows:
        return
    keys, rest = SHAPES[table]
    width = len(keys)
    match = " AND ".join(f"{k} = ?" for k in keys)
    tx.executemany(
        f"UPDATE {table} SET until = ? WHERE {match} AND until = ? AND since < ?",
        [(since, *row[:width], OPEN, since) for row in rows],
    )
    columns = (*keys, "since", "until", *rest)
    marks = ",".join("?" * len(columns))
    tx.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({', '.join(keys)}, since)"
        f" DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in rest)}",
        [(*row[:width], since, OPEN, *row[width:]) for row in rows],
    )


class Versions:
    """A rebuild's versions, gathered point by point as its fold passes them, then written at once (`write_all`)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]] = {t: {} for t in SHAPES}

    def add(self, table: str, since: int, rows: Iterable[tuple[Any, ...]]) -> None:
        width = len(SHAPES[table][0])
        found = self.rows[table]
        for row in rows:
            found.setdefault(row[:width], []).append((since, row[width:]))

    def closed(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        """Each table, its columns, and its versions each with its `until` (the next one's `since`)."""
        for table, found in self.rows.items():
            keys, rest = SHAPES[table]
            yield table, (*keys, "since", "until", *rest), list(_closed(found))


def _closed(found: dict[tuple[Any, ...], list[tuple[int, tuple[Any, ...]]]]) -> Iterator[tuple[Any, ...]]:
    """Each version with its `until`: the `since` of the key's next version (`OPEN` for the last one)."""
    for key, versions in found.items():
        for i, (since, rest) in enumerate(versions):
            until = versions[i + 1][0] if i + 1 < len(versions) else OPEN
            yield (*key, since, until, *rest)


# ---- reads at a point ----


def entity(tx: Tx, point: int, kind: str, key: str) -> dict[str, Any] | None:
    row = tx.execute(
        f"SELECT doc FROM ledger_entity_versions WHERE kind = ? AND id = ? AND {VALID}", (kind, key, point, point)
    ).fetchone()
    return json.loads(row["doc"]) if row else None


def entities(tx: Tx, point: int, kind: str) -> dict[str, dict[str, Any]]:
    """Every document of a kind valid at `point`, by id."""
    rows = tx.execute(
        f"SELECT id, doc FROM ledger_entity_versions WHERE kind = ? AND {VALID}", (kind, point, point)
    ).fetchall()
    return {r["id"]: json.loads(r["doc"]) for r in rows}


def any_kind(tx: Tx, point: int, keys: Sequence[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """The documents of any kind named one of `keys`, valid at `point`: (kind, id, document)."""
    if not keys:
        return []
    rows = tx.execute(
        f"SELECT kind, id, doc FROM ledger_entity_versions WHERE id IN ({','.join('?' * len(keys))}) AND {VALID}",
        [*keys, point, point],
    ).fetchall()
    return [(r["kind"], r["id"], json.loads(r["doc"])) for r in rows]
