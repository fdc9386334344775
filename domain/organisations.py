"""Organisations: donors, providers and implementers, one per IATI organisation identifier."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain import reference
from domain.errors import RuleBroken
from domain.events import LedgerAggregate


class Organisation(LedgerAggregate):
    @staticmethod
    def create_id(ref: str, **_: object) -> UUID:
        return organisation_id(ref)

    @classmethod
    def register(cls, ref: str, name: str, org_type: str, country: str | None = None) -> Organisation:
        ref = reference.text("invalid-ref", ref, "the organisation identifier (ref)")
        return cls._registered(
            ref=ref,
            name=reference.text("invalid-name", name, "the organisation's name"),
            org_type=reference.organisation_type(org_type),
            country=reference.country(country) if country else None,
        )

    @classmethod
    def _registered(cls, **kwargs: object) -> Organisation:
        return cls._create(cls.OrganisationRegistered, **kwargs)  # type: ignore[arg-type]

    class OrganisationRegistered(LedgerAggregate.Created):
        ref: str
        name: str
        org_type: str
        country: str | None

    def __init__(self, ref: str, name: str, org_type: str, country: str | None) -> None:
        self.ref = ref
        self.name = name
        self.org_type = org_type
        self.country = country

    def rename(self, name: str) -> None:
        name = reference.text("invalid-name", name, "the organisation's name")
        if name == self.name:
            raise RuleBroken("name-unchanged", f"the organisation is already named {name!r}")
        self._renamed(name)

    @event("OrganisationRenamed")
    def _renamed(self, name: str) -> None:
        self.name = name


def organisation_id(ref: str) -> UUID:
    # uuid5 of the IATI ref: registering the same ref twice collides, so it registers once.
    return uuid5(NAMESPACE_URL, f"urn:iati:org:{ref.strip()}")
