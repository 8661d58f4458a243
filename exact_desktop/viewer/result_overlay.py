"""Draws the visible result layers of the shown image: boxes and polygons in their type's colour.

Each paint asks the spatial index for the viewport only, with the layer's score threshold.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from exact_desktop.model.jobs import LayerList
from exact_desktop.model.view_state import ViewState
from exact_desktop.store.base import Store, ViewportObjects, ViewportQuery


class ResultOverlay:
    def __init__(self, store: Store, layers: LayerList, image_of_view: Callable[[], int | None]) -> None:
        self.store, self.layers, self.image_of_view = store, layers, image_of_view
        self._colours: dict[int, QColor] = {}
        self.drawn = 0  # objects drawn in the last paint (what a person sees; tests read it)

    def paint(self, painter: QPainter, state: ViewState) -> None:
        self.drawn = 0
        image = self.image_of_view()
        if image is None:
            return
        region = state.visible_region()
        for layer in self.layers.for_image(image):
            if not layer.visible:
                continue
            found = self.store.viewport(ViewportQuery(image, region, entries=(layer.entry,), min_score=layer.threshold))
            painter.setOpacity(layer.opacity)
            self._draw(painter, state, found)
        painter.setOpacity(1.0)

    def _draw(self, painter: QPainter, state: ViewState, found: ViewportObjects) -> None:
        scale = 1 / state.downsample
        ox, oy = state.l0_to_screen(0, 0)
        for i in range(len(found)):
            pen = QPen(self._colour(int(found.types[i])), 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            nodes = found.nodes_of(i)
            if len(nodes) == 2:
                x0, y0, x1, y1 = found.bboxes[i]
                painter.drawRect(QRectF(ox + x0 * scale, oy + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale))
            else:
                painter.drawPolygon(QPolygonF([QPointF(ox + x * scale, oy + y * scale) for x, y in nodes]))
        self.drawn += len(found)

    def _colour(self, type_id: int) -> QColor:
        colour = self._colours.get(type_id)
        if colour is None:
            from exact_desktop.model.entities import AnnotationType

            colour = self._colours[type_id] = QColor(self.store.get(AnnotationType, type_id).color_code)
        return colour
