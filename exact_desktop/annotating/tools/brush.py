"""The brush (QuPath's, and EXACT's paint brush): paint to add to the selected polygon, or to
a new polygon of the active type; with Alt held at the press, paint erases. Shift+wheel sizes
the brush (EXACT's key). As in QuPath the size is kept in screen pixels, so the brush covers
the same part of the view at any zoom.

Each pointer move merges one short stroke segment into the shape (a union of its buffer, not a
repaint of the whole stroke), so a move costs about the same however long the stroke is; the
release stores the result as one undoable edit.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating.tools.base import Host, Preview, Tool
from exact_desktop.annotating.tools.polygon_edit import single_polygon
from exact_desktop.model import regions
from exact_desktop.model.entities import VectorType

DEFAULT_RADIUS_PX = 20.0  # screen pixels
RADIUS_RANGE_PX = (2.0, 400.0)
_WHEEL_STEP = 1.15  # per wheel notch
_SIMPLIFY_PX = 0.25  # screen pixels: the stored outline loses nothing one can see


class BrushTool(Tool):
    name, title, temporary = "brush", "Brush", True
    hint = "Brush (p): paint to add; Alt+paint erases; Shift+wheel sizes the brush; Escape ends"
    radius_px = DEFAULT_RADIUS_PX  # kept for the next time the brush is taken up

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.shape: BaseGeometry | None = None  # the painted result while a stroke is on
        self.erasing = False
        self.cursor: tuple[float, float] | None = None

    @classmethod
    def refusal(cls, annotator: Host) -> str | None:
        if single_polygon(annotator) is None and not _paints_new(annotator):
            return "Brush: select one polygon to paint on, or pick a polygon type (number key) to paint a new one"
        return None

    def fits(self) -> bool:
        return single_polygon(self.annotator) is not None or _paints_new(self.annotator)

    @property
    def radius(self) -> float:
        """In level-0 pixels, at the zoom shown now."""
        return self.radius_px * self.annotator.downsample

    # --- the gesture ------------------------------------------------------------------------
    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        target = single_polygon(self.annotator)
        self.erasing = alt
        self.shape = regions.polygon_of(target.vector, target.meta_data) if target else Polygon()
        self.cursor = (x, y)
        self._paint(Point(x, y).buffer(self.radius))
        return True

    def move(self, x: float, y: float) -> bool:
        last, self.cursor = self.cursor, (x, y)
        if self.shape is not None and last is not None and (x, y) != last:
            self._paint(LineString([last, (x, y)]).buffer(self.radius))
        return True  # the brush outline follows the pointer

    def _paint(self, dab: BaseGeometry) -> None:
        assert self.shape is not None
        self.shape = self.shape.difference(dab) if self.erasing else self.shape.union(dab)

    def release(self, x: float, y: float, tolerance: float) -> None:
        shape, self.shape = self.shape, None
        if shape is None:
            return
        shape = shapely.simplify(shape, _SIMPLIFY_PX * self.annotator.downsample, preserve_topology=True)
        pieces = regions.pieces_of(shape)
        target = single_polygon(self.annotator)
        if target is not None:
            self.annotator.reshape("Erase" if self.erasing else "Brush", target, pieces)
        elif pieces:
            self.annotator.create_polygons("Brush", pieces)

    def wheel(self, notches: float) -> bool:
        low, high = RADIUS_RANGE_PX
        type(self).radius_px = min(high, max(low, self.radius_px * _WHEEL_STEP**notches))
        self.annotator.say(f"Brush radius {self.radius_px:.0f} screen px")
        return True

    def cancel(self) -> bool:
        had, self.shape = self.shape is not None, None
        return had

    @property
    def drawing(self) -> bool:
        return self.shape is not None

    def previews(self) -> list[Preview]:
        out = []
        if self.shape is not None:
            colour = "#FF5050" if self.erasing else _colour(self.annotator)
            out += [Preview(ring, True, "drawing", colour) for ring in _rings(self.shape)]
        if self.cursor is not None:
            x, y = self.cursor
            out.append(Preview(np.array([(x, y), (x + self.radius, y)]), True, "brush", circle=True))
        return out


def _paints_new(annotator: Host) -> bool:
    active = annotator.active
    return not annotator.selection and active is not None and active.vector_type == VectorType.POLYGON


def _colour(annotator: Host) -> str:
    target = single_polygon(annotator)
    kind = annotator.type_of(target) if target else annotator.active
    return kind.color_code if kind else "#FFFFFF"


def _rings(shape: BaseGeometry) -> list[np.ndarray]:
    rings = []
    for polygon in shapely.get_parts(shape):
        if polygon.geom_type == "Polygon" and not polygon.is_empty:
            rings.append(np.asarray(polygon.exterior.coords)[:-1])
            rings += [np.asarray(hole.coords)[:-1] for hole in polygon.interiors]
    return rings
