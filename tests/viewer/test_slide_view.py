"""Real SlideView widgets, offscreen: what a person would see in the rendered frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent

from exact_desktop.slides.opener import open_slide
from exact_desktop.viewer.slide_view import _OUTSIDE, SlideView
from tests.conftest import BOXES_TIFF, SMALL_SVS
from tests.slides.gated_source import GatedSource
from tests.slides.test_open_slide import write_quadrants_png


def show_view(qtbot, source, width: int = 640, height: int = 480) -> SlideView:
    view = SlideView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        view.set_source(source)
    return view


def rgb_at(view: SlideView, frame: QImage, l0_x: float, l0_y: float) -> tuple[int, int, int]:
    s_x, s_y = view.state.l0_to_screen(l0_x, l0_y)
    colour = frame.pixelColor(int(s_x), int(s_y))
    return colour.red(), colour.green(), colour.blue()


def box_centres(source) -> dict[tuple[int, int, int], tuple[int, int]]:
    """The point deepest inside each solid colour of boxes.tiff, found from its pixels."""
    pixels = source.read_region((0, 0), 0, source.dimensions)
    centres = {}
    for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255)):
        mask = np.all(pixels == colour, axis=2).astype(np.uint8)
        depth = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
        y, x = np.unravel_index(np.argmax(depth), depth.shape)
        centres[colour] = (int(x), int(y))
    return centres


def assert_close(actual, expected, tolerance: int = 3) -> None:
    assert max(abs(int(a) - int(e)) for a, e in zip(actual, expected, strict=True)) <= tolerance, (actual, expected)


def test_boxes_fixture_shows_its_colours_where_they_are(qtbot):
    source = open_slide(BOXES_TIFF)
    view = show_view(qtbot, source)
    frame = view.grab().toImage()
    for colour, (x, y) in box_centres(source).items():
        assert_close(rgb_at(view, frame, x, y), colour)
    assert view.frame_is_complete()


def test_small_svs_pixels_match_openslide(qtbot):
    source = open_slide(SMALL_SVS)
    view = show_view(qtbot, source)
    frame = view.grab().toImage()
    expected = source.read_region((0, 0), 0, (16, 16))
    for x, y in ((3, 3), (8, 8), (12, 5)):
        assert_close(rgb_at(view, frame, x + 0.5, y + 0.5), tuple(expected[y, x]), tolerance=12)


def test_zoom_at_cursor_and_pan_change_the_visible_region(qtbot):
    source = open_slide(BOXES_TIFF)
    view = show_view(qtbot, source)
    blue = box_centres(source)[(0, 0, 255)]
    s_x, s_y = view.state.l0_to_screen(*blue)
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        view.state.zoom_at(4.0, s_x, s_y)
    region = view.state.visible_region()
    assert region.w == pytest.approx(640 * view.state.downsample)
    assert region.contains_point(*blue)
    frame = view.grab().toImage()
    assert_close(rgb_at(view, frame, *blue), (0, 0, 255))
    assert view.state.screen_to_l0(s_x, s_y) == pytest.approx(blue)

    green = box_centres(source)[(0, 255, 0)]
    g_x, g_y = view.state.l0_to_screen(*green)
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        drag(view, QPointF(g_x, g_y), QPointF(320, 240))  # bring the green box to the middle
    assert view.state.screen_to_l0(320, 240) == pytest.approx(green, abs=view.state.downsample)
    frame = view.grab().toImage()
    assert_close(tuple(frame.pixelColor(320, 240).getRgb()[:3]), (0, 255, 0))


def test_r_turns_and_f_mirrors_what_is_shown_and_what_the_mouse_points_at(qtbot):
    """r shows the picture a quarter turned clockwise, f then mirrors it left to right; the
    mouse points at the slide pixel shown under it, and the wheel zooms about that pixel."""
    view = show_view(qtbot, open_slide(BOXES_TIFF), 480, 480)  # square: the frame keeps its size
    view.overview.hide()
    s = view.state
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        s.set_downsample(s.downsample / 2)
        s.center_on(140, 110)  # the corners of the three boxes in sight
    upright = pixels(view)
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        qtbot.keyClick(view, Qt.Key.Key_R)
    turned = pixels(view)
    assert np.mean(turned != np.rot90(upright, -1)) < 0.01
    cx, cy, ds = s.center_x, s.center_y, s.downsample
    assert s.widget_to_l0(240 + 60, 240 + 20) == pytest.approx((cx + 20 * ds, cy - 60 * ds))
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        qtbot.keyClick(view, Qt.Key.Key_F)
    assert np.mean(pixels(view) != turned[:, ::-1]) < 0.01
    assert s.widget_to_l0(240 - 60, 240 + 20) == pytest.approx((cx + 20 * ds, cy - 60 * ds))
    under = s.widget_to_l0(100, 300)
    wheel_at(view, QPointF(100, 300))
    assert s.downsample < ds and s.widget_to_l0(100, 300) == pytest.approx(under)
    qtbot.keyClick(view, Qt.Key.Key_R)
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert (s.quarter_turns, s.mirrored) == (0, False)  # three quarters, mirrored, as mirrored: upright again


def pixels(view: SlideView) -> np.ndarray:
    """The widget's pixels as an (h, w, 3) array, colours reduced to which box they are."""
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rgb[:, : 3 * image.width()].reshape(image.height(), image.width(), 3) > 128


def wheel_at(view: SlideView, at: QPointF) -> None:
    view.event(
        QWheelEvent(
            at,
            view.mapToGlobal(at),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
    )


def drag(view: SlideView, start: QPointF, end: QPointF) -> None:
    left, nobody = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for kind, pos, buttons in (
        (QMouseEvent.Type.MouseButtonPress, start, left),
        (QMouseEvent.Type.MouseMove, (start + end) / 2, left),
        (QMouseEvent.Type.MouseMove, end, left),
        (QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton),
    ):
        view.event(QMouseEvent(kind, pos, view.mapToGlobal(pos), left, buttons, nobody))


def test_keys_and_wheel_zoom_and_pan(qtbot):
    view = show_view(qtbot, open_slide(BOXES_TIFF))
    ds = view.state.downsample
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.state.downsample == pytest.approx(ds / 1.5)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.state.downsample == pytest.approx(ds)
    x = view.state.center_x
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.state.center_x == pytest.approx(x + 120 * view.state.downsample)
    qtbot.keyClick(view, Qt.Key.Key_H)  # fit (f is EXACT's flip)
    assert view.state.downsample == pytest.approx(view.state.fit_downsample())

    under = view.state.screen_to_l0(100, 100)
    wheel = QWheelEvent(
        QPointF(100, 100),
        view.mapToGlobal(QPointF(100, 100)),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.wheelEvent(wheel)
    assert view.state.downsample == pytest.approx(view.state.fit_downsample() / 1.25**2)
    assert view.state.screen_to_l0(100, 100) == pytest.approx(under)


def test_coarser_tiles_stand_in_while_the_right_ones_load(qtbot, tmp_path):
    write_quadrants_png(tmp_path / "q.png", 4000, 3000)
    source = GatedSource(open_slide(tmp_path / "q.png"), gated_levels={0})
    source.gate.set()
    view = show_view(qtbot, source)  # fitted: served from coarse levels
    source.gate.clear()
    red_point = (700.0, 600.0)  # red quadrant, far from any edge
    view.state.set_downsample(1.0)
    view.state.center_on(*red_point)
    view.repaint()
    assert not view.frame_is_complete()  # level-0 reads are held back
    before = view.grab().toImage()
    outside = _OUTSIDE.getRgb()[:3]
    for s_x in range(20, 420, 40):  # across the slide area left of the overview
        for s_y in range(20, 460, 40):
            seen = tuple(before.pixelColor(s_x, s_y).getRgb()[:3])
            assert seen != outside and seen != (0, 0, 0)
    assert_close(rgb_at(view, before, *red_point), (255, 0, 0))
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        source.gate.set()
    assert_close(rgb_at(view, view.grab().toImage(), *red_point), (255, 0, 0), tolerance=0)


def test_ring_around_the_viewport_is_prefetched(qtbot, tmp_path):
    write_quadrants_png(tmp_path / "q.png", 8000, 6000)
    view = show_view(qtbot, open_slide(tmp_path / "q.png"))
    with qtbot.waitSignal(view.frameCompleted, timeout=10_000):
        view.state.set_downsample(1.0)
        view.state.center_on(4000, 3000)
    qtbot.waitUntil(view.loader.idle, timeout=10_000)
    ring = view.pyramid.tiles_for_region(0, view.state.visible_region(), margin=1)
    assert len(ring) > len(view.visible_tiles())
    assert all(key in view.cache for key in ring)


def test_overview_click_moves_the_view(qtbot):
    source = open_slide(BOXES_TIFF)
    view = show_view(qtbot, source)
    view.state.set_downsample(0.5)
    view.state.center_on(10, 10)
    overview = view.overview
    assert overview.isVisible()
    centre = QPointF(overview.width() / 2, overview.height() / 2)
    overview.mousePressEvent(
        QMouseEvent(
            QMouseEvent.Type.MouseButtonPress,
            centre,
            overview.mapToGlobal(centre),
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    assert view.state.center_x == pytest.approx(150, abs=3)
    assert view.state.center_y == pytest.approx(125, abs=3)
