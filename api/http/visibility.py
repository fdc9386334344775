"""What a reader may see of the needs a programme names: one filter for every route, page and export.

A need is visible to a reader when the reader's scope admits it (`Principal.scope`: anonymous
readers and state keys see published needs and, for a state key, its own state's). A programme
shows a need its reader may not see only as a count, `unpublished_needs`: no id, no share, and no
delivery that names it (those are counted in `withheld_deliveries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from domain.errors import NotFound
from projections.query import Scope


@dataclass(frozen=True)
class Visible:
    """The needs one reader may see: all of them (`ids` None), or exactly those ids."""

    ids: frozenset[str] | None = None

    def __call__(self, need_id: object) -> bool:
        return self.ids is None or str(need_id) in self.ids

    @property
    def everything(self) -> bool:
        return self.ids is None


EVERY_NEED = Visible()  # a reader who may see every need


def visible_needs(scope: Scope, read_needs: Callable[[Scope], Iterable[dict[str, Any]]]) -> Visible:
    """The reader's visible needs; rows are read only for a reader who may not see them all.

    A need the rows do not hold yet (the views lagging) is not visible: unknown is hidden.
    """
    if not scope.published_only:
        return EVERY_NEED
    return Visible(frozenset(r["need_id"] for r in read_needs(scope)))


def programme_answer(answer: dict[str, Any], visible: Visible) -> dict[str, Any]:
    """A programme's API answer (`routes/programmes.public`) as this reader may see it."""
    needs = [n for n in answer["needs"] if visible(n["need_id"])]
    deliveries = [d for d in answer["deliveries"] if all(visible(n) for n in d["need_ids"])]
    return {
        **answer,
        "needs": needs,
        "unpublished_needs": len(answer["needs"]) - len(needs),
        "deliveries": deliveries,
        "withheld_deliveries": len(answer["deliveries"]) - len(deliveries),
    }


def programme_row(row: dict[str, Any], visible: Visible) -> dict[str, Any]:
    """A programme row (lists, programme-monitoring, pages) as this reader may see it."""
    links = [n for n in row["linked_needs"] if visible(n["need_id"])]
    return {**row, "linked_needs": links, "unpublished_needs": len(row["linked_needs"]) - len(links)}


def programme_rows(rows: Iterable[dict[str, Any]], visible: Visible) -> list[dict[str, Any]]:
    if visible.everything:
        return [{**r, "unpublished_needs": 0} for r in rows]
    return [programme_row(r, visible) for r in rows]


def names_hidden(fields: dict[str, Any], visible: Visible) -> bool:
    """Whether an event's fields name a need the reader may not see (`need_id`, `need_ids`)."""
    named = [fields["need_id"]] if fields.get("need_id") is not None else []
    return not all(visible(n) for n in [*named, *(fields.get("need_ids") or [])])


def readable_need(scope: Scope, need: Any) -> None:
    """A need the reader may not see answers as an id that names nothing does, word for word:
    404 `need-not-found`, "no need with id …" (`domain.ledger`), so neither its existence, its
    state nor its version can be learnt by reading or writing it."""
    if not scope.admits({"published": need.published, "state": need.state}):
        raise NotFound("need-not-found", f"no need with id {need.id}")
