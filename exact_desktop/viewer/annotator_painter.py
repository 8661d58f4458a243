"""Draws what the annotation tools show over the overlay: the shape being drawn, the selection
(outlined twice, dark under light, so it reads on any stain) and the handles to drag."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from exact_desktop.annotating.annotator import Annotator, Preview
from exact_desktop.model.view_state import ViewState
from exact_desktop.viewer.overlay import AreaReady

HIT_PX = 6  # screen pixels: how near a click must be to a line, a point or a handle
_HANDLE_PX = 7
_POINT_PX = 6


class AnnotatorOverlay:
    """The annotation tools' preview as an overlay: the view paints it last, over every layer."""

    complete = True  # drawn from the annotator's state, nothing made elsewhere

    def __init__(self) -> None:
        self.annotator: Annotator | None = None  # the annotation tools, when a project is open

    def paint(self, painter: QPainter, state: ViewState) -> None:
        if self.annotator is not None:
            paint_annotator(painter, state, self.annotator)

    def attach(self, on_ready: AreaReady) -> None:
        """Nothing to announce: the annotator's changes repaint the view themselves."""


def paint_annotator(painter: QPainter, state: ViewState, annotator: Annotator) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for preview in annotator.previews():
        _paint_preview(painter, state, preview)
    handles = annotator.handle_points()
    if len(handles):
        painter.setPen(QPen(QColor(20, 20, 20), 1))
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        half = _HANDLE_PX / 2
        for x, y in handles:
            sx, sy = state.l0_to_screen(float(x), float(y))
            painter.drawRect(QRectF(sx - half, sy - half, _HANDLE_PX, _HANDLE_PX))
    painter.restore()


def _paint_preview(painter: QPainter, state: ViewState, preview: Preview) -> None:
    points = [QPointF(*state.l0_to_screen(float(x), float(y))) for x, y in preview.nodes]
    if not points:
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if preview.role == "band":
        painter.setPen(QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine))
        painter.setBrush(QBrush(QColor(255, 255, 255, 40)))
        painter.drawPolygon(QPolygonF(points))
        return
    colour = QColor(preview.colour)
    widths = (4, 2) if preview.role == "selected" else (3, 1.5)
    for pen in (QPen(QColor(0, 0, 0, 160), widths[0]), QPen(colour.lighter(130), widths[1])):
        if preview.role == "drawing":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if preview.circle and len(points) == 2:
            radius = math.hypot(points[1].x() - points[0].x(), points[1].y() - points[0].y())
            painter.drawEllipse(points[0], radius, radius)
        elif len(points) == 1:
            painter.drawEllipse(points[0], _POINT_PX, _POINT_PX)
        elif preview.closed and preview.holes:
            painter.drawPath(_with_holes(state, points, preview))
        elif preview.closed:
            painter.drawPolygon(QPolygonF(points))
        else:
            painter.drawPolyline(QPolygonF(points))


def _with_holes(state: ViewState, outer: list[QPointF], preview: Preview) -> QPainterPath:
    """The outer ring and every hole as one odd-even path: each ring outlined, the holes left open."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    path.addPolygon(QPolygonF(outer))
    path.closeSubpath()
    for hole in preview.holes:
        path.addPolygon(QPolygonF([QPointF(*state.l0_to_screen(float(x), float(y))) for x, y in hole]))
        path.closeSubpath()
    return path
