"""Kept reference counts (`view_refs`): per programme and provider, how many open needs it is active on."""

from __future__ import annotations

from typing import Any

from projections.db import Tx

RefKey = tuple[str, str, str]  # (kind, id, variant): kind "programme" or "provider", variant "all" or "published"
KINDS = ("programme", "provider")


def refs_of(row: dict[str, Any]) -> dict[str, list[str]]:
    """What an open need refers to: the programmes active on it and the organisations providing for it."""
    return {
        "programme": sorted({p["programme_id"] for p in row["programmes"] if p["active"]}),
        "provider": sorted({p["org_id"] for p in row["providers"]}),
    }


def refer(deltas: dict[RefKey, int], refs: dict[str, list[str]], published: bool, sign: int) -> None:
    """Count (sign 1) or uncount (-1) one open need's references, in both variants it counts in."""
    for kind, ids in refs.items():
        for i in ids:
            for variant in ("all", "published") if published else ("all",):
                deltas[(kind, i, variant)] = deltas.get((kind, i, variant), 0) + sign


def move_refs(tx: Tx, deltas: dict[RefKey, int]) -> dict[str, int]:
    """Add each delta to its count; a count left at zero is deleted. Answers how the distinct totals
    (`active:<kind>:<variant>`) move: one up for a count that rises from zero, one down for one that falls to it."""
    keys = sorted(k for k, d in deltas.items() if d)
    stored: dict[RefKey, int] = {}
    for i in range(0, len(keys), 300):
        chunk = keys[i : i + 300]
        for r in tx.execute(
            "SELECT kind, id, variant, n FROM view_refs WHERE "
            + " OR ".join(["(kind = ? AND id = ? AND variant = ?)"] * len(chunk)),
            [v for k in chunk for v in k],
        ).fetchall():
            stored[(r["kind"], r["id"], r["variant"])] = int(r["n"])
    changes: dict[str, int] = {}
    upserts, deletes = [], []
    for k in keys:
        old = stored.get(k, 0)
        new = old + deltas[k]
        total = f"active:{k[0]}:{k[2]}"
        changes[total] = changes.get(total, 0) + (new > 0) - (old > 0)
        if new > 0:
            upserts.append((*k, new))
        else:
            deletes.append(k)
    tx.executemany("DELETE FROM view_refs WHERE kind = ? AND id = ? AND variant = ?", deletes)
    tx.executemany(
        "INSERT INTO view_refs (kind, id, variant, n) VALUES (?,?,?,?)"
        " ON CONFLICT (kind, id, variant) DO UPDATE SET n = excluded.n",
        upserts,
    )
    return changes
