"""The outbox holds every annotation changed here in a mirrored image set, and nothing else,
whichever write path made the change: one row (the trigger) or a large batch (one statement)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.bulk import SET_BASED_OUTBOX_FROM
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import Incoming, SyncLedger
from exact_desktop.sync.conflict_rule import arrival
from tests.store.conftest import Seed, seed

MANY = SET_BASED_OUTBOX_FROM + 500


def _boxes(s: Seed, image: e.Image, count: int, start: int = 0) -> list[e.Annotation]:
    return [
        e.Annotation(stored_id(s.box), stored_id(image), {"x1": 10 * i, "y1": 5, "x2": 10 * i + 8, "y2": 13})
        for i in range(start, start + count)
    ]


def _mirrored(store: SqliteStore) -> tuple[Seed, e.Image, SyncLedger]:
    s = seed(store)
    elsewhere = store.create(e.ImageSet("not mirrored", team=stored_id(s.team), product_set=[stored_id(s.product)]))
    other = store.create(e.Image("c.svs", image_set=stored_id(elsewhere), width=9_000, height=9_000))
    ledger = SyncLedger(store)
    ledger.mirror(stored_id(s.image_set), "https://exact.example", 7)
    return s, other, ledger


def _triggers(store: SqliteStore) -> list[tuple[str, str]]:
    """Name and text of every trigger: a batch drops the insert trigger for its transaction only."""
    with sqlite3.connect(store.path) as conn:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()


def test_single_and_batch_writes_fill_the_outbox_only_for_mirrored_sets(store: SqliteStore) -> None:
    s, unmirrored_image, ledger = _mirrored(store)
    triggers = _triggers(store)
    store.create(_boxes(s, s.image, 1)[0])
    assert ledger.outbox_size() == 1
    made = store.bulk_create(_boxes(s, s.image, MANY, start=1))
    assert ledger.outbox_size() == 1 + MANY
    assert {p.annotation.id for p in ledger.pending(s.image_set.id)} >= set(made)
    store.bulk_create(_boxes(s, unmirrored_image, MANY))
    assert ledger.outbox_size() == 1 + MANY
    assert _triggers(store) == triggers  # made again as it was
    store.create(_boxes(s, s.image, 1, start=MANY + 1)[0])  # and the trigger still works
    assert ledger.outbox_size() == 2 + MANY


def test_a_refused_batch_writes_nothing_and_keeps_the_trigger(store: SqliteStore) -> None:
    s, _, ledger = _mirrored(store)
    triggers = _triggers(store)
    batch = _boxes(s, s.image, MANY)
    batch[MANY // 2] = e.Annotation(stored_id(s.box), stored_id(s.image), {"x1": 1, "y1": 1})
    with pytest.raises(StoreError):
        store.bulk_create(batch)
    assert store.count(e.Annotation) == 0 and ledger.outbox_size() == 0
    assert _triggers(store) == triggers
    store.create(_boxes(s, s.image, 1)[0])
    assert ledger.outbox_size() == 1


def test_what_comes_from_the_server_is_not_sent_back(store: SqliteStore) -> None:
    s, _, ledger = _mirrored(store)
    incoming = [Incoming(a, "2026-12-02T10:00:00") for a in _boxes(s, s.image, MANY)]
    for number, item in enumerate(incoming, start=1):
        item.annotation.remote_id = number
    applied = ledger.apply(incoming, arrival)
    assert applied.created == MANY and store.count(e.Annotation) == MANY
    assert ledger.outbox_size() == 0
    store.create(_boxes(s, s.image, 1, start=MANY)[0])
    assert ledger.outbox_size() == 1


def test_outgoing_bodies_are_the_create_bodies_with_the_servers_ids(store: SqliteStore) -> None:
    """The bodies SQLite writes for a push parse to what EXACT's create takes, with the frame's
    server ids for image and type; an annotation whose type the frame lacks has no body."""
    s, _, ledger = _mirrored(store)
    texts = {"description": 'a "quoted" \\ 100% note', "meta_data": {"score": 0.5, "by": "model ü"}}
    made = store.create(e.Annotation(s.box.id, s.image.id, {"x1": 1.5, "y1": 2, "x2": 9, "y2": 11}, blurred=True,
                                     **texts))  # type: ignore[arg-type]  # fmt: skip
    gone = store.create(_boxes(s, s.image, 1, start=3)[0])
    store.delete(e.Annotation, stored_id(gone))
    other = store.create(
        e.Annotation(stored_id(s.polygon), stored_id(s.image), {"x1": 1, "y1": 1, "x2": 5, "y2": 1, "x3": 3, "y3": 4})
    )
    found = ledger.outgoing(stored_id(s.image_set), {stored_id(s.image): 70}, {stored_id(s.box): 80}, after=0, limit=10)
    assert [o.id for o in found] == [made.id, gone.id, other.id]
    assert [o.deleted for o in found] == [False, True, False]
    assert json.loads(found[0].body) == {  # type: ignore[arg-type]
        "annotation_type": 80, "image": 70, "vector": made.vector, "unique_identifier": made.unique_identifier,
        "deleted": False, "concealed": False, "blurred": True, "generated": False, **texts,
    }  # fmt: skip
    assert found[0].stamp == store.get(e.Annotation, stored_id(made)).last_edit_time.isoformat()
    assert found[2].body is None  # the polygon type has no server id in this frame
    assert [stored_id(o) for o in ledger.outgoing(stored_id(s.image_set), {}, {}, after=stored_id(gone), limit=10)] == [
        stored_id(other)
    ]
