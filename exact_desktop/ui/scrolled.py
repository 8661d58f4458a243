"""A dock's panel in a scroll area: what does not fit the room the dock gets scrolls, instead of
making the window taller than the screen or drawing over the dock below."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QScrollArea, QWidget


class FittingScrollArea(QScrollArea):
    """Gives its panel the whole room, never less than the panel's minimum (then it scrolls).
    Not Qt's `widgetResizable`: with word-wrapped labels that sizes the panel by its preferred
    height for the width, so crops that could shrink to fit would scroll instead."""

    def __init__(self, panel: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(panel)
        panel.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """The room without scrollbars, less a scrollbar's only where one is needed: measured on the
        viewport as it is, a scrollbar shown once (a small dock) stayed when the dock grew."""
        room, least = self.maximumViewportSize(), self.widget().minimumSizeHint()
        width, height = room.width(), room.height()
        if least.height() > height:
            width -= self.verticalScrollBar().sizeHint().width()
        if least.width() > width:
            height -= self.horizontalScrollBar().sizeHint().height()
        self.widget().resize(max(width, least.width()), max(height, least.height()))


def scrolled(panel: QWidget) -> QScrollArea:
    return FittingScrollArea(panel)
