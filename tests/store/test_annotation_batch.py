"""Many annotation edits at once: one transaction, the same history, index and counts as one by one."""

from __future__ import annotations

import numpy as np
import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.base import NotFoundError, StoreError, ViewportQuery
from tests.store.conftest import box
from tests.store.test_density import WHOLE, recount


def test_a_batch_moves_retypes_deletes_with_versions_index_and_counts(store, seeded):
    rng = np.random.default_rng(3)
    ids = store.bulk_create(
        [e.Annotation(seeded.box.id, seeded.image.id, box(x, y)) for x, y in rng.uniform(0, 9000, (1200, 2))]
    )
    changes = {id: {"vector": box(20_000 + i, 100)} for i, id in enumerate(ids[:600])}
    changes.update({id: {"deleted": True} for id in ids[600:1000]})
    changes.update(
        {
            id: {"annotation_type": seeded.polygon.id, "vector": {"x1": 1, "y1": 1, "x2": 9, "y2": 1, "x3": 9, "y3": 9}}
            for id in ids[1000:1010]
        }
    )
    news = store.update_many(e.Annotation, changes)
    assert [a.id for a in news] == list(changes)
    assert store.get(e.Annotation, ids[0]).vector == box(20_000, 100)
    assert store.get(e.Annotation, ids[600]).deleted
    assert store.count(e.Annotation, image=seeded.image.id, deleted=False) == 800
    in_index = store.viewport(ViewportQuery(seeded.image.id, WHOLE))
    assert len(in_index) == 800 and not set(ids[600:1000]) & set(in_index.ids.tolist())
    for groups in ({"annotation_types": (seeded.box.id,)}, {"annotation_types": (seeded.polygon.id,)}):
        np.testing.assert_array_equal(store.density(ViewportQuery(seeded.image.id, WHOLE, **groups)).at_threshold(0),
                                      recount(store, seeded.image.id, **groups))  # fmt: skip
    (version,) = store.list(e.AnnotationVersion, annotation=ids[600])
    assert (version.action, version.deleted, version.version) == ("delete", False, 1)
    store.update_many(e.Annotation, {ids[600]: {"deleted": False}})
    assert [v.action for v in store.list(e.AnnotationVersion, annotation=ids[600])] == ["delete", "restore"]
    assert len(store.viewport(ViewportQuery(seeded.image.id, WHOLE))) == 801


def test_a_batch_with_one_bad_member_changes_nothing(store, seeded):
    ids = store.bulk_create([e.Annotation(seeded.box.id, seeded.image.id, box(10 * i, 10)) for i in range(50)])
    bad = {id: {"vector": box(5000, 5000)} for id in ids}
    bad[ids[25]] = {"vector": {"x1": 9, "y1": 0, "x2": 0, "y2": 9}}
    with pytest.raises(StoreError, match="x1 <= x2"):
        store.update_many(e.Annotation, bad)
    with pytest.raises(NotFoundError, match="Annotation 999999"):
        store.update_many(e.Annotation, {ids[0]: {"deleted": True}, 999_999: {"deleted": True}})
    assert all(a.vector == box(10 * i, 10) and not a.deleted for i, a in enumerate(store.list(e.Annotation)))
    assert store.list(e.AnnotationVersion) == []
    assert len(store.viewport(ViewportQuery(seeded.image.id, WHOLE))) == 50


def test_a_batch_rewrites_only_the_columns_it_changes(store, seeded):
    """An undone import of 200,000 (a delete of each) encoded and wrote back every vector it had
    not changed: most of its minute. A trigger on the vector column finds any such write."""
    import sqlite3

    ids = store.bulk_create([e.Annotation(seeded.box.id, seeded.image.id, box(10 * i, 10)) for i in range(20)])
    plain = sqlite3.connect(store.path)
    plain.execute("CREATE TRIGGER kept BEFORE UPDATE OF vector ON annotation BEGIN SELECT RAISE(ABORT, 'vector'); END")
    plain.commit()
    store.update_many(e.Annotation, {id: {"deleted": True} for id in ids})
    store.update_many(e.Annotation, {id: {"deleted": False, "description": "back"} for id in ids})
    assert store.count(e.Annotation, image=seeded.image.id, deleted=False, description="back") == 20
    plain.execute("DROP TRIGGER kept")
    plain.commit()
    plain.close()
    store.update_many(e.Annotation, {ids[0]: {"vector": box(500, 500)}})
    assert store.get(e.Annotation, ids[0]).vector == box(500, 500)
