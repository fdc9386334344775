"""Rebuilds read the log their own faster way (projections/fast_decode.py, runner.fold_all), on both stores:

- every event type the fold handles decodes as the library's mapper decodes it, value by value (a UUID as its
  string, the one difference), and the two decodings fold to the same documents;
- the snapshots a rebuild takes (documents encoded once per change, compressed in a worker thread) hold, at each
  position, exactly the documents of the fold of the log up to it, and `as_of` answers from them as from the log;
- the documents and rows a rebuild writes (COPY on PostgreSQL) are those the live runner wrote.
"""

from __future__ import annotations

import json
import zlib
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Mapper, Notification, StoredEvent, TranscodingNotRegisteredError

from api.root.services import Services
from domain import context
from domain.stakeholders import assistance
from projections import model
from projections.fast_decode import FastDecoder, read_log, uuid_text
from projections.query import FoldedRows
from projections.store.snapshots import Snapshotter, snapshot_blob
from tests.support.histories import RICH, STATES, TA, Player
from tests.support.views_world import build

D = date(2024, 3, 1)


def every_event_type(services: Services) -> None:
    """A history with every event the fold handles, and text beyond ASCII."""
    ledger = services.ledger
    w = build(ledger)
    player = Player(ledger)
    player.play(
        [
            *RICH,
            ("programme", [0, 1], [2], STATES, date(2024, 1, 1), None, 2),
            ("report", 2, "commitment", "1000.25", D),
            ("report", 2, "disbursement", "500.25", D),
            ("report", 2, "pledge", "70.25", D),
            ("settle", 2, 0, "confirm"),
            ("settle", 2, 1, "dispute"),
            ("need_action", 0, "publish", "1.25", "USD", TA[0]),
            ("need_action", 0, "prioritise", "1.25", "USD", TA[0]),
            ("need_action", 0, "estimate", "100.25", "EUR", TA[0]),
            ("need_action", 0, "revise_ta", "1.25", "USD", TA[1]),
            ("status", 0, 3),
            ("need_action", 0, "met", "1.25", "USD", TA[0]),
        ]
    )
    with context.recording(actor="test", reason="a correction's reason"):
        cooperation = ledger.register_organisation("XM-Ç", "Agência de Cooperação — 協力 ☃", "10").id
        p, a = w.programmes["P"], w.needs["A"]
        funder = ledger.programme(p).funders[0]
        ledger.change_programme(p, lambda q: q.correct_disbursement("k-1", "532.29", "USD", D, "refund", funder, "TX"))
        ledger.change_programme(p, lambda q: q.decrease_commitment("k-2", funder, "10000", "USD", D, "reduced"))
        ledger.change_programme(p, lambda q: q.record_delivery("d-9", "workshop", D, [a], "Atelier à Nairobi"))
        ledger.change_programme(p, lambda q: q.record_lessons("d-9", "Leçons: « plus tôt »"))
        ledger.change_need(a, lambda n: n.record_stakeholders([{"kind": "civil-society", "name": "Société civile"}]))
        ledger.change_need(a, lambda n: n.record_assistance(assistance("Mentorat", p)))
        written, _ = ledger.issue_key("clé de test", "provider", cooperation)
        ledger.revoke_key(written.id)
        ledger.accept_unsigned_tail("ab" * 32, 1, 2, 2)
    services.runner.catch_up()


def notifications(services: Services) -> list[Any]:
    out: list[Any] = []
    while page := services.ledger.recorder.select_notifications(
        start=out[-1].id if out else 0, limit=500, inclusive_of_start=False
    ):
        out.extend(page)
    return out


def same(expected: Any, got: Any, where: str) -> None:
    """`got` (fast) is `expected` (the mapper's): equal and of the same type, but a UUID as its canonical string."""
    if isinstance(expected, UUID):
        assert type(got) is str and got == str(expected), where
    elif isinstance(expected, dict):
        assert type(got) is dict and list(got) == list(expected), where
        for key, value in expected.items():
            same(value, got[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert type(got) is list and len(got) == len(expected), where
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            same(e, g, f"{where}[{i}]")
    else:
        assert type(got) is type(expected) and got == expected, (where, expected, got)


def test_every_event_type_decodes_as_the_library_decodes_it(services: Services) -> None:
    # Given a history with every event type the fold handles
    every_event_type(services)
    stored = notifications(services)
    mapper = services.ledger.mapper
    assert {n.topic.rpartition(".")[2] for n in stored} == set(model._HANDLERS)
    # When each stored event is decoded by the library's mapper and by the fast decoder
    decoder = FastDecoder(mapper)
    for n in stored:
        expected, got = mapper.to_domain_event(n), decoder.notification(n)
        # Then they are events of the same class with the same values (a UUID as its string)
        assert type(got) is type(expected)
        same(vars(expected), vars(got), f"{n.id} {type(expected).__name__}")
    # And a rebuild's own read of the log (one plain statement on PostgreSQL) reads the same events, in pages
    rows = [*read_log(services.ledger.recorder, 0, 40), *read_log(services.ledger.recorder, 40, 10_000)]
    assert [row[0] for row in rows[39:41]] == [40, 41]
    assert rows == [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state) for n in stored]
    for (position, got), n in zip(decoder.rows(rows), stored, strict=True):
        assert position == n.id
        same(vars(mapper.to_domain_event(n)), vars(got), f"{n.id} read")
    # And an integer past 64 bits (orjson would read it as a float) is read exactly, as the library reads it
    for big in (2**64, -(2**63) - 1, 10**30):
        n = stored[0]
        state = n.state[:-1] + b',"big":' + str(big).encode() + b"}"
        expected = mapper.to_domain_event(StoredEvent(n.originator_id, n.originator_version, n.topic, state))
        row = (n.id, str(n.originator_id), n.originator_version, n.topic, state)
        for got in (
            decoder.notification(
                Notification(
                    id=n.id,
                    originator_id=n.originator_id,
                    originator_version=n.originator_version,
                    topic=n.topic,
                    state=state,
                )
            ),
            decoder.rows([row])[0][1],
            decoder.rows([rows[1], row])[1][1],
        ):
            assert type(got) is type(expected) and type(got.big) is int and got.big == expected.big == big
    # And a UUID whose hex holds a run of digits as long as such an integer (CI drew one) is still its string
    n, ref = stored[0], UUID("7a431ed4-1e43-4894-9456-95272273786d")
    state = n.state[:-1] + b',"ref":{"_type_":"uuid_hex","_data_":"' + ref.hex.encode() + b'"}}'
    row = (n.id, str(n.originator_id), n.originator_version, n.topic, state)
    stored_event = Notification(
        id=n.id, originator_id=n.originator_id, originator_version=n.originator_version, topic=n.topic, state=state
    )
    assert mapper.to_domain_event(stored_event).ref == ref
    for got in (decoder.notification(stored_event), decoder.rows([row])[0][1], decoder.rows([rows[1], row])[1][1]):
        assert type(got.ref) is str and got.ref == str(ref)
    # And the two decodings fold to the same documents
    by_mapper = model.fold((n.id, mapper.to_domain_event(n)) for n in stored)
    by_fast = model.fold((n.id, decoder.notification(n)) for n in stored)
    assert isinstance(by_mapper, model.MemoryState) and isinstance(by_fast, model.MemoryState)
    assert json.dumps(by_fast.docs, sort_keys=True) == json.dumps(by_mapper.docs, sort_keys=True)


def test_the_fast_decoder_takes_only_what_it_reads_as_the_library_does(services: Services) -> None:
    mapper = services.ledger.mapper
    # A store whose events are compressed or encrypted is read by the library's mapper
    with pytest.raises(ValueError):
        FastDecoder(Mapper(mapper.transcoder, compressor=object()))  # type: ignore[arg-type]
    decoder = FastDecoder(mapper)
    # Transcoded values nested anywhere, and a plain object that merely has a _type_ key, as the object hook has them
    state = mapper.transcoder.encode(
        {
            "a": [{"x": Decimal("1.50"), "d": date(2024, 1, 2)}, uuid4()],
            "b": {"_type_": "not a transcoding"},
            "c": {"nested": {"deeper": [Decimal("-0.00"), None, True, 3, "é"]}},
        }
    )
    expected = mapper.transcoder.decode(state)
    same(expected, decoder.state(state), "state")
    # A transcoding nobody registered is refused, as by the library
    with pytest.raises(TranscodingNotRegisteredError):
        decoder.state(b'{"a":{"_type_":"nobody","_data_":"x"}}')
    # UUIDs in any form the library's UUID takes become its canonical string
    u = uuid4()
    for form in (u, u.hex, str(u), u.hex.upper(), f"{{{u}}}"):
        assert uuid_text(form) == str(u)
    with pytest.raises(ValueError):
        uuid_text("z" * 32)


def snapshots(services: Services) -> list[tuple[int, dict[str, dict[str, Any]]]]:
    with services.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT position, state FROM view_snapshots ORDER BY position").fetchall()
    out = []
    for r in rows:
        docs: dict[str, dict[str, Any]] = {}
        for kind, key, doc in json.loads(zlib.decompress(bytes(r["state"]))):
            docs.setdefault(kind, {})[key] = json.loads(doc)
        out.append((int(r["position"]), docs))
    return out


def entities(services: Services) -> list[tuple[str, str, str]]:
    with services.db.transaction(commit=False) as tx:
        rows = tx.execute("SELECT kind, id, doc FROM ledger_entities ORDER BY kind, id").fetchall()
    return [(r["kind"], r["id"], r["doc"]) for r in rows]


def view_rows(services: Services) -> dict[str, list[dict[str, Any]]]:
    with services.db.transaction(commit=False) as tx:
        return {
            "needs": tx.execute("SELECT * FROM view_needs ORDER BY need_id").fetchall(),
            "programmes": tx.execute("SELECT * FROM view_programmes ORDER BY programme_id").fetchall(),
        }


def test_a_rebuild_writes_what_the_live_runner_wrote_and_snapshots_the_fold_of_each_prefix(
    services: Services,
) -> None:
    # Given every event type, applied live with snapshots due every few events
    services.views.snapshot_every = 7
    every_event_type(services)
    live_entities, live_rows = entities(services), view_rows(services)
    # When the views are rebuilt from position 0
    services.runner.rebuild(services.views)
    # Then the documents and rows are byte for byte those the live runner wrote
    assert entities(services) == live_entities
    assert view_rows(services) == live_rows
    # And each snapshot the rebuild took holds exactly the fold of the log up to its position
    taken = snapshots(services)
    assert len(taken) >= 3
    for position, docs in taken:
        state = FoldedRows.of(services.ledger, position, services.currency).state
        assert isinstance(state, model.MemoryState) and docs == state.docs, position
    # And as_of answers from a snapshot as from the log
    for position, _ in taken[-2:]:
        for at in (position, position + 1):
            from_snapshot = FoldedRows.of(services.ledger, at, services.currency, db=services.db)
            from_log = FoldedRows.of(services.ledger, at, services.currency)
            assert from_snapshot.needs() == from_log.needs()
            assert from_snapshot.programmes() == from_log.programmes()


def test_a_snapshotter_encodes_only_what_changed_and_reads_as_the_reference_blob() -> None:
    docs: dict[str, dict[str, Any]] = {"need": {"b": {"x": 1, "t": "été"}, "a": {"x": [1.5, None]}}, "org": {}}
    snapshotter = Snapshotter()
    try:
        first = snapshotter.take(docs, [("need", "a"), ("need", "b")]).result()
        docs["need"]["a"] = {"x": 2}
        docs["org"]["z"] = {"name": "Ågency"}
        second = snapshotter.take(docs, [("need", "a"), ("org", "z")]).result()
    finally:
        snapshotter.close()

    def read(blob: bytes) -> list[list[Any]]:
        return [[kind, key, json.loads(doc)] for kind, key, doc in json.loads(zlib.decompress(blob))]

    assert read(second) == read(snapshot_blob(docs))
    assert read(first)[0] == ["need", "a", {"x": [1.5, None]}]
