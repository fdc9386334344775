"""Coordination at decision time: warnings a write carries when it creates provider overlap.

The write itself always succeeds; its answer names the other providers' active programmes that
overlap with this programme on a (state, article, TA type) cell, read from the durable views
once they have applied the write.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.views import provider_overlap


def overlap_warnings(svc: Any, programme_id: UUID, position: int | None = None) -> list[dict[str, Any]]:
    """Without `position`, waits for the log head, which is at or after the caller's write."""
    target = position if position is not None else svc.runner.head()
    if not svc.runner.wait_for(target, svc.settings.read_wait_seconds):
        return [
            {
                "code": "overlap-not-checked",
                "detail": "the views have not caught up with this write yet; "
                "see GET /v1/views/provider-overlap shortly",
            }
        ]
    pid = str(programme_id)
    rows = [r for s in svc.ledger.programme(UUID(pid)).states for r in svc.durable.needs(state=s, status="open")]
    return others(provider_overlap.view(rows, svc.currency), pid)


def others(answer: dict[str, Any], pid: str) -> list[dict[str, Any]]:
    """One warning per other programme paired with `pid`, naming the cells they share."""
    found: dict[str, dict[str, Any]] = {}
    for cell in answer["items"]:
        for pair in cell["pairs"]:
            ids = [p["programme_id"] for p in pair["programmes"]]
            if pid not in ids:
                continue
            other = next(p for p in cell["programmes"] if p["programme_id"] != pid and p["programme_id"] in ids)
            w = found.setdefault(
                other["programme_id"],
                {
                    "code": "provider-overlap",
                    "programme_id": other["programme_id"],
                    "title": other["title"],
                    "funders": other["funders"],
                    "implementers": other["implementers"],
                    "cells": [],
                },
            )
            w["cells"].append({"state": cell["state"], "article": cell["article"], "ta_type": cell["ta_type"]})
    for w in found.values():
        where = ", ".join(f"{c['state']} article {c['article']} {c['ta_type']}" for c in w["cells"])
        funders = ", ".join(f["name"] for f in w["funders"])
        w["detail"] = f"{w['title']!r} (funded by {funders}) is active on the same needs: {where}"
    return sorted(found.values(), key=lambda w: (w["title"], w["programme_id"]))
