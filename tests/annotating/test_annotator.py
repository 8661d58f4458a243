"""The annotation tools and undo over a real SQLite project, without Qt."""

from __future__ import annotations

import pytest

from exact_desktop.annotating.annotator import BOX, CIRCLE, SELECT, Annotator
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import ANNOTATIONS, Layer
from exact_desktop.store.base import StoreError, ViewportQuery
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.viewer.hit_test import hit_test
from tests.store.conftest import seed

TOL = 5.0


@pytest.fixture
def setup(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    fixed = store.create(e.AnnotationType("Cell", 6, s.product.id, default_width=40, default_height=30))
    multi = store.create(e.AnnotationType("Path", 4, s.product.id))
    label = store.create(e.AnnotationType("Tumour slide", 7, s.product.id))
    types = [s.box, s.polygon, s.line, s.point, fixed, multi, label]
    history = EditHistory(store)

    def hit(x, y, tol):
        layers = [Layer(ANNOTATIONS, t.id, t.name, s.image.id) for t in types]
        found = hit_test(store, s.image.id, layers, x, y, tol, lambda tid: store.get(e.AnnotationType, tid).vector_type)
        return found.id if found else None

    def in_rect(rect):
        found = store.viewport(ViewportQuery(s.image.id, rect))
        b = found.bboxes
        keep = (b[:, 0] >= rect.x) & (b[:, 1] >= rect.y) & (b[:, 2] <= rect.x + rect.w) & (b[:, 3] <= rect.y + rect.h)
        return [int(i) for i in found.ids[keep]]

    annotator = Annotator(store, history, hit, in_rect)
    annotator.set_image(s.image.id, types)
    yield store, s, annotator, history, {"fixed": fixed, "multi": multi, "label": label}
    store.close()


def live(store, image):
    return [a for a in store.list(e.Annotation, image=image) if not a.deleted]


def drag(annotator, x0, y0, x1, y1):
    annotator.press(x0, y0, TOL)
    annotator.move((x0 + x1) / 2, (y0 + y1) / 2)
    annotator.move(x1, y1)
    annotator.release(x1, y1, TOL)


def test_each_tool_stores_the_shape_it_drew(setup):
    store, s, annotator, _, extra = setup
    annotator.set_active(s.box.id)
    drag(annotator, 300, 200, 100, 150)  # dragged up-left: still x1 <= x2
    annotator.box_shape = CIRCLE
    drag(annotator, 1000, 1000, 1030, 1040)  # radius 50
    annotator.box_shape = BOX
    annotator.set_active(extra["fixed"].id)
    annotator.press(500, 500, TOL)
    annotator.release(500, 500, TOL)
    annotator.set_active(s.point.id)
    annotator.press(7, 8, TOL)
    annotator.release(7, 8, TOL)
    annotator.set_active(s.line.id)
    annotator.press(0, 0, TOL)
    annotator.release(0, 0, TOL)
    annotator.press(90, 40, TOL)
    annotator.release(90, 40, TOL)
    annotator.set_active(extra["multi"].id)
    for x, y in ((0, 500), (50, 520), (100, 500)):
        annotator.press(x, y, TOL)
        annotator.release(x, y, TOL)
    assert annotator.finish()
    annotator.set_active(s.polygon.id)
    for x, y in ((2000, 2000), (2100, 2000), (2100, 2100), (2000, 2100)):
        annotator.press(x, y, TOL)
        annotator.release(x, y, TOL)
    annotator.press(2001, 2002, TOL)  # on the first vertex: closes
    vectors = {
        store.get(e.AnnotationType, a.annotation_type).name + str(i): a.vector
        for i, a in enumerate(live(store, s.image.id))
    }
    assert list(vectors.values()) == [
        {"x1": 100.0, "y1": 150.0, "x2": 300.0, "y2": 200.0},
        {"x1": 950.0, "y1": 950.0, "x2": 1050.0, "y2": 1050.0},
        {"x1": 480.0, "y1": 485.0, "x2": 520.0, "y2": 515.0},
        {"x1": 7.0, "y1": 8.0},
        {"x1": 0.0, "y1": 0.0, "x2": 90.0, "y2": 40.0},
        {"x1": 0.0, "y1": 500.0, "x2": 50.0, "y2": 520.0, "x3": 100.0, "y3": 500.0},
        {
            "x1": 2000.0,
            "y1": 2000.0,
            "x2": 2100.0,
            "y2": 2000.0,
            "x3": 2100.0,
            "y3": 2100.0,
            "x4": 2000.0,
            "y4": 2100.0,
        },
    ]


def test_a_circle_on_a_polygon_type_is_a_round_polygon(setup):
    store, s, annotator, _, _ = setup
    annotator.set_active(s.polygon.id)
    annotator.box_shape = CIRCLE
    drag(annotator, 500, 500, 530, 540)  # radius 50
    (circle,) = live(store, s.image.id)
    xs = [circle.vector[f"x{i}"] for i in range(1, len(circle.vector) // 2 + 1)]
    ys = [circle.vector[f"y{i}"] for i in range(1, len(circle.vector) // 2 + 1)]
    radii = [((x - 500) ** 2 + (y - 500) ** 2) ** 0.5 for x, y in zip(xs, ys, strict=True)]
    assert len(xs) == 48 and max(abs(r - 50) for r in radii) < 0.2


def test_polygon_double_click_finishes_and_vertex_undo_and_escape(setup):
    store, s, annotator, _, _ = setup
    annotator.set_active(s.polygon.id)
    for x, y in ((0, 0), (100, 0), (999, 999)):
        annotator.press(x, y, TOL)
        annotator.release(x, y, TOL)
    assert annotator.undo_vertex()  # the stray vertex goes
    annotator.press(100, 100, TOL)
    annotator.release(100, 100, TOL)
    assert annotator.double_click(100, 100, TOL)  # Qt: press, release, double-click
    (polygon,) = live(store, s.image.id)
    assert polygon.vector == {"x1": 0.0, "y1": 0.0, "x2": 100.0, "y2": 0.0, "x3": 100.0, "y3": 100.0}
    annotator.press(5000, 5000, TOL)
    annotator.cancel()  # Escape
    assert not annotator.drawing and len(live(store, s.image.id)) == 1
    assert not annotator.finish()  # nothing in progress


def test_select_move_resize_vertex_edit_retype_delete_and_undo_all(setup):
    store, s, annotator, history, _ = setup
    a = store.create(e.Annotation(s.box.id, s.image.id, {"x1": 100, "y1": 100, "x2": 200, "y2": 200}))
    p = store.create(
        e.Annotation(s.polygon.id, s.image.id, {"x1": 1000, "y1": 1000, "x2": 1100, "y2": 1000, "x3": 1100, "y3": 1100})
    )
    annotator.toggle_mode()
    assert annotator.mode == SELECT
    assert not annotator.press(5000, 5000, TOL)  # empty slide: the view pans
    assert annotator.press(150, 150, TOL) and annotator.selection == [a.id]
    annotator.move(160, 170)
    annotator.release(160, 170, TOL)
    assert store.get(e.Annotation, a.id).vector == {"x1": 110.0, "y1": 120.0, "x2": 210.0, "y2": 220.0}
    drag(annotator, 210, 220, 250, 260)  # bottom-right handle
    assert store.get(e.Annotation, a.id).vector == {"x1": 110.0, "y1": 120.0, "x2": 250.0, "y2": 260.0}
    annotator.press(1090, 1050, TOL)
    annotator.release(1090, 1050, TOL)
    assert annotator.selection == [p.id]
    assert annotator.double_click(1050, 1000, TOL)  # on the first edge: a vertex goes in
    assert store.get(e.Annotation, p.id).vector["x2"] == 1050.0
    drag(annotator, 1050, 1000, 1050, 950)  # drag the new vertex
    assert store.get(e.Annotation, p.id).vector["y2"] == 950.0
    assert annotator.press(1050, 950, TOL, ctrl=True)  # Ctrl+click deletes the vertex
    assert len(store.get(e.Annotation, p.id).vector) == 6
    annotator.press(150, 150, TOL, shift=True)
    annotator.release(150, 150, TOL)
    assert sorted(annotator.selection) == sorted([a.id, p.id])
    annotator.select([a.id])
    other_box = store.create(e.AnnotationType("Mitotic figure", 1, s.product.id))
    annotator.set_image(s.image.id, [s.box, s.polygon, other_box])
    annotator.select([a.id])
    assert annotator.retype_selected(2)  # key 3
    assert store.get(e.Annotation, a.id).annotation_type == other_box.id
    assert (
        not annotator.retype_selected(1) or store.get(e.Annotation, a.id).annotation_type == other_box.id
    )  # a box cannot become a polygon
    assert annotator.delete_selected() == 1
    assert store.get(e.Annotation, a.id).deleted
    while history.can_undo:
        history.undo()
    assert store.get(e.Annotation, a.id).vector == {"x1": 100, "y1": 100, "x2": 200, "y2": 200}
    assert store.get(e.Annotation, a.id).annotation_type == s.box.id and not store.get(e.Annotation, a.id).deleted
    assert store.get(e.Annotation, p.id).vector == p.vector
    while history.can_redo:
        history.redo()
    assert store.get(e.Annotation, a.id).deleted and store.get(e.Annotation, a.id).annotation_type == other_box.id


def test_rubber_band_selects_what_lies_inside(setup):
    store, s, annotator, _, _ = setup
    inside = store.bulk_create(
        [e.Annotation(s.box.id, s.image.id, {"x1": x, "y1": 10, "x2": x + 5, "y2": 15}) for x in range(0, 100, 10)]
    )
    store.create(e.Annotation(s.box.id, s.image.id, {"x1": 95, "y1": 10, "x2": 150, "y2": 15}))  # sticks out
    annotator.toggle_mode()
    annotator.press(-1, -1, TOL, shift=True)
    annotator.move(120, 50)
    annotator.release(120, 50, TOL)
    assert sorted(annotator.selection) == sorted(inside)


def test_undo_keeps_a_thousand_levels_whatever_the_number_of_objects(setup):
    store, s, _annotator, history, _ = setup
    store.bulk_create([e.Annotation(s.point.id, s.image.id, {"x1": i, "y1": i}) for i in range(20_000)])
    a = store.create(e.Annotation(s.box.id, s.image.id, {"x1": 0, "y1": 0, "x2": 10, "y2": 10}))
    for i in range(1, 1001):
        history.change("move", {a.id: {"vector": {"x1": i, "y1": 0, "x2": i + 10, "y2": 10}}})
    assert len(history) == 1000
    for _ in range(1000):
        history.undo()
    assert store.get(e.Annotation, a.id).vector == {"x1": 0, "y1": 0, "x2": 10, "y2": 10}
    assert not history.can_undo


def test_undo_of_a_creation_hides_the_same_row_and_redo_brings_it_back(setup):
    store, s, annotator, history, _ = setup
    annotator.set_active(s.point.id)
    annotator.press(40, 40, TOL)
    (created,) = live(store, s.image.id)
    history.undo()
    assert live(store, s.image.id) == [] and len(store.viewport(ViewportQuery(s.image.id, Rect(0, 0, 100, 100)))) == 0
    history.redo()
    (again,) = live(store, s.image.id)
    assert (again.id, again.unique_identifier) == (created.id, created.unique_identifier)
    versions = store.list(e.AnnotationVersion, annotation=created.id)
    assert [v.action for v in versions] == ["delete", "restore"]


def test_a_refused_edit_raises_and_leaves_history_and_store_as_they_were(setup):
    store, s, _annotator, history, _ = setup
    a = store.create(e.Annotation(s.box.id, s.image.id, {"x1": 0, "y1": 0, "x2": 10, "y2": 10}))
    with pytest.raises(StoreError, match="x1 <= x2"):
        history.change("bad", {a.id: {"vector": {"x1": 10, "y1": 0, "x2": 0, "y2": 10}}})
    assert not history.can_undo and store.get(e.Annotation, a.id).vector == {"x1": 0, "y1": 0, "x2": 10, "y2": 10}


def test_global_label_has_no_geometry_and_is_not_on_the_palette(setup):
    _store, _s, annotator, _, extra = setup
    assert extra["label"].id not in [t.id for t in annotator.palette]
