"""The ledger's state, folded from events: the single source every view is derived from.

`apply(state, event)` is pure given its `State` (a dict in memory for the reference fold and
`as_of`, a cached SQL table for the durable runner), so both paths run the same code.
Documents are JSON-native (decimals and dates as strings) so the durable store can keep them.
An id on an event is a UUID, or its string when a rebuild decoded it (projections/fast_decode.py): take `str()`
of it, never its UUID attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from domain.needs import Need
from domain.organisations import Organisation
from domain.programmes import Programme
from domain.rates import ExchangeRate

NEED, PROGRAMME, ORG, RATES, KEY = "need", "programme", "org", "rates", "apikey"
EVERYTHING = ("*", "*")  # a touched key meaning "every derived row"


class State(Protocol):
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None: ...
    def all(self, kind: str) -> Iterator[dict[str, Any]]: ...


class MemoryState:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict[str, Any]]] = {}

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.docs.get(kind, {}).get(key)

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.docs.setdefault(kind, {})[key] = doc

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        return iter(list(self.docs.get(kind, {}).values()))


def _s(value: Any) -> Any:
    """JSON-native form of an event value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {k: _s(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_s(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # Decimal, UUID


def _meta(event: Any, position: int) -> dict[str, Any]:
    return {
        "version": event.originator_version,
        "updated_at": event.timestamp.isoformat(),
        "position": position,
    }


class UnknownEvent(LookupError):
    """An event the fold has no handler for: a new event class without one, or a renamed class."""


def apply(state: State, event: Any, position: int) -> set[tuple[str, str]]:
    """Fold one event into the state; answers the keys whose derived rows must be recomputed."""
    key = str(event.originator_id)
    name = type(event).__name__
    handler = _HANDLERS.get(name)
    if handler is None:  # skipped, it would leave every view silently wrong from here on
        raise UnknownEvent(f"no fold handler for {name} (position {position}): add one, or upcast to a known event")
    return handler(state, key, event, position)


# ---- organisations ----


def _org_registered(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    state.put(
        ORG,
        key,
        {
            "org_id": key,
            "ref": e.ref,
            "name": e.name,
            "org_type": e.org_type,
            "country": e.country,
            "registered_at": e.timestamp.isoformat(),
            **_meta(e, pos),
        },
    )
    return {(ORG, key)}


def _org_renamed(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    doc = state.get(ORG, key)
    if doc is None:
        return set()
    state.put(ORG, key, {**doc, "name": e.name, **_meta(e, pos)})
    return {(ORG, key), EVERYTHING}  # names appear in many rows; renames are rare


# ---- needs ----


def _need_identified(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    state.put(
        NEED,
        key,
        {
            "need_id": key,
            "state": e.state,
            "article": e.article,
            "paragraph": e.paragraph,
            "ta_types": list(e.ta_types),
            "description": e.description,
            "horizon": e.horizon,
            "priority": e.priority,
            "source": _s(e.source),
            "estimated_cost": _s(e.estimated_cost),
            "stakeholders": _s(e.stakeholders),  # [] and None on events from before them (upcast_v1_v2)
            "assistance_provided": _s(e.assistance_provided),
            "status": "open",
            "published": False,
            "programmes": [],
            "identified_at": e.timestamp.isoformat(),
            **_meta(e, pos),
        },
    )
    return {(NEED, key)}


def _need_changed(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    doc = state.get(NEED, key)
    if doc is None:
        return set()
    doc = {**doc, **_meta(e, pos)}
    name = type(e).__name__
    if name == "NeedRevised":
        for field in ("description", "ta_types", "paragraph", "horizon"):
            if getattr(e, field) is not None:
                doc[field] = _s(getattr(e, field))
    elif name == "NeedPrioritised":
        doc["priority"] = e.priority
    elif name == "NeedCostEstimated":
        doc["estimated_cost"] = _s({"amount": e.amount, "currency": e.currency, "value_date": e.value_date})
    elif name == "NeedStakeholdersRecorded":
        doc["stakeholders"] = _s(e.stakeholders)
    elif name == "NeedAssistanceProvidedRecorded":
        doc["assistance_provided"] = _s(e.assistance_provided)
    elif name == "NeedPublished":
        doc["published"] = True
    elif name == "NeedMet":
        doc["status"] = "met"
    elif name == "NeedWithdrawn":
        doc["status"] = "withdrawn"
    elif name == "NeedReopened":
        doc["status"] = "open"
    state.put(NEED, key, doc)
    return {(NEED, key)}


# ---- programmes ----


def _programme_registered(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    state.put(
        PROGRAMME,
        key,
        {
            "programme_id": key,
            "title": e.title,
            "description": e.description,
            "iati_identifier": e.iati_identifier,
            "reporting_org": str(e.reporting_org),
            "funders": _s(e.funders),
            "implementers": _s(e.implementers),
            "states": list(e.states),
            "start": _s(e.start),
            "end": _s(e.end),
            "status": e.status,
            "links": {},
            "commitments": {},
            "disbursements": {},
            "deliveries": {},
            "corrections": {},
            "registered_at": e.timestamp.isoformat(),
            **_meta(e, pos),
        },
    )
    return {(PROGRAMME, key)}


def _set_need_link(state: State, need_id: str, programme_id: str, linked: bool) -> None:
    need = state.get(NEED, need_id)
    if need is None:
        return
    programmes = [p for p in need["programmes"] if p != programme_id]
    if linked:
        programmes.append(programme_id)
    state.put(NEED, need_id, {**need, "programmes": programmes})


def _programme_changed(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    doc = state.get(PROGRAMME, key)
    if doc is None:
        return set()
    doc.update(_meta(e, pos))  # documents belong to the state: changed in place, then put back
    touched = {(PROGRAMME, key)} | {(NEED, n) for n in doc["links"]}
    name = type(e).__name__
    if name == "NeedLinked":
        doc["links"][str(e.need_id)] = None if e.share is None else str(e.share)
        _set_need_link(state, str(e.need_id), key, True)
        touched.add((NEED, str(e.need_id)))
    elif name == "NeedUnlinked":
        doc["links"].pop(str(e.need_id), None)
        _set_need_link(state, str(e.need_id), key, False)
    elif name in ("PledgeRecorded", "CommitmentRecorded"):
        doc["commitments"][e.commitment_id] = {
            "kind": "pledge" if name == "PledgeRecorded" else "commitment",
            "funder": str(e.funder),
            "amount": str(e.amount),
            "currency": e.currency,
            "value_date": e.value_date.isoformat(),
            "cancelled": False,
        }
    elif name == "CommitmentRevised":
        c = doc["commitments"][e.commitment_id]
        c["amount"] = str(e.amount)
        if "reported_by" in c:  # a revised report is the reporter's word again until its funder confirms it
            c.update(confirmation="unconfirmed", dispute_reason=None)
    elif name == "CommitmentCancelled":
        doc["commitments"][e.commitment_id]["cancelled"] = True
    elif name == "DisbursementRecorded":
        doc["disbursements"][e.disbursement_id] = {
            "funder": None if e.funder is None else str(e.funder),
            "amount": str(e.amount),
            "currency": e.currency,
            "value_date": e.value_date.isoformat(),
        }
    elif name in ("CommitmentDecreased", "DisbursementCorrected"):
        _correction(doc, name, e)
    elif name in ("MoneyReported", "MoneyConfirmed", "MoneyDisputed"):
        _third_party(doc, name, e)
    elif name == "DeliveryRecorded":
        doc["deliveries"][e.delivery_id] = {
            "kind": e.kind,
            "date": e.date.isoformat(),
            "need_ids": [str(n) for n in e.need_ids],
            "description": e.description,
            "participants": e.participants,
            "outputs": e.outputs,
            "lessons": e.lessons,  # None on events from before lessons (the event class's default)
        }
    elif name == "LessonsRecorded":
        doc["deliveries"][e.delivery_id]["lessons"] = e.lessons
    elif name == "ProgrammeStatusChanged":
        doc["status"] = e.status
    elif name == "ProgrammePeriodChanged":
        doc["start"], doc["end"] = _s(e.start), _s(e.end)
    state.put(PROGRAMME, key, doc)
    return touched


def _correction(doc: dict[str, Any], name: str, e: Any) -> None:
    """A correction takes its (positive) amount off its book's net (see rows.py); one reported in another funder's
    name counts only once that funder confirms it, as other third-party reports (domain/corrections.py)."""
    entry = {
        "kind": "commitment-decrease" if name == "CommitmentDecreased" else "disbursement-correction",
        "funder": None if e.funder is None else str(e.funder),
        "amount": str(e.amount),
        "currency": e.currency,
        "value_date": e.value_date.isoformat(),
        "reason": e.reason,
        "source_ref": e.source_ref,
    }
    if e.reported_by is not None:
        entry.update(reported_by=str(e.reported_by), confirmation="unconfirmed", dispute_reason=None)
    doc.setdefault("corrections", {})[e.correction_id] = entry


def _third_party(doc: dict[str, Any], name: str, e: Any) -> None:
    """A third-party report enters its book unconfirmed (counted in no total, see rows.py); its funder
    confirms it (it counts from then on) or disputes it with a reason (it never counts)."""
    if name == "MoneyReported":
        entry = {
            "funder": str(e.funder),
            "amount": str(e.amount),
            "currency": e.currency,
            "value_date": e.value_date.isoformat(),
            "reported_by": str(e.reported_by),
            "confirmation": "unconfirmed",
            "dispute_reason": None,
        }
        if e.kind == "disbursement":
            doc["disbursements"][e.money_id] = entry
        else:
            doc["commitments"][e.money_id] = {"kind": e.kind, **entry, "cancelled": False}
        return
    book = doc.setdefault("corrections", {}) if e.book == "correction" else doc[f"{e.book}s"]  # commitments, ...
    confirmed = name == "MoneyConfirmed"
    book[e.money_id].update(
        confirmation="confirmed" if confirmed else "disputed", dispute_reason=None if confirmed else e.reason
    )


# ---- exchange rates ----


def _rate_recorded(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    doc = state.get(RATES, e.currency) or {"currency": e.currency, "rates": []}
    rates = sorted([*doc["rates"], [e.date.isoformat(), str(e.rate)]])
    state.put(RATES, e.currency, {"currency": e.currency, "rates": rates})
    return {(RATES, e.currency), EVERYTHING}  # a new rate can change any converted amount


# ---- API keys (never their hash) ----


def _key_issued(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    state.put(
        KEY,
        key,
        {
            "key_id": key,
            "name": e.name,
            "role": e.role,
            "organisation": _s(e.organisation),
            "state": e.state,
            "revoked": False,
            "issued_at": e.timestamp.isoformat(),
            "issued_by": e.actor,
            **_meta(e, pos),
        },
    )
    return set()


def _key_revoked(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    doc = state.get(KEY, key)
    if doc is not None:
        state.put(
            KEY,
            key,
            {**doc, "revoked": True, "revoked_at": e.timestamp.isoformat(), **_meta(e, pos)},
        )
    return set()


def _noted(state: State, key: str, e: Any, pos: int) -> set[tuple[str, str]]:
    """Notes on the audit trail (an accepted unsigned tail) change no view: verify reads them from the log."""
    return set()


# The events that change a programme's document: links, money, corrections, reports, deliveries, status, period.
PROGRAMME_CHANGES = (  # noqa: SIM905 (a screen, not a line a name)
    "NeedLinked NeedUnlinked PledgeRecorded CommitmentRecorded CommitmentRevised CommitmentCancelled"
    " DisbursementRecorded CommitmentDecreased DisbursementCorrected MoneyReported MoneyConfirmed MoneyDisputed"
    " DeliveryRecorded LessonsRecorded ProgrammeStatusChanged ProgrammePeriodChanged"
).split()
_HANDLERS = {
    "UnsignedTailAccepted": _noted,
    "ApiKeyIssued": _key_issued,
    "ApiKeyRevoked": _key_revoked,
    Organisation.OrganisationRegistered.__name__: _org_registered,
    "OrganisationRenamed": _org_renamed,
    Need.NeedIdentified.__name__: _need_identified,
    **{
        n: _need_changed
        for n in (
            "NeedRevised",
            "NeedPrioritised",
            "NeedCostEstimated",
            "NeedStakeholdersRecorded",
            "NeedAssistanceProvidedRecorded",
            "NeedPublished",
            "NeedMet",
            "NeedWithdrawn",
            "NeedReopened",
        )
    },
    Programme.ProgrammeRegistered.__name__: _programme_registered,
    **dict.fromkeys(PROGRAMME_CHANGES, _programme_changed),
    ExchangeRate.ExchangeRateRecorded.__name__: _rate_recorded,
}


def fold(events: Iterable[tuple[int, Any]], state: State | None = None) -> State:
    """The reference fold: (position, event) pairs in log order into a fresh in-memory state."""
    state = state if state is not None else MemoryState()
    for position, event in events:
        apply(state, event, position)
    return state
