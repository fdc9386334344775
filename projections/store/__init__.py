"""The durable views' store, by concern: the tables and their version (`schema`), the row writes
(`writes`), the page and count queries (`reads`) and the `as_of` snapshots (`snapshots`); what the
runner keeps beside the rows is in `projections.kept`."""

from __future__ import annotations

from projections.store.reads import (
    cell_page,
    cell_page_docs,
    cell_totals,
    entities,
    entity_count,
    need_rows,
    need_where,
    open_need_counts,
    open_need_page,
    programme_counts,
    programme_page,
    programme_rows,
    programme_sort_key,
    top_cells,
)
from projections.store.schema import SCHEMA_VERSION, TABLES, VIEW_TABLES, VIEWS, VIEWS_LOCK, create_tables, fingerprint
from projections.store.snapshots import (
    insert_snapshot,
    last_snapshot_position,
    nearest_snapshot,
    snapshot_blob,
    write_snapshot,
)
from projections.store.writes import SqlState, clear, write_rows

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "VIEWS",
    "VIEWS_LOCK",
    "VIEW_TABLES",
    "SqlState",
    "cell_page",
    "cell_page_docs",
    "cell_totals",
    "clear",
    "create_tables",
    "entities",
    "entity_count",
    "fingerprint",
    "insert_snapshot",
    "last_snapshot_position",
    "nearest_snapshot",
    "need_rows",
    "need_where",
    "open_need_counts",
    "open_need_page",
    "programme_counts",
    "programme_page",
    "programme_rows",
    "programme_sort_key",
    "snapshot_blob",
    "top_cells",
    "write_rows",
    "write_snapshot",
]
