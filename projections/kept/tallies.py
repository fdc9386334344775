"""Kept tallies (`view_tallies`): one per (dimension, key, published), moved by deltas need by need."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson

from projections.db import Tx
from projections.kept.areas import rewrite_areas, siblings
from projections.views.common import ZERO
from projections.views.tally import Tally

TallyKey = tuple[str, str, int]  # (dimension, key, published)


def stored_needs(tx: Tx, need_ids: list[str]) -> Iterator[dict[str, Any]]:
    """The stored rows of these needs, with the keys they count under, and for an open one its own
    tally and references (`tally`, `refs`; None for a need that is not open)."""
    for i in range(0, len(need_ids), 500):
        chunk = need_ids[i : i + 500]
        rows = tx.execute(
            "SELECT state, region, chapter, article, ta_types, published, tally FROM view_needs"
            f" WHERE need_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        for r in rows:
            doc = json.loads(r["tally"]) if r["tally"] is not None else None
            yield {
                **r,
                "ta_types_v2": [t for t in r["ta_types"].split(",") if t],
                "tally": Tally.from_json(doc) if doc is not None else None,
                "refs": doc.get("refs", {}) if doc is not None else {},
            }


def move_tallies(tx: Tx, deltas: dict[TallyKey, Tally]) -> list[tuple[str, str, int, str | None]]:
    """Add each delta to its stored tally; a tally left with no need is deleted. The priority areas
    moved are rewritten from their tallies (`kept.areas`), so both published flags of each are read.
    Answers each tally moved as now stored (None: deleted), for its version (`store.versions`)."""
    if not deltas:
        return []
    stored: dict[TallyKey, Tally] = {}
    keys = sorted(deltas)
    read = sorted(set(keys) | siblings(keys))
    for i in range(0, len(read), 300):
        chunk = read[i : i + 300]
        rows = tx.execute(
            "SELECT dim, key, published, doc FROM view_tallies WHERE "
            + " OR ".join(["(dim = ? AND key = ? AND published = ?)"] * len(chunk)),
            [v for k in chunk for v in k],
        ).fetchall()
        for r in rows:
            stored[(r["dim"], r["key"], int(r["published"]))] = Tally.from_json(json.loads(r["doc"]))
    upserts, deletes = [], []
    now: dict[TallyKey, Tally | None] = {k: stored.get(k) for k in read}
    for k in keys:
        t = stored.get(k, Tally()).merge(deltas[k])
        if t.empty:
            deletes.append(k)
            now[k] = None
        else:
            upserts.append((*k, json.dumps(t.to_json(), separators=(",", ":"))))
            now[k] = t
    tx.executemany("DELETE FROM view_tallies WHERE dim = ? AND key = ? AND published = ?", deletes)
    tx.executemany(
        "INSERT INTO view_tallies (dim, key, published, doc) VALUES (?,?,?,?)"
        " ON CONFLICT (dim, key, published) DO UPDATE SET doc = excluded.doc",
        upserts,
    )
    rewrite_areas(tx, now)
    return [*((*k, None) for k in deletes), *upserts]


def tallies(tx: Tx, dims: tuple[str, ...], published_only: bool) -> dict[tuple[str, str], Tally]:
    """The kept tallies of these groupings, published and unpublished needs together unless told."""
    rows = tx.execute(
        f"SELECT dim, key, doc FROM view_tallies WHERE dim IN ({','.join('?' * len(dims))})"
        + (" AND published = 1" if published_only else ""),
        dims,
    ).fetchall()
    out: dict[tuple[str, str], Tally] = {}
    for r in rows:
        t = Tally.from_json(orjson.loads(r["doc"]))
        key = (r["dim"], r["key"])
        out[key] = out[key].merge(t) if key in out else t
    return out


HeatCell = tuple[int, int, Decimal, int]  # open needs, unmet, Σ gap, open needs whose gap is unknown


def heat_cells(tx: Tx, published_only: bool) -> dict[tuple[str, str], HeatCell]:
    """The dashboard heatmap's (state, chapter) cells: of each kept `state_chapter` tally only the three
    counts and the gap it shows, summed over both published flags unless told, as `tallies` would merge
    them (exact decimals; a sum not kept is zero). Nothing else of the tally is built: there is one
    per state and chapter with needs, more of them the longer the history."""
    rows = tx.execute(
        "SELECT key, doc FROM view_tallies WHERE dim = 'state_chapter'"
        + (" AND published = 1" if published_only else "")
    ).fetchall()
    out: dict[tuple[str, str], HeatCell] = {}
    for r in rows:
        doc = orjson.loads(r["doc"])
        counts, gap = doc["counts"], doc["sums"].get("gap")
        state, chapter = str(r["key"]).split("|")
        one = (
            counts.get("needs", 0),
            counts.get("unmet", 0),
            ZERO if gap is None else Decimal(gap),
            counts.get("gap_unknown", 0),
        )
        seen = out.get((state, chapter))
        out[(state, chapter)] = (
            one if seen is None else (seen[0] + one[0], seen[1] + one[1], seen[2] + one[2], seen[3] + one[3])
        )
    return out
