"""New annotations given as columns (an import's) are checked and stored exactly as the same
annotations given as objects: the column path encodes what the object path does, leaves
anything unusual to it, and the store takes them all or none."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import orjson
import pytest

from exact_desktop.model import entities as e
from exact_desktop.model.geometry import Rect
from exact_desktop.store.annotation_columns import AnnotationColumns
from exact_desktop.store.base import StoreError, ViewportQuery
from exact_desktop.store.sqlite.bulk import CHUNK
from exact_desktop.store.sqlite.column_chunk import batch_columns, vector_texts
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import Seed
from tests.store.test_column_chunk import TYPES, _one_at_a_time

MADE = datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=UTC)


def _columns(
    kinds: list[int], rings: list[list[tuple[float, float]]], image: int = 7, **changed: object
) -> AnnotationColumns:
    counts = [len(ring) for ring in rings]
    fields: dict[str, object] = {
        "unique_identifiers": [e.new_uuid() for _ in rings],
        "descriptions": [f"region {i}" if i % 2 else "" for i in range(len(rings))],
        "meta_data": [None] * len(rings),
    }
    fields.update(changed)
    return AnnotationColumns(
        image, np.array(kinds, np.int64), np.array([node for ring in rings for node in ring], np.float64).reshape(-1, 2),
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), time=MADE, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def _polygons(n: int, kind: int = 5) -> AnnotationColumns:
    rng = np.random.default_rng(4)
    rings = [[tuple(p) for p in rng.uniform(0, 1e5, (3 + i % 5, 2)).round(1).tolist()] for i in range(n)]
    return _columns([kind] * n, rings)


def _boxes(n: int) -> AnnotationColumns:
    rng = np.random.default_rng(3)
    corners = [[(x, y), (x + 9.5, y + 3)] for x, y in rng.integers(0, 50_000, (n, 2)).tolist()]
    return _columns([1] * n, corners)


@pytest.mark.parametrize("make", [_boxes, _polygons])
def test_columns_of_a_batch_match_the_object_path(make) -> None:  # type: ignore[no-untyped-def]
    batch = make(300)
    fast = batch_columns(batch, TYPES)
    assert fast is not None
    slow = _one_at_a_time(batch.annotations())
    assert [list(c) for c in fast.columns] == [list(c) for c in slow.columns]
    assert np.array_equal(fast.owners, slow.owners) and np.array_equal(fast.boxes, slow.boxes)


def test_vector_texts_are_what_orjson_writes_of_the_vectors() -> None:
    nodes = np.array([[0.0, -0.0], [1e9, -1e9], [123456789.1, 0.1], [5, 7], [2.5, 3.0]])
    counts = np.array([3, 2])
    assert vector_texts(nodes, counts) == [
        orjson.dumps({"x1": 0.0, "y1": -0.0, "x2": 1e9, "y2": -1e9, "x3": 123456789.1, "y3": 0.1}).decode(),
        orjson.dumps({"x1": 5.0, "y1": 7.0, "x2": 2.5, "y2": 3.0}).decode(),
    ]


@pytest.mark.parametrize(
    "odd",
    [
        lambda: _columns([1, 1], [[(5, 2), (1, 3)], [(1, 2), (9, 3)]]),  # corners swapped
        lambda: _columns([1, 1], [[(np.nan, 2), (9, 3)], [(1, 2), (9, 3)]]),
        lambda: _columns([5, 5], [[(1, 2), (5, 2), (3, 9)], [(1, 2), (5, 2), (3, 2e9)]]),  # beyond any slide
        lambda: _columns([1, 5], [[(1, 2), (9, 3)], [(1, 2), (5, 2), (3, 9)]]),  # a box beside a polygon
        lambda: _columns([2], [[(1, 2)]]),  # a point type
        lambda: _columns([9], [[(1, 2), (9, 3)]]),  # unknown type
        lambda: _columns([6], [[(1, 2), (5, 2), (3, 9)]]),  # 3 nodes, type wants 4
        lambda: _columns([5], [[(1, 2), (5, 2)]]),  # a polygon of 2 nodes
        lambda: _columns([1], [[(1, 2), (9, 3)]], unique_identifiers=["ABCDEF00-0000-0000-0000-000000000000"]),
    ],
)
def test_anything_unusual_in_a_batch_is_left_to_the_object_path(odd) -> None:  # type: ignore[no-untyped-def]
    assert batch_columns(odd(), TYPES) is None


def test_a_bad_description_in_a_batch_is_named() -> None:
    batch = _polygons(3)
    uid = batch.unique_identifiers[1]
    bad = AnnotationColumns(batch.image, batch.annotation_types, batch.nodes, batch.offsets, batch.unique_identifiers,
                            ["", "nul \x00 inside", ""], batch.meta_data, batch.time)  # fmt: skip
    with pytest.raises(StoreError, match=uid):
        batch_columns(bad, TYPES)


def _stored(store: SqliteStore, image: int) -> list[tuple[object, ...]]:
    return sorted(
        (a.unique_identifier, a.annotation_type, orjson.dumps(a.vector), a.description, orjson.dumps(a.meta_data))
        for a in store.list(e.Annotation, image=image)
    )


def test_a_store_keeps_a_batch_as_it_keeps_the_same_objects(store: SqliteStore, seeded: Seed) -> None:
    """Boxes, polygons and what the column path leaves (points, lines, a polygon with holes
    in its meta_data), across chunks: the same rows and the same index as through objects."""
    s = seeded
    kinds = [s.box.id, s.polygon.id, s.point.id, s.line.id, s.polygon.id] * 9_000
    rings = [[(10, 10), (30, 40)], [(1, 1), (50, 1), (20, 60)], [(5, 5)], [(0, 0), (9, 9)], [(2, 2), (8, 2), (5, 9)]]
    meta = [None, None, None, None, {"holes": [[[3, 3], [4, 3], [4, 4]]]}] * 9_000
    batch = _columns(kinds, rings * 9_000, s.image.id, meta_data=meta)  # type: ignore[arg-type]
    ids = store.create_columns(batch)
    store.bulk_create(_columns(kinds, rings * 9_000, s.other_image.id, meta_data=meta).annotations())  # type: ignore[arg-type]
    assert len(ids) == len(batch) == len(set(ids))
    assert [a.id for a in store.list(e.Annotation, image=s.image.id)] == ids
    mine, theirs = _stored(store, s.image.id), _stored(store, s.other_image.id)
    assert len(mine) == len(theirs) and [row[1:] for row in mine] == [row[1:] for row in theirs]
    assert mine == sorted(
        (a.unique_identifier, a.annotation_type, orjson.dumps(a.vector), a.description, orjson.dumps(a.meta_data))
        for a in batch.annotations()
    )
    seen = store.viewport(_everything(s.image.id))
    assert sorted(seen.ids.tolist()) == sorted(ids)


def _everything(image: int) -> ViewportQuery:
    return ViewportQuery(image, Rect(0, 0, 60_000, 40_000))


def test_a_batch_is_stored_whole_or_not_at_all(store: SqliteStore, seeded: Seed) -> None:
    s = seeded
    kept = _columns([s.polygon.id], [[(1, 1), (50, 1), (20, 60)]], s.image.id)
    store.create_columns(kept)
    n = CHUNK + 10  # the first chunk is written before the second one's last row is refused
    clash = [*(e.new_uuid() for _ in range(n - 1)), kept.unique_identifiers[0]]  # the last row's UUID is taken
    with pytest.raises(StoreError, match="nothing written"):
        store.create_columns(_columns([s.polygon.id] * n, [[(1, 1), (50, 1), (20, 60)]] * n, s.image.id,
                                      unique_identifiers=clash))  # fmt: skip
    assert store.count(e.Annotation, image=s.image.id) == 1
    assert len(store.viewport(_everything(s.image.id)).ids) == 1


def test_a_batch_picks_and_slices_its_rows() -> None:
    batch = _polygons(6)
    objects = batch.annotations()
    assert batch.rows(np.array([5, 0, 2, 3])).annotations() == [objects[5], objects[0], objects[2], objects[3]]
    assert batch[2:5].annotations() == objects[2:5]


def test_a_batch_is_numbered_in_uuid_order_and_its_ids_returned_in_its_own(store: SqliteStore, seeded: Seed) -> None:
    """Rows go in by UUID (the (image, UUID) index is written in its order); each row's id is
    still returned at the row's place in the batch."""
    s = seeded
    batch = _columns([s.polygon.id] * 50, [[(1, 1), (50, 1), (20, 60 + i)] for i in range(50)], s.image.id)
    ids = store.create_columns(batch)
    by_id = {a.id: a for a in store.list(e.Annotation, image=s.image.id)}
    assert [by_id[i].unique_identifier for i in ids] == batch.unique_identifiers
    assert [by_id[i].vector["y3"] for i in ids] == [60 + i for i in range(50)]
    assert [a.unique_identifier for a in by_id.values()] == sorted(batch.unique_identifiers)
