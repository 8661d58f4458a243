"""A change and a create in one transaction: an edit that splits an annotation is all or none."""

from __future__ import annotations

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.base import StoreError

TRIANGLE = {"x1": 0, "y1": 0, "x2": 10, "y2": 0, "x3": 0, "y3": 10}


def test_a_refused_new_piece_leaves_the_changed_annotation_as_it_was(store, seeded):
    s = seeded
    kept = store.create(e.Annotation(s.polygon.id, s.image.id, dict(TRIANGLE)))
    smaller = {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 0, "y3": 5}
    bad = e.Annotation(s.polygon.id, s.image.id, {"x1": 1, "y1": 1})  # a polygon of one node
    with pytest.raises((StoreError, ValueError)):
        store.change_and_create({kept.id: {"vector": smaller}}, [bad])
    assert store.get(e.Annotation, kept.id).vector == TRIANGLE
    assert store.count(e.Annotation, image=s.image.id) == 1
    (new,) = store.change_and_create({kept.id: {"vector": smaller}}, [e.Annotation(s.polygon.id, s.image.id, TRIANGLE)])
    assert store.get(e.Annotation, kept.id).vector == smaller and store.get(e.Annotation, new).vector == TRIANGLE
