"""Full-text search over needs, programmes, organisations and lessons learned: a pure fold (`fold`), its store on
SQLite FTS5 and PostgreSQL (`store`), and the words both engines see (`text`). The views' runner keeps it in the
same transaction as the views: `update` after each batch, `write_all` on a rebuild. docs/search.md."""

from __future__ import annotations

from collections.abc import Iterable

from projections.db import Tx
from projections.model import State
from projections.search import fold, store, text
from projections.search.store import Query, find

__all__ = ["Query", "find", "fold", "store", "text", "update", "write_all"]


def update(tx: Tx, state: State, touched: Iterable[tuple[str, str]]) -> int:
    """Re-derive the entries a batch's touched documents may change, and write those that did."""
    touched = list(touched)
    keys = fold.touched_keys(state, touched) | store.dependents(tx, touched)
    return store.write(tx, fold.entries(state, keys))


def write_all(tx: Tx, state: State) -> int:
    """Write every entry of a state into a cleared index."""
    return store.write(tx, dict(fold.everything(state)), fresh=True)
