"""The slide view: tiles from a thread pool, pan/zoom by mouse and keys, scale bar, overview.

The widget commands and observes a Qt-free `ViewState`; it never reads pixels itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from exact_desktop.annotating.annotator import Annotator
from exact_desktop.model.geometry import Rect
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.base import SlideError, SlideSource
from exact_desktop.slides.tile_cache import DEFAULT_CACHE_BYTES, TileCache
from exact_desktop.slides.tile_loader import TileLoader
from exact_desktop.slides.tiling import TileKey, TilePyramid
from exact_desktop.store.base import StoreError
from exact_desktop.viewer.annotator_painter import HIT_PX, AnnotatorOverlay
from exact_desktop.viewer.overlay import Overlay
from exact_desktop.viewer.overview import OverviewWidget
from exact_desktop.viewer.qimage_convert import qimage_nbytes, rgb_to_qimage
from exact_desktop.viewer.scale_bar_painter import paint_scale_bar
from exact_desktop.viewer.tile_painter import FramePlan, TilePainter, screen_rect

_OUTSIDE = QColor(58, 58, 62)
_WHEEL_STEP = 1.25  # zoom per wheel notch
_KEY_ZOOM = 1.5
_KEY_PAN = 120  # screen pixels per arrow key press
_SETTLE_MS = 150  # after this much stillness, repaint with smooth scaling
_slide_ids = itertools.count(1)


class _LoaderBridge(QObject):
    """Carries loader-thread callbacks to the GUI thread as queued signals."""

    tile_loaded = Signal()  # repaint everything
    area_ready = Signal(float, float, float, float)  # repaint this level-0 rectangle (x, y, w, h)
    tile_failed = Signal(str)


class SlideView(QWidget):
    frameCompleted = Signal()
    cursorMoved = Signal(float, float)  # level-0 pixels
    readFailed = Signal(str)
    editFailed = Signal(str)  # the store refused an edit of the annotation tools

    def __init__(
        self, state: ViewState | None = None, cache: TileCache[QImage] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state or ViewState()
        self.cache = cache or TileCache(DEFAULT_CACHE_BYTES, qimage_nbytes)
        self.source: SlideSource | None = None
        self.pyramid: TilePyramid | None = None
        self.loader: TileLoader | None = None
        self._painter: TilePainter | None = None
        self.last_plan: FramePlan | None = None
        self.overlays: list[Overlay] = []  # see add_overlay
        self.annotator: Annotator | None = None  # the annotation tools, when a project is open
        self._annotator_overlay = AnnotatorOverlay()  # painted after every other overlay
        self._completed_for: tuple[float, ...] | None = None
        self._drag_from: QPointF | None = None
        self._tool_drag = False  # the left button went to the annotation tools
        self._interacting = False
        self._settle = QTimer(self, singleShot=True, interval=_SETTLE_MS, timeout=self.end_interaction)
        self._bridge = _LoaderBridge(self)
        self._bridge.tile_loaded.connect(self.update, Qt.ConnectionType.QueuedConnection)
        self._bridge.area_ready.connect(self._repaint_area, Qt.ConnectionType.QueuedConnection)
        self._bridge.tile_failed.connect(self.readFailed, Qt.ConnectionType.QueuedConnection)
        self.overview = OverviewWidget(self.state, self)
        self.overview.hide()
        self.state.changed.connect(self._state_changed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 150)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # --- slide ------------------------------------------------------------------------------
    def set_source(self, source: SlideSource | None) -> None:
        """Show a slide (already opened and checked by `open_slide`), or nothing."""
        if self.loader:
            self.loader.shutdown()
        self.source, self.loader, self._painter, self.pyramid = source, None, None, None
        if self.annotator is not None:
            self.annotator.slide = source
        self._completed_for = None
        if source is None:
            self.overview.set_image(None)
            self.overview.hide()
            self.update()
            return
        self.pyramid = TilePyramid(source.level_dimensions, source.level_downsamples, slide_id=next(_slide_ids))
        overview = rgb_to_qimage(source.get_thumbnail(1024))
        self._painter = TilePainter(self.pyramid, self.cache, overview)
        self.loader = TileLoader(
            source,
            self.pyramid,
            self.cache,
            convert=rgb_to_qimage,
            on_loaded=lambda key: self.area_ready(self.pyramid.tile_l0_rect(key)) if self.pyramid else None,
            on_error=lambda err: self._bridge.tile_failed.emit(str(err)),
        )
        self.overview.set_image(overview)
        self.overview.show()
        self.state.set_viewport(self.width(), self.height())
        self.state.reset(*source.dimensions)
        self._place_overview()
        self.update()

    def add_overlay(self, overlay: Overlay) -> None:
        """Draw `overlay` over the tiles, after those added before it and before the annotation
        tools' preview, which is always on top."""
        self.overlays.append(overlay)
        overlay.attach(self.area_ready)

    def _all_overlays(self) -> list[Overlay]:
        return [*self.overlays, self._annotator_overlay]

    def area_ready(self, l0_rect: Rect | None = None) -> None:
        """From any thread: what lies in `l0_rect` (None: anywhere) can be drawn anew."""
        if l0_rect is None:
            self._bridge.tile_loaded.emit()
        else:
            self._bridge.area_ready.emit(l0_rect.x, l0_rect.y, l0_rect.w, l0_rect.h)

    def _repaint_area(self, x: float, y: float, w: float, h: float) -> None:
        """Only the new tile's part of the screen is painted again: a frame that fills in tile by
        tile costs each arrival its own pixels, not the whole window's."""
        area = self.frame_transform().mapRect(screen_rect(self.state, Rect(x, y, w, h))).adjusted(-2, -2, 2, 2)
        if area.intersects(self.rect()):
            self.update(area)

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        if self._painter is None or self.loader is None:
            painter.fillRect(self.rect(), _OUTSIDE)
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Open a slide: File \u2192 Open slide\u2026 (Ctrl+O)"
            )
            return
        painter.setTransform(self.frame_transform())  # the painters draw in the frame; turned here
        self._paint_outside(painter)
        smooth = not self._interacting
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        plan = self._painter.plan(self.state)
        self._painter.paint(painter, self.state, plan)
        for overlay in self._all_overlays():
            overlay.paint(painter, self.state)
        painter.resetTransform()
        if self.source and self.source.mpp:
            paint_scale_bar(painter, self.source.mpp, self.state.downsample, self.height())
        painter.end()
        self.last_plan = plan
        wanted = [k for k in plan.missing if not self.loader.has_failed(k)]
        self.loader.want(wanted + [k for k in self._painter.ring(self.state, plan.z) if k not in self.cache])
        if not wanted and all(overlay.complete for overlay in self._all_overlays()):
            self._frame_done()
        else:
            self._completed_for = None

    def frame_transform(self) -> QTransform:
        """The view's frame (where the painters draw) to the widget: turned and mirrored."""
        a, b, c, d, e, f = self.state.frame_to_widget()
        return QTransform(a, c, b, d, e, f)

    def _paint_outside(self, painter: QPainter) -> None:
        """The background beside the slide only (in the frame): where the slide is, its tiles cover it."""
        s = self.state
        slide = screen_rect(s, Rect(0, 0, s.slide_width, s.slide_height))  # the edges the tiles have
        w, h = s.viewport_width, s.viewport_height
        left, top = max(0, slide.left()), max(0, slide.top())
        right, bottom = min(w, slide.x() + slide.width()), min(h, slide.y() + slide.height())
        if right <= left or bottom <= top:
            painter.fillRect(0, 0, w, h, _OUTSIDE)
            return
        for x, y, width, height in ((0, 0, w, top), (0, bottom, w, h - bottom), (0, top, left, bottom - top),
                                    (right, top, w - right, bottom - top)):  # fmt: skip
            if width > 0 and height > 0:
                painter.fillRect(x, y, width, height, _OUTSIDE)

    def _frame_done(self) -> None:
        signature = self._view_signature()
        if signature != self._completed_for:
            self._completed_for = signature
            QTimer.singleShot(0, self, self.frameCompleted.emit)  # dropped if the view is gone by then

    def frame_is_complete(self) -> bool:
        """True once every visible tile of the right level has been drawn for this view."""
        return self._completed_for == self._view_signature()

    def _view_signature(self) -> tuple[float, ...]:
        s = self.state
        return (s.center_x, s.center_y, s.downsample, s.viewport_width, s.viewport_height, s.quarter_turns, s.mirrored)

    def visible_tiles(self) -> list[TileKey]:
        return self.last_plan.visible if self.last_plan else []

    # --- observing the model ----------------------------------------------------------------
    def _state_changed(self, _state: object) -> None:
        self.update()

    def begin_interaction(self) -> None:
        """Draw fast (unsmoothed) until the view has been still for a moment."""
        self._interacting = True
        self._settle.start()

    def end_interaction(self) -> None:
        self._interacting = False
        self.update()

    # --- commands ---------------------------------------------------------------------------
    def zoom_in(self) -> None:
        self.state.zoom(_KEY_ZOOM)

    def zoom_out(self) -> None:
        self.state.zoom(1 / _KEY_ZOOM)

    def fit(self) -> None:
        self.state.fit()

    def rotate(self) -> None:
        self.state.rotate()

    def flip(self) -> None:
        self.state.flip()

    # --- Qt events --------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        fitted = self.source is not None and abs(self.state.downsample - self.state.fit_downsample()) < 1e-9
        self.state.set_viewport(self.width(), self.height())
        if fitted:
            self.state.fit()
        self._place_overview()
        super().resizeEvent(event)

    def _place_overview(self) -> None:
        self.overview.fit_within(self.width() // 4, self.height() // 3)
        self.overview.move(self.width() - self.overview.width() - 10, 10)

    def set_annotator(self, annotator: Annotator | None) -> None:
        self.annotator = self._annotator_overlay.annotator = annotator
        if annotator is not None:
            annotator.view, annotator.slide = self.state, self.source
            annotator.changed.connect(self._annotator_changed)

    def _annotator_changed(self, _sender: object) -> None:
        drawing = self.annotator is not None and self.annotator.tool.name not in ("select", "none")
        if self._drag_from is None:
            self.setCursor(Qt.CursorShape.CrossCursor if drawing else Qt.CursorShape.ArrowCursor)
        self.update()

    def _tolerance(self) -> float:
        return HIT_PX * self.state.downsample

    def _tool_call(self, call: Callable[[], object]) -> object:
        """Run a tool command; a refused edit (bad vector, store error) is shown, never lost silently."""
        try:
            return call()
        except (StoreError, ValueError) as err:
            self.editFailed.emit(f"Edit refused: {err}")
            return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        annotator = self.annotator if self.source is not None else None
        if event.button() == Qt.MouseButton.LeftButton and annotator is not None:
            x, y = self.state.widget_to_l0(pos.x(), pos.y())
            mods = event.modifiers()
            shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            alt = bool(mods & Qt.KeyboardModifier.AltModifier)
            if self._tool_call(lambda: annotator.press(x, y, self._tolerance(), shift, ctrl, alt)):
                self._tool_drag = True
                return
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton and self.annotator is not None and self.source is not None:
            x, y = self.state.widget_to_l0(pos.x(), pos.y())
            annotator = self.annotator
            if self._tool_call(lambda: annotator.double_click(x, y, self._tolerance())):
                return
        self.mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._drag_from is not None:
            delta = pos - self._drag_from
            self._drag_from = pos
            self.begin_interaction()
            self.state.pan_by_screen(delta.x(), delta.y())
        if self.source is not None:
            x, y = self.state.widget_to_l0(pos.x(), pos.y())
            if self.annotator is not None:
                self.annotator.move(x, y)
            self.cursorMoved.emit(x, y)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._tool_drag and self.annotator is not None:
            self._tool_drag = False
            pos = event.position()
            x, y = self.state.widget_to_l0(pos.x(), pos.y())
            annotator = self.annotator
            self._tool_call(lambda: annotator.release(x, y, self._tolerance()))
            return
        self._drag_from = None
        self._annotator_changed(None)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        notches = event.angleDelta().y() / 120
        shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if shift and self.annotator is not None and self.annotator.wheel(notches or event.angleDelta().x() / 120):
            return  # the brush's size (Qt may turn a Shift+wheel into a horizontal one)
        if notches and self.source is not None:
            self.begin_interaction()
            pos = event.position()
            self.state.zoom_at(_WHEEL_STEP**notches, pos.x(), pos.y())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        step = _KEY_PAN * (4 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
        moves = {
            Qt.Key.Key_Left: (step, 0),
            Qt.Key.Key_Right: (-step, 0),
            Qt.Key.Key_Up: (0, step),
            Qt.Key.Key_Down: (0, -step),
        }
        key = event.key()
        if self.annotator is not None and self._annotator_key(event):
            return
        if key in moves:
            self.begin_interaction()
            self.state.pan_by_screen(*moves[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key in (Qt.Key.Key_H, Qt.Key.Key_Home):
            self.fit()
        elif key == Qt.Key.Key_R:
            self.rotate()
        elif key == Qt.Key.Key_F:
            self.flip()
        else:
            super().keyPressEvent(event)

    def _annotator_key(self, event: QKeyEvent) -> bool:
        annotator = self.annotator
        assert annotator is not None
        key = event.key()
        if key == Qt.Key.Key_Escape and (annotator.drawing or annotator.selection):
            annotator.cancel()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and annotator.drawing:
            return bool(self._tool_call(annotator.finish))
        if key == Qt.Key.Key_Backspace and annotator.drawing:
            return annotator.undo_vertex()
        return False

    def closeEvent(self, event: object) -> None:  # noqa: N802
        if self.loader:
            self.loader.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]


__all__ = ["SlideError", "SlideView"]
