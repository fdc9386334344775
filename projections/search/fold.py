"""The search index's pure fold: the entries one state's documents make, each with the text it is found by, the
filters it answers and who may not see it. The store writes them; a rebuild writes `everything`.

Entries: every need (its description), programme (title, description; its organisations' names as context),
organisation (name, ref) and delivery with lessons (the lessons; the programme's title; the delivery, its
provider and its States as context). An entry is `hidden` from readers of published needs only by the States of
the unpublished needs it names: a need by its own State until published, a lesson by the States of its delivery's
unpublished needs (a delivery naming a need the reader may not see is withheld from programme pages, and so are its
lessons). docs/search.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain import reference
from projections.model import NEED, ORG, PROGRAMME, State

KINDS = ("need", "programme", "organisation", "lesson")
Entry = dict[str, Any]


def need_key(need_id: str) -> str:
    return f"need:{need_id}"


def programme_key(programme_id: str) -> str:
    return f"programme:{programme_id}"


def org_key(org_id: str) -> str:
    return f"organisation:{org_id}"


def lesson_key(programme_id: str, delivery_id: str) -> str:
    return f"lesson:{programme_id}:{delivery_id}"


def touched_keys(state: State, touched: Iterable[tuple[str, str]]) -> set[str]:
    """The entries the model's touched documents may change (their dependents through names and needs aside: the
    store finds those, see `store.dependents`)."""
    keys: set[str] = set()
    for kind, key in touched:
        if kind == NEED:
            keys.add(need_key(key))
            need = state.get(NEED, key) or {"programmes": []}
            for pid in need["programmes"]:
                programme = state.get(PROGRAMME, pid) or {"deliveries": {}}
                keys |= {lesson_key(pid, d) for d, v in programme["deliveries"].items() if key in v["need_ids"]}
        elif kind == PROGRAMME:
            programme = state.get(PROGRAMME, key) or {"deliveries": {}}
            keys |= {programme_key(key), *(lesson_key(key, d) for d in programme["deliveries"])}
        elif kind == ORG:
            keys.add(org_key(key))
    return keys


def entries(state: State, keys: Iterable[str]) -> dict[str, Entry | None]:
    """Each key's entry in this state, None when there is none (no such record, or a delivery without lessons)."""
    found: dict[str, Entry | None] = {}
    for key in keys:
        kind, _, rest = key.partition(":")
        if kind == "need":
            found[key] = _need(state.get(NEED, rest))
        elif kind == "programme":
            found[key] = _programme(state, state.get(PROGRAMME, rest))
        elif kind == "organisation":
            found[key] = _organisation(state.get(ORG, rest))
        else:
            pid, _, did = rest.partition(":")
            found[key] = _lesson(state, state.get(PROGRAMME, pid), did)
    return found


def everything(state: State) -> dict[str, Entry]:
    """Every entry of a state: the index a rebuild writes, and what the durable one is held equal to."""
    keys = [need_key(n["need_id"]) for n in state.all(NEED)]
    keys += [org_key(o["org_id"]) for o in state.all(ORG)]
    for p in state.all(PROGRAMME):
        keys += [programme_key(p["programme_id"]), *(lesson_key(p["programme_id"], d) for d in p["deliveries"])]
    return {k: e for k, e in entries(state, keys).items() if e is not None}


def _entry(key: str, kind: str, title: str, body: str, context: str, **fields: Any) -> Entry:
    return {
        "key": key,
        "kind": kind,
        "title": title,
        "body": body,
        "context": context,
        "states": fields.get("states", []),
        "articles": fields.get("articles", []),
        "chapters": fields.get("chapters", []),
        "hidden": fields.pop("hidden", []),  # who may not see it, and what it names: the index's, not the reader's
        "refs": fields.pop("refs", []),
        "sort_key": fields.pop("sort_key"),
        "doc": {"kind": kind, "title": title, **fields},
    }


def _need(need: dict[str, Any] | None) -> Entry | None:
    if need is None:
        return None
    article, nid = need["article"], need["need_id"]
    chapter = reference.articles()[article].chapter
    return _entry(
        need_key(nid),
        "need",
        f"{need['state']} · Article {article}",
        need["description"],
        " ".join(need["ta_types"]),
        id=nid,
        url=f"/needs/{nid}",
        text=need["description"],
        state=need["state"],
        article=article,
        chapter=chapter,
        status=need["status"],
        published=need["published"],
        states=[need["state"]],
        articles=[article],
        chapters=[chapter],
        hidden=[] if need["published"] else [need["state"]],
        sort_key=f"{article:03d}|{need['state']}|{nid}",
    )


def _names(state: State, org_ids: Iterable[str]) -> list[str]:
    return [(state.get(ORG, o) or {"name": o})["name"] for o in dict.fromkeys(org_ids)]


def _programme(state: State, p: dict[str, Any] | None) -> Entry | None:
    if p is None:
        return None
    pid, orgs = p["programme_id"], [p["reporting_org"], *p["funders"], *p["implementers"]]
    return _entry(
        programme_key(pid),
        "programme",
        p["title"],
        p["description"],
        " ".join([*_names(state, orgs), *p["states"]]),
        id=pid,
        url=f"/programmes/{pid}",
        text=p["description"] or p["title"],
        status=p["status"],
        states=p["states"],
        refs=list(dict.fromkeys(orgs)),
        sort_key=f"{p['title'].casefold()}|{pid}",
    )


def _organisation(org: dict[str, Any] | None) -> Entry | None:
    if org is None:
        return None
    oid = org["org_id"]
    return _entry(
        org_key(oid),
        "organisation",
        org["name"],
        org["ref"],
        "",
        id=oid,
        url=f"/v1/organisations/{oid}",
        text=f"{org['name']} ({org['ref']})",
        ref=org["ref"],
        sort_key=f"{org['name'].casefold()}|{oid}",
    )


def _newest_first(day: str) -> str:
    """A day as a key that sorts the latest first: counted down from 9999-12-31."""
    return f"{99991231 - int(day.replace('-', '')):08d}"


def _lesson(state: State, p: dict[str, Any] | None, delivery_id: str) -> Entry | None:
    delivery = (p or {"deliveries": {}})["deliveries"].get(delivery_id)
    if p is None or delivery is None or not delivery.get("lessons"):
        return None
    pid = p["programme_id"]
    needs = [
        state.get(NEED, n) or {"need_id": n, "state": "", "article": 0, "published": False}
        for n in delivery["need_ids"]
    ]
    articles = sorted({n["article"] for n in needs if n["article"]})
    states = sorted({n["state"] for n in needs if n["state"]} or set(p["states"]))
    provider = _names(state, [p["reporting_org"]])[0]
    return _entry(
        lesson_key(pid, delivery_id),
        "lesson",
        p["title"],
        delivery["lessons"],
        " ".join([delivery["description"], delivery["kind"], provider, *_names(state, p["implementers"]), *states]),
        id=f"{pid}:{delivery_id}",
        url=f"/programmes/{pid}",
        text=delivery["lessons"],
        programme_id=pid,
        programme_title=p["title"],
        delivery_id=delivery_id,
        delivery_kind=delivery["kind"],
        delivery_description=delivery["description"],
        date=delivery["date"],
        provider={"org_id": p["reporting_org"], "name": provider},
        need_ids=delivery["need_ids"],
        articles=articles,
        chapters=sorted({reference.articles()[a].chapter for a in articles}),
        states=states,
        hidden=sorted({n["state"] for n in needs if not n["published"]}),
        refs=[*delivery["need_ids"], p["reporting_org"], *p["implementers"]],
        sort_key=f"{(articles or [999])[0]:03d}|{_newest_first(delivery['date'])}|{pid}|{delivery_id}",
    )
