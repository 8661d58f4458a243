"""A picture drawn at the size the layout gives it, aspect kept: a crop asks for its natural
size but makes do with less, so a dock of crops never makes the window taller than the screen."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ScaledPicture(QLabel):
    def __init__(self, natural: int, smallest: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture = QPixmap()
        self._natural = natural
        self.setMinimumSize(smallest, smallest)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def setPixmap(self, pixmap: QPixmap) -> None:  # noqa: N802 - Qt's name
        super().setText("")
        self._picture = pixmap
        self.update()

    def pixmap(self) -> QPixmap:
        return self._picture

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._picture = QPixmap()
        super().setText(text)

    def clear(self) -> None:
        self._picture = QPixmap()
        super().clear()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._natural, self._natural)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)  # the background, border or text
        if self._picture.isNull():
            return
        area = self.contentsRect()
        target = QRect(area.topLeft(), self._picture.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio))
        target.moveCenter(area.center())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(target, self._picture)
