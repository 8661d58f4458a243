"""The tools that draw a new annotation of the active type, one per way of drawing."""

from __future__ import annotations

import math

import numpy as np

from exact_desktop.annotating.tools.base import Host, Preview, Tool
from exact_desktop.model import shapes
from exact_desktop.model.entities import VectorType

CIRCLE_NODES = 48


class _Drawing(Tool):
    def colour(self) -> str:
        active = self.annotator.active
        return active.color_code if active else "#FFFFFF"


class BoxTool(_Drawing):
    """Drag from corner to corner."""

    name = "box"

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.start: tuple[float, float] | None = None
        self.end = (0.0, 0.0)

    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        self.start = self.end = (x, y)
        return True

    def move(self, x: float, y: float) -> bool:
        if self.start is None:
            return False
        self.end = (x, y)
        return True

    def release(self, x: float, y: float, tolerance: float) -> None:
        if self.start is None:
            return
        start, self.start = self.start, None
        self.end = (x, y)
        self.store_shape(start, (x, y), tolerance)

    def store_shape(self, start: tuple[float, float], end: tuple[float, float], tolerance: float) -> None:
        if abs(end[0] - start[0]) >= tolerance and abs(end[1] - start[1]) >= tolerance:
            self.annotator.create(shapes.box_vector(*start, *end))

    def cancel(self) -> bool:
        had, self.start = self.start is not None, None
        return had

    @property
    def drawing(self) -> bool:
        return self.start is not None

    def previews(self) -> list[Preview]:
        if self.start is None:
            return []
        return [Preview(shapes.handles(shapes.box_vector(*self.start, *self.end), 1), True, "drawing", self.colour())]


class CircleTool(BoxTool):
    """Press the centre, drag out the radius. A polygon type keeps the circle as a polygon of
    CIRCLE_NODES nodes (drawn as a circle everywhere, EXACT's web client included); a box type
    keeps the box around it, EXACT's form for circles (NOTES), which draws as that box."""

    name = "circle"

    def store_shape(self, start: tuple[float, float], end: tuple[float, float], tolerance: float) -> None:
        radius = math.hypot(end[0] - start[0], end[1] - start[1])
        if radius < tolerance:
            return
        active = self.annotator.active
        if active is not None and active.vector_type == VectorType.POLYGON:
            self.annotator.create(shapes.circle_polygon(*start, radius, CIRCLE_NODES))
        else:
            self.annotator.create(shapes.circle_vector(*start, radius))

    def previews(self) -> list[Preview]:
        if self.start is None:
            return []
        return [Preview(np.array([self.start, self.end]), True, "drawing", self.colour(), circle=True)]


class ClickTool(_Drawing):
    """One click: a point, or a fixed-size box of the type's default size centred there."""

    name = "click"

    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        active = self.annotator.active
        assert active is not None
        if active.vector_type == VectorType.FIXED_SIZE_BOUNDING_BOX:
            w, h = active.default_width / 2, active.default_height / 2
            self.annotator.create(shapes.box_vector(x - w, y - h, x + w, y + h))
        else:
            self.annotator.create(shapes.vector_of([(x, y)]))
        return True


class PathTool(_Drawing):
    """Line (two clicks, or a drag), multi-line and polygon (clicks; double-click or Enter ends,
    a click on the first vertex closes a polygon; Ctrl+Z removes the last vertex)."""

    name = "path"

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.nodes: list[tuple[float, float]] = []
        self.cursor: tuple[float, float] | None = None
        self._pressed_at: tuple[float, float] | None = None

    @property
    def vector_type(self) -> int:
        active = self.annotator.active
        return active.vector_type if active else VectorType.LINE

    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        self.cursor = (x, y)
        if self.vector_type == VectorType.LINE:
            if self.nodes:
                self.nodes.append((x, y))
                self.finish()
            else:
                self.nodes = [(x, y)]
                self._pressed_at = (x, y)
            return True
        first = self.nodes[0] if self.nodes else None
        closes = self.vector_type == VectorType.POLYGON and first is not None and len(self.nodes) >= 3
        if closes and math.hypot(x - first[0], y - first[1]) <= tolerance:  # type: ignore[index]
            self.finish()
        else:
            self.nodes.append((x, y))
        return True

    def move(self, x: float, y: float) -> bool:
        self.cursor = (x, y)
        return bool(self.nodes)

    def release(self, x: float, y: float, tolerance: float) -> None:
        start, self._pressed_at = self._pressed_at, None
        if start is not None and math.hypot(x - start[0], y - start[1]) >= tolerance:
            self.nodes.append((x, y))  # a line dragged out in one go
            self.finish()

    def double_click(self, x: float, y: float, tolerance: float) -> bool:
        if not self.nodes:
            return False
        if not _same(self.nodes[-1], (x, y)):
            self.nodes.append((x, y))  # a double-click that came without its first press
        self.finish()
        return True

    def finish(self) -> bool:
        nodes, self.nodes, self._pressed_at = self.nodes, [], None
        while len(nodes) >= 2 and _same(nodes[-1], nodes[-2]):
            nodes = nodes[:-1]  # the double-click's own press
        if len(nodes) < shapes.MIN_NODES.get(VectorType(self.vector_type), 1):
            return False
        self.annotator.create(shapes.vector_of(nodes))
        return True

    def cancel(self) -> bool:
        had, self.nodes, self._pressed_at = bool(self.nodes), [], None
        return had

    def undo_vertex(self) -> bool:
        if not self.nodes:
            return False
        self.nodes.pop()
        return True

    @property
    def drawing(self) -> bool:
        return bool(self.nodes)

    def previews(self) -> list[Preview]:
        if not self.nodes:
            return []
        nodes = self.nodes + ([self.cursor] if self.cursor else [])
        return [Preview(np.array(nodes), self.vector_type == VectorType.POLYGON, "drawing", self.colour())]


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
