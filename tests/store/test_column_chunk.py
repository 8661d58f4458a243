"""The column-wise path for plain boxes and polygons encodes exactly what the object-at-a-time
path does, and leaves anything unusual to it (which names the culprit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from exact_desktop.model.entities import Annotation, PluginResultAnnotation
from exact_desktop.store.sqlite import bulk
from exact_desktop.store.sqlite.column_chunk import chunk_columns, result_columns
from exact_desktop.store.sqlite.validation import AnnotationTypes

TYPES = {1: (1, 0), 5: (5, 0), 6: (5, 4)}  # a box type, a polygon type, a polygon type of 4 nodes


def _types() -> AnnotationTypes:
    types = AnnotationTypes.__new__(AnnotationTypes)
    types.known = dict(TYPES)
    return types


def _one_at_a_time(items: list, hook: str = "chunk_columns", preparer: str = "_annotation_rows") -> bulk.Prepared:  # type: ignore[type-arg]
    """What the object-at-a-time path prepares: the column-wise `hook` of bulk.py answering None."""
    original = getattr(bulk, hook)
    setattr(bulk, hook, lambda *_: None)
    try:
        return getattr(bulk, preparer)(_types())(items)  # type: ignore[no-any-return]
    finally:
        setattr(bulk, hook, original)


def _results(n: int) -> list[PluginResultAnnotation]:
    """Half boxes scored as plugins score them (numpy floats among them), on two entries."""
    rng = np.random.default_rng(5)
    scores = [float(s) if i % 3 else np.float32(s) for i, s in enumerate(rng.uniform(0, 1, n))]
    return [
        PluginResultAnnotation(1, 11 + i % 2, 7, a.vector, score=s, meta_data={"model": "m"} if i % 4 else None)  # type: ignore[arg-type]
        for i, (a, s) in enumerate(zip(_boxes(n), scores, strict=True))
    ]


def _boxes(n: int) -> list[Annotation]:
    rng = np.random.default_rng(3)
    made = datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=UTC)
    return [
        Annotation(1, 7, {"x1": x, "y1": y, "x2": x + 9.5, "y2": y + 3}, time=made + timedelta(microseconds=i))
        for i, (x, y) in enumerate(rng.integers(0, 50_000, (n, 2)).tolist())
    ]


def _polygons(n: int) -> list[Annotation]:
    rng = np.random.default_rng(4)
    items = []
    for i in range(n):
        nodes = 3 + i % 5
        values = rng.uniform(0, 1e5, 2 * nodes).round(1).tolist()
        vector = {f"{axis}{k // 2 + 1}": v for k, (axis, v) in enumerate(zip("xy" * nodes, values, strict=True))}
        items.append(Annotation(5, 8, vector, description=f"region {i}", meta_data={"holes": []} if i % 2 else None))
    return items


@pytest.mark.parametrize("make", [_boxes, _polygons])
def test_columns_match_the_object_path(make) -> None:  # type: ignore[no-untyped-def]
    items = make(300)
    fast = chunk_columns(items, TYPES)
    assert fast is not None
    slow = _one_at_a_time(items)
    assert [list(c) for c in fast.columns] == [list(c) for c in slow.columns]
    assert np.array_equal(fast.positions, slow.positions) and np.array_equal(fast.owners, slow.owners)
    assert np.array_equal(fast.boxes, slow.boxes)


def test_result_columns_match_the_object_path() -> None:
    items = [r for r in _results(200) if type(r.score) is float]  # numpy scores: one at a time
    fast = result_columns(items, TYPES)
    assert fast is not None
    slow = _one_at_a_time(items, "result_columns", "_result_rows")
    assert [list(c) for c in fast.columns] == [list(c) for c in slow.columns]
    assert np.array_equal(fast.owners, slow.owners) and np.array_equal(fast.boxes, slow.boxes)
    assert fast.scores == slow.scores
    assert result_columns(_results(200), TYPES) is None  # a numpy score among them


@pytest.mark.parametrize(
    "odd",
    [
        Annotation(1, 7, {"x1": 5, "y1": 2, "x2": 1, "y2": 3}),  # corners swapped
        Annotation(1, 7, {"x1": float("nan"), "y1": 2, "x2": 9, "y2": 3}),
        Annotation(1, 7, {"x1": True, "y1": 2, "x2": 9, "y2": 3}),
        Annotation(1, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}, deleted=True),
        Annotation(
            1, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}, unique_identifier="ABCDEF00-0000-0000-0000-000000000000"
        ),
        Annotation(
            1, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}, unique_identifier="abcdef00-0000-0000-0000-00000000000\u00e9"
        ),  # 36 characters, not all ASCII
        Annotation(
            1, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}, unique_identifier="abcdef00-0000-0000-0000-0000000000000"
        ),  # 37
        Annotation(
            1, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}, unique_identifier="abcdef00_0000-0000-0000-000000000000"
        ),  # a dash out of place
        Annotation(1, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}, time=datetime(2026, 1, 1)),  # naive
        Annotation(9, 7, {"x1": 1, "y1": 2, "x2": 9, "y2": 3}),  # unknown type
        Annotation(5, 7, {"y1": 1, "x1": 2, "x2": 5, "y2": 2, "x3": 3, "y3": 9}),  # keys out of order
        Annotation(6, 7, {"x1": 1, "y1": 2, "x2": 5, "y2": 2, "x3": 3, "y3": 9}),  # 3 nodes, type wants 4
    ],
)
def test_anything_unusual_is_left_to_the_object_path(odd: Annotation) -> None:
    same_kind = _boxes(5) if odd.annotation_type == 1 else _polygons(5)
    assert chunk_columns([*same_kind, odd], TYPES) is None
