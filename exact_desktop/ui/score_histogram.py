"""The score histogram of a review's candidates, the threshold drawn across it and the count above."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class ScoreHistogram(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = np.zeros(20, np.int64)
        self.threshold, self.above, self.of = 0.5, 0, 0
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_counts(self, counts: np.ndarray, threshold: float, above: int, of: int) -> None:
        """`above` of the queue's `of` candidates score at least `threshold`."""
        self.counts, self.threshold, self.above, self.of = counts, threshold, above, of
        self.setToolTip(f"{above:,} of the {of:,} candidates in the queue score at least {threshold:.2f}")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        width, height = self.width(), self.height() - 16
        painter.fillRect(self.rect(), QColor("#f4f4f4"))
        top = max(int(self.counts.max()), 1) if len(self.counts) else 1
        bar = width / max(len(self.counts), 1)
        for i, count in enumerate(self.counts.tolist()):
            above = (i + 0.5) / len(self.counts) >= self.threshold
            h = height * count / top
            colour = QColor("#2a7ab0" if above else "#b0b0b0")
            painter.fillRect(QRectF(i * bar + 1, 16 + height - h, bar - 2, h), colour)
        x = self.threshold * width
        painter.setPen(QPen(QColor("#d03030"), 2))
        painter.drawLine(int(x), 14, int(x), self.height())
        painter.setPen(QColor("#202020"))
        painter.drawText(self.rect().adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight,
                         f"{self.above:,} of {self.of:,} at or above {self.threshold:.2f}")  # fmt: skip
        painter.end()
