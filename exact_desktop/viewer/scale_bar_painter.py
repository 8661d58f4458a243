"""Draws the scale bar in the viewer's lower-left corner."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter

from exact_desktop.model.scale_bar import choose_scale_bar


def paint_scale_bar(painter: QPainter, mpp: float, downsample: float, height: int) -> None:
    bar = choose_scale_bar(mpp * downsample)
    margin, bar_h = 12.0, 6.0
    metrics = painter.fontMetrics()
    text_w = metrics.horizontalAdvance(bar.label)
    box = QRectF(margin, height - margin - 28, max(bar.length_screen_px, text_w) + 12, 26)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(box, QColor(255, 255, 255, 200))
    painter.fillRect(QRectF(box.x() + 6, box.bottom() - 6 - bar_h, bar.length_screen_px, bar_h), Qt.GlobalColor.black)
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(QRectF(box.x() + 6, box.y() + 1, text_w + 2, 16), Qt.AlignmentFlag.AlignLeft, bar.label)
    painter.restore()
