"""Draws the visible result layers of the shown image: boxes and polygons in their type's colour.

Each paint asks the spatial index for the viewport only, with the layer's score threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

from exact_desktop.model.entities import PluginResultBitmap
from exact_desktop.model.jobs import LayerList
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.limits import MAX_BITMAP_PIXELS, ImageTooLargeError, check_pixels
from exact_desktop.store.base import Store, ViewportObjects, ViewportQuery


class ResultOverlay:
    def __init__(self, store: Store, layers: LayerList, image_of_view: Callable[[], int | None]) -> None:
        self.store, self.layers, self.image_of_view = store, layers, image_of_view
        self._colours: dict[int, QColor] = {}
        self._bitmap_rows: dict[int, list[PluginResultBitmap]] = {}
        self._pictures: dict[int, tuple[float, QImage]] = {}
        self.drawn = 0  # objects drawn in the last paint (what a person sees; tests read it)
        self.drawn_bitmaps = 0

    @property
    def bitmap_folder(self) -> Path:
        return self.store.bitmap_folder  # type: ignore[attr-defined,no-any-return]

    def paint(self, painter: QPainter, state: ViewState) -> None:
        self.drawn = 0
        self.drawn_bitmaps = 0
        image = self.image_of_view()
        if image is None:
            return
        region = state.visible_region()
        for layer in self.layers.for_image(image):
            if not layer.visible:
                continue
            painter.setOpacity(layer.opacity)
            for bitmap in self._bitmaps(layer.entry):
                self._draw_bitmap(painter, state, bitmap, layer.threshold)
            found = self.store.viewport(ViewportQuery(image, region, entries=(layer.entry,), min_score=layer.threshold))
            self._draw(painter, state, found)
        painter.setOpacity(1.0)

    def refresh(self) -> None:
        """Results changed (a job wrote more): read the bitmap rows again at the next paint."""
        self._bitmap_rows.clear()

    def _bitmaps(self, entry: int) -> list[PluginResultBitmap]:
        found = self._bitmap_rows.get(entry)
        if found is None:
            found = self._bitmap_rows[entry] = self.store.list(PluginResultBitmap, pluginresultentry=entry)
        return found

    def _draw_bitmap(self, painter: QPainter, state: ViewState, bitmap: PluginResultBitmap, threshold: float) -> None:
        """Heatmaps (1 channel) coloured with a perceptual map, values under the threshold clear."""
        made_for, picture = self._pictures.get(bitmap.id, (None, QImage()))  # type: ignore[arg-type]
        if made_for != threshold:  # one picture per bitmap, for the threshold shown
            picture = heatmap_image(self.bitmap_folder / bitmap.bitmap, bitmap.channels, threshold)
            self._pictures[bitmap.id] = (threshold, picture)  # type: ignore[index]
        rect = bitmap.location_rect
        x, y = state.l0_to_screen(rect.get("x", 0), rect.get("y", 0))
        painter.drawImage(
            QRectF(x, y, rect.get("w", 0) / state.downsample, rect.get("h", 0) / state.downsample), picture
        )
        self.drawn_bitmaps += 1

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


def heatmap_image(path: Path, channels: int, threshold: float) -> QImage:
    """A bitmap file as a paintable image: heatmaps through the viridis map, clear below threshold."""
    try:  # a file in the project that declares too many pixels is not decoded at all
        check_pixels(path, MAX_BITMAP_PIXELS, f"bitmap {path.name}")
    except (ImageTooLargeError, OSError):
        return QImage()
    raw = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_UNCHANGED)
    if raw is None:
        return QImage()
    if channels == 1 or raw.ndim == 2:
        grey = raw if raw.ndim == 2 else raw[..., 0]
        rgba = cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_VIRIDIS), cv2.COLOR_BGR2RGBA)
        rgba[..., 3] = np.where(grey >= threshold * 255, 255, 0).astype(np.uint8)
    else:
        rgba = cv2.cvtColor(raw[..., :3], cv2.COLOR_BGR2RGBA)
    rgba = np.ascontiguousarray(rgba)
    height, width = rgba.shape[:2]
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()
