"""EXACT's polygon edit tools with real mouse and key events: s scissor, g glue, d knife."""

from __future__ import annotations

import math

import cv2
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from shapely.geometry import Point, Polygon

from exact_desktop.model import entities as e
from exact_desktop.model import regions
from tests.ui.test_annotating import annotating_window, click, live, project, screen

SQUARE = {"x1": 60, "y1": 40, "x2": 220, "y2": 40, "x3": 220, "y3": 200, "x4": 60, "y4": 200}


def area(annotation):
    return regions.polygon_of(annotation.vector, annotation.meta_data)


def freehand(window, points, modifier=Qt.KeyboardModifier.NoModifier):
    """Press at the first point, move through the rest with the button held, release at the last."""
    view = window.view
    QTest.mousePress(view, Qt.MouseButton.LeftButton, modifier, screen(window, *points[0]))
    for point in points[1:]:
        QTest.mouseMove(view, screen(window, *point))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, modifier, screen(window, *points[-1]))


def demo_project(tmp_path, slide):
    """A project whose image is the small demo slide."""
    store, s, _ = project(tmp_path)
    store.update(e.Image, s.image.id, local_path=str(slide), width=6000, height=4000, mpp=0.25)
    return store, s


def on_the_demo_slide(qtbot, tmp_path, slide):
    """The window on `demo_project`."""
    store, s = demo_project(tmp_path, slide)
    return store, s, annotating_window(qtbot, store, s.image_set.id)


def square_selected(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    target = store.create(e.Annotation(s.polygon.id, s.image.id, dict(SQUARE), meta_data={"note": "kept"}))
    window = annotating_window(qtbot, store, s.image_set.id)
    QTest.keyClick(window, Qt.Key.Key_C)  # select mode
    click(window, (140, 120))
    assert window.annotation.annotator.selection == [target.id]
    return store, s, window, target


def undo(window):
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def redo(window):
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def test_scissor_cuts_a_hole_and_a_bite_each_one_undo(qtbot, tmp_path):
    store, _s, window, target = square_selected(qtbot, tmp_path)
    annotator = window.annotation.annotator
    QTest.keyClick(window, Qt.Key.Key_S)
    assert annotator.tool.name == "scissor" and "Scissor" in window.statusBar().currentMessage()
    freehand(window, [(110, 90), (170, 90), (170, 150), (110, 150), (112, 92)])  # inside: a hole
    cut = store.get(e.Annotation, target.id)
    assert len(cut.meta_data["holes"]) == 1 and cut.meta_data["note"] == "kept"
    assert abs(area(cut).area - (160 * 160 - 60 * 60)) < 160 * 160 * 0.03
    for at in ((40, 20), (100, 20), (100, 70), (40, 70)):  # by clicks, over a corner: a bite
        click(window, at)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    bitten = store.get(e.Annotation, target.id)
    assert not area(bitten).intersects(Polygon([(61, 41), (99, 41), (99, 69), (61, 69)]))
    assert area(bitten).is_valid and len(bitten.meta_data["holes"]) == 1
    assert annotator.selection == [target.id] and annotator.tool.name == "scissor"  # on for the next cut
    undo(window)
    assert store.get(e.Annotation, target.id).vector == cut.vector
    undo(window)
    assert store.get(e.Annotation, target.id).vector == SQUARE
    assert store.get(e.Annotation, target.id).meta_data == {"note": "kept"}
    redo(window)
    assert store.get(e.Annotation, target.id).meta_data == cut.meta_data
    QTest.keyClick(window.view, Qt.Key.Key_Escape)  # the tool goes, the selection stays
    assert annotator.tool.name == "select" and annotator.selection == [target.id]


def test_glue_adds_an_area_that_touches_and_refuses_one_that_does_not(qtbot, tmp_path):
    store, s, window, target = square_selected(qtbot, tmp_path)
    QTest.keyClick(window, Qt.Key.Key_G)
    freehand(window, [(250, 210), (280, 210), (280, 240), (250, 240)])  # apart: nothing changes
    assert "does not touch" in window.statusBar().currentMessage()
    assert store.get(e.Annotation, target.id).vector == SQUARE
    freehand(window, [(200, 100), (270, 100), (270, 140), (200, 140)])
    glued = area(store.get(e.Annotation, target.id))
    assert abs(glued.area - (160 * 160 + 50 * 40)) < 200 and glued.geom_type == "Polygon"
    assert len(live(store, s.image.id)) == 1
    undo(window)
    assert store.get(e.Annotation, target.id).vector == SQUARE
    redo(window)
    assert abs(area(store.get(e.Annotation, target.id)).area - glued.area) < 1


def test_knife_splits_into_two_annotations_in_one_undo(qtbot, tmp_path):
    store, s, window, target = square_selected(qtbot, tmp_path)
    annotator = window.annotation.annotator
    QTest.keyClick(window, Qt.Key.Key_D)
    freehand(window, [(100, 20), (110, 80), (100, 220)])  # across, top to bottom: left part smaller
    assert annotator.tool.name == "knife"
    pieces = live(store, s.image.id)
    assert len(pieces) == 2
    kept = store.get(e.Annotation, target.id)
    (new,) = [p for p in pieces if p.id != target.id]
    assert new.annotation_type == s.polygon.id and new.meta_data == {"note": "kept"}
    assert area(kept).area > area(new).area
    assert abs(area(kept).area + area(new).area - 160 * 160) < 50
    assert not area(kept).overlaps(area(new))
    freehand(window, [(150, 20), (150, 100)])  # only halfway in: refused, said
    assert "across the polygon" in window.statusBar().currentMessage()
    undo(window)
    assert [a.id for a in live(store, s.image.id)] == [target.id]
    assert store.get(e.Annotation, target.id).vector == SQUARE
    redo(window)
    assert len(live(store, s.image.id)) == 2 and store.get(e.Annotation, new.id).vector == new.vector


def test_edit_keys_need_one_selected_polygon(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    annotator = window.annotation.annotator
    QTest.keyClick(window, Qt.Key.Key_S)
    assert annotator.tool.name != "scissor"
    assert "select one polygon first" in window.statusBar().currentMessage()


def wheel(window, notches, modifier=Qt.KeyboardModifier.ShiftModifier):
    view = window.view
    at = QPointF(view.width() / 2, view.height() / 2)
    event = QWheelEvent(at, view.mapToGlobal(at), QPoint(), QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        modifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(view, event)


def test_brush_paints_a_new_polygon_and_alt_erases_part_of_it(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    window = annotating_window(qtbot, store, s.image_set.id)
    annotator = window.annotation.annotator
    QTest.keyClick(window, Qt.Key.Key_4)  # Tissue, a polygon type
    QTest.keyClick(window, Qt.Key.Key_P)
    assert annotator.tool.name == "brush"
    ds = window.view.state.downsample
    downsample_before = ds
    wheel(window, -3)  # Shift+wheel: a smaller brush, the view keeps its zoom
    assert window.view.state.downsample == downsample_before
    radius = annotator.tool.radius
    assert "Brush radius" in window.statusBar().currentMessage()
    freehand(window, [(60, 100), (100, 100), (140, 100), (180, 100), (220, 100)])
    (painted,) = live(store, s.image.id)
    shape = area(painted)
    assert painted.annotation_type == s.polygon.id and annotator.selection == [painted.id]
    expected = 160 * 2 * radius + 3.14159 * radius**2  # a stroke of width 2r with round ends
    assert abs(shape.area - expected) < 0.08 * expected
    freehand(window, [(120, 60), (120, 100), (120, 140)], Qt.KeyboardModifier.AltModifier)  # erase across
    pieces = live(store, s.image.id)
    assert len(pieces) == 2 and not any(area(p).contains(Point(120, 100)) for p in pieces)
    assert area(store.get(e.Annotation, painted.id)).contains(Point(200, 100))  # the larger piece
    undo(window)
    assert [a.id for a in live(store, s.image.id)] == [painted.id]
    assert abs(area(store.get(e.Annotation, painted.id)).area - shape.area) < 1
    undo(window)
    assert live(store, s.image.id) == []
    redo(window)
    redo(window)
    assert len(live(store, s.image.id)) == 2


def test_brush_size_follows_the_zoom_and_adds_to_the_selected_polygon(qtbot, tmp_path):
    store, s, window, target = square_selected(qtbot, tmp_path)
    annotator = window.annotation.annotator
    QTest.keyClick(window, Qt.Key.Key_P)
    radius_px = annotator.tool.radius / window.view.state.downsample
    window.view.state.zoom(2)
    assert abs(annotator.tool.radius / window.view.state.downsample - radius_px) < 1e-9  # constant on screen
    freehand(window, [(215, 120), (240, 120)])  # out of the square's right edge
    grown = area(store.get(e.Annotation, target.id))
    assert grown.contains(Point(235, 120)) and grown.area > 160 * 160
    assert len(live(store, s.image.id)) == 1
    undo(window)
    assert store.get(e.Annotation, target.id).vector == SQUARE


def test_wand_outlines_a_tumour_region_of_the_demo_slide(qtbot, tmp_path, demo_slide):
    slide, truth = demo_slide
    store, s, window = on_the_demo_slide(qtbot, tmp_path, slide)
    annotator = window.annotation.annotator
    tumour = Polygon(truth["regions"][2]["polygon"])
    window.view.state.set_downsample(3)  # the region about 150 screen pixels across
    window.view.state.center_on(tumour.centroid.x, tumour.centroid.y)
    QTest.keyClick(window, Qt.Key.Key_4)  # Tissue, a polygon type
    QTest.keyClick(window, Qt.Key.Key_W)
    assert annotator.tool.name == "wand"
    cx, cy = tumour.centroid.x, tumour.centroid.y
    path = [
        (cx + dx, cy + dy) for dx, dy in ((0, 0), (-80, 0), (-120, -60), (0, -120), (100, -60), (120, 60), (0, 120))
    ]
    freehand(window, path)
    (outlined,) = live(store, s.image.id)
    found = area(outlined)
    iou = found.intersection(tumour).area / found.union(tumour).area
    assert iou >= 0.9, iou
    assert annotator.selection == [outlined.id]
    subtract = Qt.KeyboardModifier.AltModifier
    freehand(window, [(cx + 400, cy), (cx + 130, cy)], subtract)  # from the tissue around into the region
    assert area(store.get(e.Annotation, outlined.id)).area < found.area
    undo(window)
    assert abs(area(store.get(e.Annotation, outlined.id)).area - found.area) < 1
    undo(window)
    assert live(store, s.image.id) == []
    redo(window)
    assert abs(area(store.get(e.Annotation, outlined.id)).area - found.area) < 1


def test_outline_a_nucleus_from_a_box(qtbot, tmp_path, demo_slide):
    slide, truth = demo_slide
    store, s, window = on_the_demo_slide(qtbot, tmp_path, slide)
    annotator = window.annotation.annotator
    x, y, _, rx, ry, angle = next(n for n in truth["nuclei"] if n[2] == "tumor")
    nucleus = Polygon(cv2.ellipse2Poly((round(x), round(y)), (round(rx), round(ry)), round(angle), 0, 360, 5))
    window.view.state.set_downsample(0.5)
    window.view.state.center_on(x, y)
    QTest.keyClick(window, Qt.Key.Key_4)  # Tissue, a polygon type
    QTest.keyClick(window, Qt.Key.Key_O)
    assert annotator.tool.name == "outline"
    x0, y0, x1, y1 = nucleus.bounds
    freehand(window, [(x0 - 6, y0 - 6), (x1 + 6, y1 + 6)])
    (outlined,) = live(store, s.image.id)
    found = area(outlined)
    assert found.intersection(nucleus).area / found.union(nucleus).area >= 0.8
    assert annotator.selection == [outlined.id]  # editable at once: s, g, d, p, w work on it
    QTest.keyClick(window, Qt.Key.Key_S)
    assert annotator.tool.name == "scissor"
    undo(window)
    assert live(store, s.image.id) == []
    redo(window)
    assert area(store.get(e.Annotation, outlined.id)).equals(found)


def test_fill_holes_simplify_and_smooth_a_selection_each_one_undo(qtbot, tmp_path):
    store, s, _ = project(tmp_path)
    angles = [i * 2 * math.pi / 240 for i in range(240)]
    wavy = [
        (140 + (70 + 4 * math.sin(30 * t)) * math.cos(t), 120 + (70 + 4 * math.sin(30 * t)) * math.sin(t))
        for t in angles
    ]
    holed = regions.fields_of(Polygon(wavy, [[(130, 110), (150, 110), (150, 130), (130, 130)]]))
    target = store.create(e.Annotation(s.polygon.id, s.image.id, **holed))
    other = store.create(e.Annotation(s.polygon.id, s.image.id, dict(SQUARE)))
    window = annotating_window(qtbot, store, s.image_set.id)
    annotator, actions = window.annotation.annotator, window.annotation.edit_tools.actions
    annotator.select([target.id, other.id])
    actions["Fill holes"].trigger()
    assert "1 of 2 selected polygons changed" in window.statusBar().currentMessage()
    filled = store.get(e.Annotation, target.id)
    assert filled.meta_data is None and filled.vector == target.vector
    annotator.select([target.id])
    window.view.state.set_downsample(2)  # the wiggles a few screen pixels long: Smooth and Simplify work at the zoom
    actions["Smooth outline"].trigger()
    smoothed = area(store.get(e.Annotation, target.id))
    before = Polygon(wavy)
    assert smoothed.length < 0.8 * before.length and abs(smoothed.area - before.area) < 0.05 * before.area
    actions["Simplify outline"].trigger()
    simpler = store.get(e.Annotation, target.id)
    assert len(simpler.vector) < len(regions.fields_of(smoothed)["vector"])
    assert store.get(e.Annotation, other.id).vector == SQUARE  # not selected
    for _ in range(3):
        undo(window)
    assert store.get(e.Annotation, target.id).meta_data == target.meta_data
    assert store.get(e.Annotation, target.id).vector == target.vector
    redo(window)
    assert store.get(e.Annotation, target.id).meta_data is None


def test_a_selected_polygon_is_drawn_with_its_holes(qtbot, tmp_path):
    """The scissor's hole (kept in meta_data["holes"]) is outlined with the selection."""
    store, s, _ = project(tmp_path)
    holed = regions.fields_of(
        Polygon([(60, 40), (220, 40), (220, 200), (60, 200)], [[(110, 90), (170, 90), (170, 150), (110, 150)]])
    )
    target = store.create(e.Annotation(s.polygon.id, s.image.id, **holed))
    window = annotating_window(qtbot, store, s.image_set.id)
    window.annotation.annotator.select([target.id])
    (selected,) = window.annotation.annotator.previews()
    assert [ring.tolist() for ring in selected.holes] == holed["meta_data"]["holes"]
    image = window.view.grab().toImage()
    image.save(str(tmp_path / "holed-selection.png"))
    state = window.view.state
    on_hole = image.pixelColor(*(round(v) for v in state.l0_to_screen(140, 90)))
    inside_hole = image.pixelColor(*(round(v) for v in state.l0_to_screen(140, 120)))
    assert on_hole != inside_hole  # the hole's ring is drawn over the slide
