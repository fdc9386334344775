"""unmet-needs: open needs, each unmet, partially funded or funded, with who works on it."""

from __future__ import annotations

from typing import Any

from projections.views.common import open_needs, sort_key

COLUMNS = [
    "need_id",
    "state",
    "state_name",
    "region",
    "article",
    "paragraph",
    "chapter",
    "ta_types",
    "priority",
    "horizon",
    "estimated",
    "allocated_commitment",
    "coverage",
    "gap",
    "classification",
    "providers",
    "description",
]
CLASSES = ("unmet", "partially-funded", "funded")


def item(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "need_id": r["need_id"],
        "state": r["state"],
        "state_name": r["state_name"],
        "region": r["region"],
        "article": r["article"],
        "paragraph": r["paragraph"],
        "chapter": r["chapter"],
        "ta_types": r["ta_types"],
        "ta_types_v2": r["ta_types_v2"],
        "priority": r["priority"],
        "horizon": r["horizon"],
        "published": r["published"],
        "estimated_cost": r["estimated_cost"],
        "estimated": r["estimated"],
        "allocated_commitment": r["allocated_commitment"],
        "coverage": r["coverage"],
        "gap": r["gap"],
        "classification": r["classification"],
        "unconverted": r["unconverted"],
        "providers": r["providers"],
        "description": r["description"],
    }


def view(need_rows: list[dict[str, Any]], currency: str, classification: str | None = None) -> dict[str, Any]:
    """The whole view, every open need on one page."""
    found = sorted(open_needs(need_rows), key=sort_key)
    counts = {c: sum(1 for r in found if r["classification"] == c) for c in CLASSES}
    return answer([r for r in found if classification in (None, r["classification"])], counts, currency, classification)


def answer(
    page: list[dict[str, Any]], counts: dict[str, int], currency: str, classification: str | None = None
) -> dict[str, Any]:
    """One page of the view: its needs, and the count of all of them (on every page).

    `counts` holds every open need matching the filters per classification; a `classification`
    filter narrows them to its own.
    """
    counts = {c: counts.get(c, 0) if classification in (None, c) else 0 for c in CLASSES}
    return {"currency": currency, "count": sum(counts.values()), "counts": counts, "items": [item(r) for r in page]}


def csv_rows(answer: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    out = []
    for i in answer["items"]:
        out.append(
            [
                i["need_id"],
                i["state"],
                i["state_name"],
                i["region"],
                i["article"],
                i["paragraph"] or "",
                i["chapter"],
                ";".join(i["ta_types"]),
                i["priority"],
                i["horizon"],
                i["estimated"] or "",
                i["allocated_commitment"],
                i["coverage"] or "",
                i["gap"] or "",
                i["classification"],
                ";".join(p["name"] for p in i["providers"]),
                i["description"],
            ]
        )
    return COLUMNS, out
