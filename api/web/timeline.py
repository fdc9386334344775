"""Events as people read them: the latest ones from the audit log, and one record's history.

Positions and times come from the `audit_log` table (the audit projection); a record's own
events come from the event store, so who, why and what changed are exactly what was recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from api.web.i18n import N_
from domain import reference
from projections.audit.records import event_name
from projections.db import Tx

META = {
    "originator_id",
    "originator_version",
    "originator_topic",
    "timestamp",
    "actor",
    "actor_org",
    "reason",
    "request_id",
}
SCAN, ROUNDS = 500, 20  # audit rows read per round when some streams are hidden, and at most


def words(name: str) -> str:
    """`NeedCostEstimated` → `Need cost estimated`."""
    parts = re.findall(r"[A-Z][a-z0-9]*", name) or [name]
    return " ".join([parts[0], *(p.lower() for p in parts[1:])])


def link_for(topic: str, stream_id: str) -> str | None:
    kind = topic.rpartition(":")[2].partition(".")[0]
    return {"Need": f"/needs/{stream_id}", "Programme": f"/programmes/{stream_id}"}.get(kind)


def recent(
    tx: Tx, limit: int = 12, until: int | None = None, visible: Callable[[str], bool] | None = None
) -> list[dict[str, Any]]:
    """The latest audit records up to `until`, newest first, of the streams the reader may see."""
    found: list[dict[str, Any]] = []
    below = until + 1 if until is not None else None
    size = limit if visible is None else SCAN
    for _ in range(ROUNDS):  # bounded: a narrow reader's events may be far back, or nowhere
        batch = _page(tx, below, size)
        found += [r for r in batch if visible is None or visible(r["stream_id"])]
        if len(found) >= limit or len(batch) < size:
            break
        below = batch[-1]["position"]
    return [_readable(r) for r in found[:limit]]


def _page(tx: Tx, below: int | None, size: int) -> list[dict[str, Any]]:
    where, params = ("WHERE position < ?", [below]) if below is not None else ("", [])
    return tx.execute(
        f"SELECT position, stream_id, version, topic, recorded_at, actor FROM audit_log {where}"
        f" ORDER BY position DESC LIMIT {int(size)}",
        params,
    ).fetchall()


def _readable(r: dict[str, Any]) -> dict[str, Any]:
    name = event_name(r["topic"])
    return {
        "position": int(r["position"]),
        "recorded_at": r["recorded_at"],
        "when": when(r["recorded_at"]),
        "event": name,
        "label": words(name),
        "actor": r["actor"],
        "link": link_for(r["topic"], r["stream_id"]),
        "stream_id": str(r["stream_id"]),
        "version": int(r["version"]),
    }


STAFF = N_("ledger staff")  # events recorded by admin or coordinator keys, or by the ledger's own commands


def by_organisation(events: list[dict[str, Any]], ledger: Any) -> list[dict[str, Any]]:
    """Latest events as the public reads them: by the organisation or State that recorded each one
    (its `actor_org`, read from the event store), never by an API key's name."""
    return [{**e, "actor": organisation_of(ledger, e["stream_id"], e["version"])} for e in events]


def organisation_of(ledger: Any, stream_id: str, version: int) -> str:
    stored = ledger.recorder.select_events(UUID(stream_id), gt=version - 1, lte=version, limit=1)
    found = [ledger.mapper.to_domain_event(s) for s in stored]
    return (found[0].actor_org if found else None) or STAFF


def public_attribution(event: dict[str, Any]) -> dict[str, Any]:
    """One record's event as the public reads it: by its organisation or State, never a key's name."""
    return {**event, "actor": event["actor_org"] or STAFF, "actor_org": None}


def withheld(event: dict[str, Any]) -> dict[str, Any]:
    """An event naming a need the reader may not see: that it happened, none of what it recorded."""
    return {**event, "changes": [("need", "an unpublished need")], "reason": None}


def when(iso: str | datetime) -> str:
    moment = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return moment.strftime("%Y-%m-%d %H:%M")


def positions(tx: Tx, stream_id: UUID) -> dict[int, int]:
    rows = tx.execute("SELECT version, position FROM audit_log WHERE stream_id = ?", (str(stream_id),)).fetchall()
    return {int(r["version"]): int(r["position"]) for r in rows}


def history(events: Iterable[Any], at: dict[int, int], describe: Callable[[Any], str]) -> list[dict[str, Any]]:
    """One record's events, oldest first: who, when, why, and what each one changed."""
    out = []
    for e in events:
        name = type(e).__name__
        out.append(
            {
                "version": e.originator_version,
                "position": at.get(e.originator_version),
                "event": name,
                "label": words(name),
                "recorded_at": e.timestamp.isoformat(),
                "when": when(e.timestamp),
                "actor": e.actor,
                "actor_org": e.actor_org,
                "reason": e.reason,
                "request_id": e.request_id,
                "changes": [
                    (k.replace("_", " "), describe(_coded(k, v)))
                    for k, v in vars(e).items()
                    if k not in META and v is not None and v != []
                ],
            }
        )
    return out


def _coded(key: str, value: Any) -> Any:
    """IATI activity status codes read as their names."""
    if key == "status" and isinstance(value, int):
        return f"{value} {reference.activity_statuses().get(value, '')}".strip()
    return value


def describer(names: dict[str, str]) -> Callable[[Any], str]:
    """Plain text for an event value; known ids (organisations, needs) become their names."""

    def describe(value: Any) -> str:
        if isinstance(value, UUID):
            return names.get(str(value), str(value))
        if isinstance(value, Decimal):
            return f"{value:,}"
        if isinstance(value, date | datetime):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return ", ".join(describe(v) for v in value)
        if isinstance(value, dict) and {"amount", "currency"} <= value.keys():
            on = f" (value date {describe(value['value_date'])})" if value.get("value_date") else ""
            return f"{value['currency']} {describe(value['amount'])}{on}"
        if isinstance(value, dict):
            return "; ".join(f"{k.replace('_', ' ')}: {describe(v)}" for k, v in value.items() if v is not None)
        return str(value)

    return describe
