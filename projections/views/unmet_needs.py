"""unmet-needs: open needs, each unmet, partially funded or funded, with who works on it."""

from __future__ import annotations

from typing import Any

COLUMNS = [
    "need_id", "state", "state_name", "region", "article", "paragraph", "chapter", "ta_types",
    "priority", "horizon", "estimated", "allocated_commitment", "coverage", "gap",
    "classification", "providers", "description",
]
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def view(need_rows: list[dict[str, Any]], currency: str, classification: str | None = None) -> dict[str, Any]:
    items = []
    for r in need_rows:
        if r["status"] != "open":
            continue
        if classification is not None and r["classification"] != classification:
            continue
        items.append({
            "need_id": r["need_id"], "state": r["state"], "state_name": r["state_name"],
            "region": r["region"], "article": r["article"], "paragraph": r["paragraph"],
            "chapter": r["chapter"], "ta_types": r["ta_types"], "ta_types_v2": r["ta_types_v2"],
            "priority": r["priority"], "horizon": r["horizon"], "published": r["published"],
            "estimated_cost": r["estimated_cost"], "estimated": r["estimated"],
            "allocated_commitment": r["allocated_commitment"], "coverage": r["coverage"],
            "gap": r["gap"], "classification": r["classification"],
            "unconverted": r["unconverted"],
            "providers": r["providers"], "description": r["description"],
        })
    items.sort(key=lambda i: (PRIORITY_ORDER[i["priority"]], i["state"], i["article"], i["need_id"]))
    counts = {c: sum(1 for i in items if i["classification"] == c) for c in ("unmet", "partially-funded", "funded")}
    return {"currency": currency, "count": len(items), "counts": counts, "items": items}


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    out = []
    for i in answer["items"]:
        out.append([
            i["need_id"], i["state"], i["state_name"], i["region"], i["article"], i["paragraph"] or "",
            i["chapter"], ";".join(i["ta_types"]), i["priority"], i["horizon"], i["estimated"] or "",
            i["allocated_commitment"], i["coverage"] or "", i["gap"] or "", i["classification"],
            ";".join(p["name"] for p in i["providers"]), i["description"],
        ])
    return COLUMNS, out
