"""The overview (minimap): the whole slide, the viewport rectangle, click or drag to jump."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from exact_desktop.model.view_state import ViewState


class OverviewWidget(QWidget):
    def __init__(self, state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._image: QImage | None = None
        # drawn over the thumbnail: paint(painter, thumbnail rectangle, screen px per level-0 px)
        self.decorations: list[Callable[[QPainter, QRectF, float], None]] = []
        self.state.changed.connect(self._state_changed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def fit_within(self, max_w: int, max_h: int) -> None:
        """Take the slide's aspect ratio within the given box (plus a 2 px frame)."""
        if self._image is None or self._image.width() == 0:
            return
        scale = min(max(60, max_w) / self._image.width(), max(45, max_h) / self._image.height(), 1.0)
        self.resize(round(self._image.width() * scale) + 4, round(self._image.height() * scale) + 4)

    def _state_changed(self, _state: object) -> None:
        self.update()

    def _image_rect(self) -> QRectF:
        return QRectF(2, 2, self.width() - 4, self.height() - 4)

    def _l0_per_px(self) -> float:
        return self.state.slide_width / max(1.0, self._image_rect().width())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self._image is None:
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 30, 220))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = self._image_rect()
        painter.drawImage(target, self._image)
        scale = 1 / self._l0_per_px()
        for decoration in self.decorations:
            decoration(painter, target, scale)
        region = self.state.visible_region()
        viewport = QRectF(
            target.x() + region.x * scale,
            target.y() + region.y * scale,
            max(3.0, region.w * scale),
            max(3.0, region.h * scale),
        ).intersected(target)
        painter.setPen(QPen(QColor(255, 40, 40), 2))
        painter.drawRect(viewport)
        painter.end()

    def _jump(self, pos: QPointF) -> None:
        target = self._image_rect()
        per_px = self._l0_per_px()
        self.state.center_on((pos.x() - target.x()) * per_px, (pos.y() - target.y()) * per_px)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._jump(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event.position())
