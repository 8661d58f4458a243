"""What the brush and the wand share: a press starts a shape (the selected polygon's area, or
nothing for a new polygon of the active type), every move merges what the tool adds there (or,
with Alt held at the press, takes it away), and the release stores the result as one edit."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating.tools.base import Host, Preview, Tool
from exact_desktop.annotating.tools.polygon_edit import single_polygon
from exact_desktop.model import regions
from exact_desktop.model.entities import VectorType


class PaintingTool(Tool):
    temporary = True
    simplify_px = 0.25  # screen pixels: the stored outline loses nothing one can see

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.shape: BaseGeometry | None = None  # the result while a stroke is on
        self.erasing = False
        self.cursor: tuple[float, float] | None = None

    @classmethod
    def refusal(cls, annotator: Host) -> str | None:
        if single_polygon(annotator) is None and not _paints_new(annotator):
            return f"{cls.title}: select one polygon to add to, or pick a polygon type (number key) for a new one"
        return None

    def fits(self) -> bool:
        return single_polygon(self.annotator) is not None or _paints_new(self.annotator)

    def begin(self, x: float, y: float) -> bool:
        """Get ready for a stroke from (x, y); False when the tool cannot work there."""
        return True

    def stroke(self, x: float, y: float) -> BaseGeometry | None:
        """What the tool adds (or erases) for the pointer at (x, y), in level-0 pixels."""
        raise NotImplementedError

    # --- the gesture ------------------------------------------------------------------------
    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        self.cursor = (x, y)
        if not self.begin(x, y):
            return True
        target = single_polygon(self.annotator)
        self.erasing = alt
        self.shape = regions.polygon_of(target.vector, target.meta_data) if target else Polygon()
        self._merge(self.stroke(x, y))
        return True

    def move(self, x: float, y: float) -> bool:
        moved = self.cursor != (x, y)
        self.cursor = (x, y)
        if self.shape is not None and moved:
            self._merge(self.stroke(x, y))
        return True

    def _merge(self, part: BaseGeometry | None) -> None:
        if part is None or part.is_empty or self.shape is None:
            return
        self.shape = self.shape.difference(part) if self.erasing else self.shape.union(part)

    def release(self, x: float, y: float, tolerance: float) -> None:
        shape, self.shape = self.shape, None
        if shape is None:
            return
        shape = shapely.simplify(shape, self.simplify_px * self.annotator.downsample, preserve_topology=True)
        pieces = regions.pieces_of(shape)
        target = single_polygon(self.annotator)
        label = f"{self.title} erase" if self.erasing else self.title
        if target is not None:
            self.annotator.reshape(label, target, pieces)
        elif pieces:
            self.annotator.create_polygons(label, pieces)

    def cancel(self) -> bool:
        had, self.shape = self.shape is not None, None
        return had

    @property
    def drawing(self) -> bool:
        return self.shape is not None

    def previews(self) -> list[Preview]:
        if self.shape is None:
            return []
        colour = "#FF5050" if self.erasing else _colour(self.annotator)
        return [Preview(ring, True, "drawing", colour) for ring in _rings(self.shape)]


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
