"""EXACT's polygon edit tools on the selected polygon: `s` scissor cuts a drawn area out of it,
`g` glue adds a drawn area to it, `d` knife splits it along a drawn line.

The area or line is drawn either freehand (press, drag, release) or by clicks (double-click or
Enter ends). Each gesture is one undoable edit, stored at once; the tool stays on for the next
cut until Escape, its key again, or a selection that is not one polygon.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating import reshape
from exact_desktop.annotating.tools.base import Host, Preview, Tool
from exact_desktop.model import regions
from exact_desktop.model.entities import Annotation
from exact_desktop.model.shapes import CLOSED

_FREEHAND_STEP = 0.4  # of the hit tolerance: how far the pointer moves before a freehand node is added


def single_polygon(annotator: Host) -> Annotation | None:
    """The one selected annotation, when it is a polygon; else None."""
    selected = annotator.selected
    if len(selected) == 1 and annotator.vector_type(selected[0]) in CLOSED and selected[0].vector:
        return selected[0]
    return None


class PolygonEditTool(Tool):
    """Draw an outline (or a line: `closed` False), then `operate` on the selected polygon."""

    temporary = True
    closed = True
    label = ""  # the undo entry
    colour = "#FFFFFF"
    unchanged = ""  # said when the gesture changes nothing

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.points: list[tuple[float, float]] = []
        self.cursor: tuple[float, float] | None = None
        self._held_step: float | None = None  # while the first press is held: the freehand node spacing

    @classmethod
    def refusal(cls, annotator: Host) -> str | None:
        if single_polygon(annotator) is None:
            return f"{cls.title}: select one polygon first (c for select mode, then click it)"
        return None

    @property
    def min_nodes(self) -> int:
        return 3 if self.closed else 2

    def fits(self) -> bool:
        return single_polygon(self.annotator) is not None

    def operate(self, area: BaseGeometry, points: np.ndarray) -> list[Polygon] | None:
        raise NotImplementedError

    # --- the gesture ------------------------------------------------------------------------
    def press(self, x: float, y: float, tolerance: float, shift: bool, ctrl: bool, alt: bool = False) -> bool:
        self.points.append((x, y))
        self.cursor = (x, y)
        first = len(self.points) == 1  # only a drag from the first node draws freehand
        self._held_step = tolerance * _FREEHAND_STEP if first else None
        return True

    def move(self, x: float, y: float) -> bool:
        self.cursor = (x, y)
        if self._held_step is not None and self.points:
            last = self.points[-1]
            if math.hypot(x - last[0], y - last[1]) >= self._held_step:
                self.points.append((x, y))
        return bool(self.points)

    def release(self, x: float, y: float, tolerance: float) -> None:
        freehand, self._held_step = self._held_step is not None, None
        if freehand and len(self.points) >= self.min_nodes:
            self.finish()  # else the press was the first click of an outline drawn by clicks

    def double_click(self, x: float, y: float, tolerance: float) -> bool:
        if not self.points:
            return False
        self.points.append((x, y))
        self.finish()
        return True

    def finish(self) -> bool:
        points, self.points, self._held_step = self.points, [], None
        nodes = _without_repeats(points)
        target = single_polygon(self.annotator)
        if target is None or len(nodes) < self.min_nodes:
            return False
        area = regions.polygon_of(target.vector, target.meta_data)
        pieces = self.operate(area, nodes)
        if pieces is None:
            self.annotator.say(self.unchanged)
            return False
        self.annotator.reshape(self.label, target, pieces)
        return True

    def cancel(self) -> bool:
        had, self.points, self._held_step = bool(self.points), [], None
        return had

    def undo_vertex(self) -> bool:
        if not self.points:
            return False
        self.points.pop()
        return True

    @property
    def drawing(self) -> bool:
        return bool(self.points)

    def previews(self) -> list[Preview]:
        if not self.points:
            return []
        nodes = self.points + ([self.cursor] if self.cursor and self._held_step is None else [])
        return [Preview(np.array(nodes), self.closed, "drawing", self.colour)]


class ScissorTool(PolygonEditTool):
    name, title, label, colour = "scissor", "Scissor", "Cut polygon", "#FF5050"
    hint = "Scissor (s): draw the area to cut out of the polygon (drag, or clicks and Enter); Escape ends"
    unchanged = "Scissor: the drawn area does not overlap the polygon; nothing changed"

    def operate(self, area: BaseGeometry, points: np.ndarray) -> list[Polygon] | None:
        return reshape.cut(area, regions.area_of(points))


class GlueTool(PolygonEditTool):
    name, title, label, colour = "glue", "Glue", "Glue to polygon", "#50FF50"
    hint = "Glue (g): draw the area to add to the polygon (drag, or clicks and Enter); Escape ends"
    unchanged = "Glue: the drawn area does not touch the polygon; nothing changed"

    def operate(self, area: BaseGeometry, points: np.ndarray) -> list[Polygon] | None:
        return reshape.glue(area, regions.area_of(points))


class KnifeTool(PolygonEditTool):
    name, title, label, colour = "knife", "Knife", "Split polygon", "#FFE040"
    hint = "Knife (d): draw a line across the polygon to split it (drag, or clicks and Enter); Escape ends"
    closed = False
    unchanged = "Knife: draw the line across the polygon, from outside to outside; nothing changed"

    def operate(self, area: BaseGeometry, points: np.ndarray) -> list[Polygon] | None:
        return reshape.split(area, LineString(points))


def _without_repeats(points: list[tuple[float, float]]) -> np.ndarray:
    """The nodes with repeats in a row dropped (a double-click's own press, a still pointer)."""
    nodes = np.array(points, dtype=np.float64).reshape(-1, 2)
    if len(nodes) < 2:
        return nodes
    keep = np.concatenate([[True], np.hypot(*np.diff(nodes, axis=0).T) > 1e-6])
    return np.asarray(nodes[keep])
