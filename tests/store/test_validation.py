"""Vectors are checked on every write and a refusal names the annotation and the reason."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from exact_desktop.model import entities as e
from exact_desktop.model.vectors import InvalidVectorError, validate_vector
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.bulk import bulk_insert, prepare
from exact_desktop.store.sqlite.engine import reading
from exact_desktop.store.sqlite.store import driver_cursor


@pytest.mark.parametrize(
    ("vector_type", "vector", "reason"),
    [
        (1, {"x1": 0, "y1": 0, "x2": 5}, "node 2 is incomplete"),
        (1, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "x3": 1, "y3": 1}, "exactly 2 nodes, got 3"),
        (1, {"x1": 9, "y1": 0, "x2": 5, "y2": 5}, "x1 <= x2"),
        (1, {"x1": math.nan, "y1": 0, "x2": 5, "y2": 5}, "x1 must be a finite number"),
        (1, {"x1": "3", "y1": 0, "x2": 5, "y2": 5}, "x1 must be a finite number"),
        (1, {"x1": True, "y1": 0, "x2": 5, "y2": 5}, "x1 must be a finite number"),
        (1, {"x1": 0, "y1": 0, "x2": math.inf, "y2": 5}, "x2 must be a finite number"),
        (1, {"x1": 0, "y1": 0, "x2": 5, "y2": 10**400}, "y2"),
        (1, {"left": 0, "y1": 0}, "unexpected key 'left'"),
        (1, [0, 0, 5, 5], "needs a vector object, got list"),
        (2, {"x1": 1, "y1": 1, "x2": 2, "y2": 2}, "exactly 1 nodes, got 2"),
        (3, {"x1": 1, "y1": 1}, "exactly 2 nodes, got 1"),
        (4, {"x1": 1, "y1": 1}, "at least 2 nodes, got 1"),
        (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 5}, "at least 3 nodes, got 2"),
        (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "x4": 1, "y4": 1}, "node 3 is incomplete"),
        (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "x3": 1, "y3": math.inf}, "y3 must be a finite number"),
        (7, {"x1": 0, "y1": 0}, "vector must be null"),
        (9, None, "unknown vector_type 9"),
        (1, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "frame": 0}, "frame must be a positive integer"),
        (
            1,
            {"x1": 1_000_000_005, "y1": 0, "x2": 5, "y2": 5},
            "x1 = 1000000005 is beyond any slide (at most 1,000,000,000 px)",
        ),
        (1, {"x1": 0, "y1": 0, "x2": 1e9 + 0.5, "y2": 5}, "x2 = 1000000000.5 is beyond any slide"),
        (1, {"x1": 0, "y1": -(10**30), "x2": 5, "y2": 5}, "y1 = -1.000000e+30 is beyond any slide"),
        # numpy's numbers, as a plugin's arithmetic leaves them, are checked as closely as Python's
        (1, {"x1": np.float64("nan"), "y1": 0, "x2": 5, "y2": 5}, "x1 must be a finite number"),
        (1, {"x1": np.float64(9), "y1": 0, "x2": np.float64(5), "y2": 5}, "x1 <= x2"),
        (1, {"x1": 0, "y1": 0, "x2": np.float32(2e9), "y2": 5}, "beyond any slide"),
        (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 5, "y3": np.float32("inf")}, "y3 must be a finite number"),
        (1, {"x1": np.bool_(True), "y1": 0, "x2": 5, "y2": 5}, "x1 must be a finite number"),
        # finite reals that JSON cannot carry: refused here, by name, not when they are sent
        (1, {"x1": Fraction(201, 2), "y1": 0, "x2": 500, "y2": 5}, "x1 is a Fraction (Fraction(201, 2)), which JSON"),
        (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 5, "y3": np.longdouble(5)}, "y3 is a longdouble"),
    ],
)
def test_bad_vectors_are_named(vector_type, vector, reason):
    with pytest.raises(InvalidVectorError, match="annotation 42") as caught:
        validate_vector(vector, vector_type, who="annotation 42")
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("vector_type", "vector"),
    [
        (1, {"x1": 0, "y1": 0, "x2": 5.5, "y2": 5}),
        (1, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "frame": 2}),
        (2, {"x1": 1, "y1": 1}),
        (3, {"x1": 1, "y1": 1, "x2": 7, "y2": 3}),
        (4, {"x1": 1, "y1": 1, "x2": 7, "y2": 3, "x3": 9, "y3": 9}),
        (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 5, "y3": 5}),
        (1, {"x1": np.float64(0.5), "y1": np.int64(0), "x2": np.float64(5.5), "y2": np.float32(5)}),
        (5, {"x1": np.float32(0), "y1": np.int32(0), "x2": np.float64(5), "y2": 0, "x3": 5, "y3": 5}),
        (5, {"x1": np.float16(0), "y1": np.uint8(0), "x2": np.int16(5), "y2": 0, "x3": np.uint64(5), "y3": 5}),
        (6, {"x1": 0, "y1": 0, "x2": 50, "y2": 50}),
        (7, None),
        (8, None),
    ],
)
def test_good_vectors_pass(vector_type, vector):
    assert validate_vector(vector, vector_type) is None  # raises InvalidVectorError when refused


def test_node_count_of_the_type_is_respected(store, seeded):
    quad = store.create(e.AnnotationType("Quad", 5, seeded.product.id, node_count=4))
    triangle = {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 5, "y3": 5}
    with pytest.raises(StoreError, match="requires 4 nodes, got 3"):
        store.create(e.Annotation(quad.id, seeded.image.id, triangle))
    store.create(e.Annotation(quad.id, seeded.image.id, {**triangle, "x4": 0, "y4": 5}))


def test_invalid_updates_change_nothing(store, seeded):
    a = store.create(e.Annotation(seeded.box.id, seeded.image.id, {"x1": 0, "y1": 0, "x2": 5, "y2": 5}))
    with pytest.raises(StoreError, match=f"Annotation {a.unique_identifier}: a polygon needs at least 3 nodes"):
        store.update(e.Annotation, a.id, annotation_type=seeded.polygon.id)
    assert store.get(e.Annotation, a.id) == a
    assert store.count(e.AnnotationVersion) == 0
    with pytest.raises(StoreError, match=r"result annotation .*: a point needs exactly 1 nodes"):
        plugin = store.create(e.Plugin("p"))
        result = store.create(e.PluginResult(seeded.image.id, None, plugin.id))
        entry = store.create(e.PluginResultEntry(result.id, "x"))
        store.create(
            e.PluginResultAnnotation(seeded.point.id, entry.id, seeded.image.id, {"x1": 0, "y1": 0, "x2": 1, "y2": 1})
        )


def test_a_batch_checked_before_its_type_changed_is_checked_again(store, seeded):
    """A bulk create is checked before the write lock is taken (bulk.prepare); if the types
    changed meanwhile, the write checks it again and refuses what no longer fits."""
    quad = store.create(e.AnnotationType("Quad", 5, seeded.product.id, node_count=4))
    square = {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 5, "y3": 5, "x4": 0, "y4": 5}
    batch = [e.Annotation(quad.id, seeded.image.id, square)]
    with reading(store.engine) as conn:
        ready = prepare(conn, batch)
    assert ready is not None
    store.update(e.AnnotationType, quad.id, node_count=3)
    with pytest.raises(StoreError, match="requires 3 nodes, got 4"):
        store.transaction(lambda conn: bulk_insert(conn, driver_cursor(conn), batch, None, ready))
    assert store.count(e.Annotation) == 0
    store.update(e.AnnotationType, quad.id, node_count=4)
    with reading(store.engine) as conn:
        ready = prepare(conn, batch)
    assert store.transaction(lambda conn: bulk_insert(conn, driver_cursor(conn), batch, None, ready)) == [1]
    assert store.get(e.Annotation, 1).vector == square
