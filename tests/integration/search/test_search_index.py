"""The search index on both engines: the same words found, ranked sanely, scoped to the reader, never broken by
query syntax, equal to its fold after a rebuild, and paged without loss."""

from __future__ import annotations

from typing import Any

import pytest

from api.root.services import Services
from projections import model, search
from projections.search import fold
from projections.search.store import Query
from tests.support.search_world import LESSONS, SearchWorld, build

ANONYMOUS: dict[str, Any] = {"published_only": True, "states": ()}
KENYA: dict[str, Any] = {"published_only": True, "states": ("KEN",)}
EVERYONE: dict[str, Any] = {"published_only": False, "states": ()}


def found(svc: Services, words: str, kinds: tuple[str, ...] = fold.KINDS, **how: Any) -> list[dict[str, Any]]:
    scope = how.pop("scope", EVERYONE)
    with svc.db.transaction(commit=False) as tx:
        items, _ = search.find(tx, Query(search.text.terms(words), kinds, **scope, **how))
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


@pytest.fixture
def world(services: Services) -> SearchWorld:
    w = build(services.ledger)
    services.runner.catch_up()
    return w


def test_a_word_finds_needs_programmes_and_lessons_with_it_whatever_its_case_and_accents(
    services: Services, world: SearchWorld
) -> None:
    # When a coordinator searches "PROCURÉMENT" (case and an accent the text does not have)
    items = found(services, "PROCURÉMENT")
    # Then every entry with the word (or a word it begins) is found: needs A and C, both programmes, and every lesson
    #   of P (its title is theirs)
    lessons = [f"{world.p}:{d}" for d in LESSONS]
    assert sorted(ids(items)) == sorted([world.need("A"), world.need("C"), str(world.p), str(world.q), *lessons])
    # And each lesson answers with its programme, provider, date and the articles of the needs it served
    d3 = next(i for i in items if i["id"] == f"{world.p}:d3")
    assert (d3["programme_title"], d3["provider"]["name"], d3["date"], d3["articles"]) == (
        "Procurement reform",
        "Agency One",
        "2024-05-01",
        [9, 10],
    )


def test_ranking_puts_a_title_match_before_a_body_match_before_a_context_match(
    services: Services, world: SearchWorld
) -> None:
    # Given "procurement" in programme P's title, and once in Q's long description
    items = found(services, "procurement", ("programme",))
    # Then P ranks above Q, and scores fall down the list
    assert ids(items) == [str(world.p), str(world.q)]
    assert items[0]["score"] > items[1]["score"] > 0
    # And among P's lessons, those with the word in their own text too (d1's "e-procurement", d3) rank above those
    #   with it only in their programme's title (d2, d5)
    lessons = ids(found(services, "procurement", ("lesson",)))
    assert set(lessons[:2]) == {f"{world.p}:d1", f"{world.p}:d3"}
    assert set(lessons[2:]) == {f"{world.p}:d2", f"{world.p}:d5"}


def test_anonymous_readers_never_find_unpublished_needs_or_their_lessons(
    services: Services, world: SearchWorld
) -> None:
    # When each reader searches words of every need and lesson
    words = "registry declaration judges judicial procurement code officials"
    seen = {
        who: {i["id"] for w in words.split() for i in found(services, w, scope=scope)}
        for who, scope in (("anonymous", ANONYMOUS), ("kenya", KENYA), ("everyone", EVERYONE))
    }
    hidden_b = {world.need("B"), f"{world.p}:d2", f"{world.p}:d3"}  # d3 serves A and B: withheld as on P's page
    hidden_d = {world.need("D"), f"{world.p}:d5"}
    # Then anonymous readers see none of B's or D's, Kenya's key sees B's (its own) but not Uganda's D's
    assert not seen["anonymous"] & (hidden_b | hidden_d)
    assert hidden_b <= seen["kenya"] and not seen["kenya"] & hidden_d
    assert hidden_b | hidden_d <= seen["everyone"]
    # And the lessons list (no words) is scoped the same way
    listed = ids(found(services, "", ("lesson",), scope=ANONYMOUS))
    assert listed == [f"{world.p}:d1"]


def test_publishing_a_need_shows_it_and_its_lessons(services: Services, world: SearchWorld) -> None:
    # When Kenya publishes B
    services.ledger.change_need(world.needs["B"], lambda n: n.publish())
    services.runner.catch_up()
    # Then anonymous readers find B, and d2 and d3 whose needs are all published now
    assert {world.need("B"), f"{world.p}:d2", f"{world.p}:d3"} <= set(
        ids(found(services, "registry", scope=ANONYMOUS)) + ids(found(services, "asset", scope=ANONYMOUS))
    )


def test_lessons_recorded_later_and_renamed_providers_are_found(services: Services, world: SearchWorld) -> None:
    # When lessons are recorded on d4 after the fact, and Agency One is renamed
    services.ledger.change_programme(world.p, lambda p: p.record_lessons("d4", "Auditors want sampling guides."))
    services.ledger.rename_organisation(world.one, "Agence Un")
    services.runner.catch_up()
    # Then d4 is found by its lessons, with the provider's new name, and by that name too
    d4 = found(services, "sampling")
    assert ids(d4) == [f"{world.p}:d4"] and d4[0]["provider"]["name"] == "Agence Un"
    assert f"{world.p}:d4" in ids(found(services, "agence", ("lesson",)))
    assert not found(services, "agency", ("lesson",))


@pytest.mark.parametrize(
    "attempt",
    [
        '"',
        "*",
        "NEAR(procurement registry)",
        "procurement OR registry",
        "-procurement",
        "title:procurement",
        "'; DROP TABLE search_entries; --",
        "(((",
        "AND",
        ":*",
        "\\",
        "%",
        "_",
        "procurement'",
        "^registry",
        "{a}",
        "a & b | !c",
        "x" * 200,
        "é" * 70,
    ],
)
def test_query_syntax_is_read_as_words_and_never_errors(services: Services, world: SearchWorld, attempt: str) -> None:
    # When a reader types engine syntax
    items = found(services, attempt)
    # Then it is read as plain words: no error, and whatever it finds holds each word
    assert isinstance(items, list)
    # And the index is still there, whole
    assert ids(found(services, "procurement", ("programme",))) == [str(world.p), str(world.q)]


def test_a_rebuild_gives_the_same_index_as_the_runner_and_the_fold(services: Services, world: SearchWorld) -> None:
    # Given the index the runner kept, batch by batch
    services.ledger.change_programme(world.p, lambda p: p.record_lessons("d1", "Simulations, again."))
    services.runner.catch_up()
    with services.db.transaction(commit=False) as tx:
        kept = search.store.digests(tx)
    # When the views are rebuilt from position 0
    services.runner.rebuild(services.views)
    with services.db.transaction(commit=False) as tx:
        rebuilt = search.store.digests(tx)
    # Then the index is the same, and equal to the fold of the whole log
    state = model.fold(
        (n.id, services.ledger.mapper.to_domain_event(n))
        for n in services.ledger.recorder.select_notifications(0, 10_000)
    )
    folded = {k: search.store.digest(e) for k, e in fold.everything(state).items()}
    assert kept == rebuilt == folded
    assert len(kept) == 4 + 2 + 2 + 4  # needs, programmes, organisations, lessons (d1, d2, d3, d5)


def test_pages_cover_the_results_once_each_in_order(services: Services, world: SearchWorld) -> None:
    whole = ids(found(services, "procurement", limit=100))
    # When read two at a time
    pages, offset = [], 0
    while True:
        with services.db.transaction(commit=False) as tx:
            items, more = search.find(tx, Query(["procurement"], fold.KINDS, limit=2, offset=offset))
        pages += ids(items)
        offset += 2
        if not more:
            break
    # Then the pages hold every result once, in the order of the whole list
    assert pages == whole and len(whole) == 8
