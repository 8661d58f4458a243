"""The outbox holds every annotation changed here in a mirrored image set, and nothing else,
whichever write path made the change: one row (the trigger) or a large batch (one statement)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.bulk import SET_BASED_OUTBOX_FROM
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import Incoming, SyncLedger
from exact_desktop.sync.conflict_rule import arrival
from tests.store.conftest import Seed, seed

MANY = SET_BASED_OUTBOX_FROM + 500


def _boxes(s: Seed, image: e.Image, count: int, start: int = 0) -> list[e.Annotation]:
    return [
        e.Annotation(s.box.id, image.id, {"x1": 10 * i, "y1": 5, "x2": 10 * i + 8, "y2": 13})  # type: ignore[arg-type]
        for i in range(start, start + count)
    ]


def _mirrored(store: SqliteStore) -> tuple[Seed, e.Image, SyncLedger]:
    s = seed(store)
    elsewhere = store.create(e.ImageSet("not mirrored", team=s.team.id, product_set=[s.product.id]))  # type: ignore[list-item]
    other = store.create(e.Image("c.svs", image_set=elsewhere.id, width=9_000, height=9_000))  # type: ignore[arg-type]
    ledger = SyncLedger(store)
    ledger.mirror(s.image_set.id, "https://exact.example", 7)  # type: ignore[arg-type]
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
    batch[MANY // 2] = e.Annotation(s.box.id, s.image.id, {"x1": 1, "y1": 1})  # type: ignore[arg-type]
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
    store.delete(e.Annotation, gone.id)  # type: ignore[arg-type]
    other = store.create(e.Annotation(s.polygon.id, s.image.id, {"x1": 1, "y1": 1, "x2": 5, "y2": 1, "x3": 3, "y3": 4}))  # type: ignore[arg-type]
    found = ledger.outgoing(s.image_set.id, {s.image.id: 70}, {s.box.id: 80}, after=0, limit=10)  # type: ignore[arg-type, dict-item]
    assert [o.id for o in found] == [made.id, gone.id, other.id]
    assert [o.deleted for o in found] == [False, True, False]
    assert json.loads(found[0].body) == {  # type: ignore[arg-type]
        "annotation_type": 80, "image": 70, "vector": made.vector, "unique_identifier": made.unique_identifier,
        "deleted": False, "concealed": False, "blurred": True, "generated": False, **texts,
    }  # fmt: skip
    assert found[0].stamp == store.get(e.Annotation, made.id).last_edit_time.isoformat()  # type: ignore[arg-type, union-attr]
    assert found[2].body is None  # the polygon type has no server id in this frame
    assert [o.id for o in ledger.outgoing(s.image_set.id, {}, {}, after=gone.id, limit=10)] == [other.id]  # type: ignore[arg-type]
