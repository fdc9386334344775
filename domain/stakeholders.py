"""Who took part in identifying a need (resolution para 15), and the assistance already provided (para 7).

Values only: the `Need` aggregate records them (`NeedIdentified`, `NeedStakeholdersRecorded`,
`NeedAssistanceProvidedRecorded`); the `Ledger` checks that a named programme exists.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.errors import InvalidInput

STAKEHOLDER_KINDS = ("civil-society", "private-sector", "academia", "parliament", "other")
# Para 15's non-governmental stakeholders: parliament is an organ of the State, "other" says nothing either way.
NON_GOVERNMENTAL = ("civil-society", "private-sector", "academia")
MAX_STAKEHOLDERS = 30
MAX_NAME = 200
MAX_ASSISTANCE = 2000


def stakeholder(kind: str, name: str) -> dict[str, str]:
    if kind not in STAKEHOLDER_KINDS:
        raise InvalidInput("invalid-stakeholder", f"{kind!r} is not one of {', '.join(STAKEHOLDER_KINDS)}")
    named = " ".join(str(name or "").split())
    if not named:
        raise InvalidInput("invalid-stakeholder", f"a {kind} stakeholder needs a name")
    if len(named) > MAX_NAME:
        raise InvalidInput("invalid-stakeholder", f"a stakeholder's name has at most {MAX_NAME} characters")
    return {"kind": kind, "name": named}


def stakeholder_list(entries: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Each `{kind, name}` checked, names with their spaces collapsed; one named twice (of the same kind, in
    any case) is kept once, in the order first given, as TA types are."""
    entries = entries or []
    if len(entries) > MAX_STAKEHOLDERS:
        raise InvalidInput("too-many-stakeholders", f"{len(entries)} stakeholders; at most {MAX_STAKEHOLDERS}")
    kept: dict[tuple[str, str], dict[str, str]] = {}
    for e in entries:
        s = stakeholder(e.get("kind", ""), e.get("name", ""))
        kept.setdefault((s["kind"], s["name"].casefold()), s)
    return list(kept.values())


def non_governmental(stakeholders: list[dict[str, Any]] | None) -> bool:
    """Whether civil society, the private sector or academia took part."""
    return any(s["kind"] in NON_GOVERNMENTAL for s in stakeholders or [])


def assistance(text: str, programme_id: UUID | None = None) -> dict[str, Any]:
    """What assistance is already being provided for a need, in words, and the programme when known."""
    said = str(text or "").strip()
    if not said:
        raise InvalidInput("invalid-assistance", "say what assistance is already being provided")
    if len(said) > MAX_ASSISTANCE:
        raise InvalidInput(
            "invalid-assistance", f"the assistance already provided has at most {MAX_ASSISTANCE} characters"
        )
    return {"text": said, "programme_id": programme_id}
