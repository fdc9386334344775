"""A State's programme events as feed entries, for donors' field offices: what anyone may read of them.

The programmes are those the views list in the State; their events come from the event store (the
ledger's own record, newest first per programme, at most `limit` each). An event naming a need that is
not published (a link, a delivery) is left out whole, as api/http/visibility.py rules for a reader who
may not see that need; a need that is named is labelled by its State and article, an organisation by its
name, and who recorded an event by its organisation or State, never by a key's name.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from api.http.visibility import Visible, names_hidden
from api.root.services import Services
from api.web import atom, i18n, i18n_words, timeline
from api.web.i18n import gettext
from api.web.render import templates
from domain import reference
from projections.query import Scope

PUBLIC = Scope(published_only=True)


def entries(svc: Services, iso3: str, base: str, limit: int) -> list[atom.Entry]:
    """The newest `limit` events of the State's programmes that name no unpublished need, as entries."""
    programmes = {r["programme_id"]: r for r in svc.durable.programmes(state=iso3)}
    found: list[Any] = []
    for pid in programmes:
        stored = svc.ledger.recorder.select_events(UUID(pid), desc=True, limit=limit)
        found += [svc.ledger.mapper.to_domain_event(s) for s in stored]
    found.sort(key=lambda e: (e.timestamp, e.originator_version), reverse=True)
    states = sorted({s for p in programmes.values() for s in p["states"]})
    needs = {r["need_id"]: r for s in states for r in svc.durable.needs(PUBLIC, state=s)}
    visible = Visible(frozenset(needs))  # a programme names only needs of its own states
    shown = [e for e in found if not names_hidden(vars(e), visible)][:limit]
    orgs = svc.durable.organisations()
    names = {o["org_id"]: o["name"] for o in orgs}
    names.update(
        {
            n: gettext("%(state)s, article %(n)s", state=i18n.country(r["state"]), n=r["article"])
            for n, r in needs.items()
        }
    )
    by_ref = {o["ref"]: o["name"] for o in orgs}
    told = timeline.history(shown, {}, timeline.describer(names))
    return [
        _entry(e, t, programmes[str(e.originator_id)], iso3, base, _author(e.actor_org, by_ref))
        for e, t in zip(shown, told, strict=True)
    ]


def _author(actor_org: str | None, by_ref: dict[str, str]) -> str:
    """Who recorded an event, as the public reads it: the organisation's name, the State's, or the ledger's staff."""
    if actor_org is None:
        return gettext(timeline.STAFF)
    state = reference.states().get(actor_org)
    return by_ref.get(actor_org) or (i18n.country(actor_org) if state else actor_org)


def _entry(
    event: Any, told: dict[str, Any], programme: dict[str, Any], iso3: str, base: str, author: str
) -> atom.Entry:
    link = f"{base}/programmes/{programme['programme_id']}"
    label = gettext(told["label"])  # an event's name: i18n_words.event_words() lists them for the catalogues
    facts = "; ".join(f"{i18n_words.field(name)}: {text}" for name, text in told["changes"])
    content = templates.get_template("feed_event.html").render(
        event={**told, "label": label}, link=link, title=programme["title"], author=author
    )
    return atom.Entry(
        id=f"urn:uuid:{uuid5(event.originator_id, str(event.originator_version))}",
        title=f"{programme['title']}: {label}",
        updated=event.timestamp,
        link=link,
        author=author,
        summary=f"{label}. {facts}" if facts else label,
        content_html=content,
        categories=[
            atom.Category(told["event"], label),
            atom.Category(iso3, i18n.country(iso3), f"{base}/feeds/programmes.atom?state="),
        ],
    )
