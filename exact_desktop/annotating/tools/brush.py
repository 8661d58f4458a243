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
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating.tools.base import Host, Preview
from exact_desktop.annotating.tools.painting import PaintingTool

DEFAULT_RADIUS_PX = 20.0  # screen pixels
RADIUS_RANGE_PX = (2.0, 400.0)
_WHEEL_STEP = 1.15  # per wheel notch


class BrushTool(PaintingTool):
    name, title = "brush", "Brush"
    hint = "Brush (p): paint to add; Alt+paint erases; Shift+wheel sizes the brush; Escape ends"
    radius_px = DEFAULT_RADIUS_PX  # kept for the next time the brush is taken up

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self._last: tuple[float, float] | None = None  # the stroke's previous point

    @property
    def radius(self) -> float:
        """In level-0 pixels, at the zoom shown now."""
        return self.radius_px * self.annotator.downsample

    def stroke(self, x: float, y: float) -> BaseGeometry | None:
        last = self._last
        self._last = (x, y)
        if last is None or last == (x, y):
            return Point(x, y).buffer(self.radius)
        return LineString([last, (x, y)]).buffer(self.radius)

    def begin(self, x: float, y: float) -> bool:
        self._last = None
        return True

    def wheel(self, notches: float) -> bool:
        low, high = RADIUS_RANGE_PX
        type(self).radius_px = min(high, max(low, self.radius_px * _WHEEL_STEP**notches))
        self.annotator.say(f"Brush radius {self.radius_px:.0f} screen px")
        return True

    def previews(self) -> list[Preview]:
        out = super().previews()
        if self.cursor is not None:
            x, y = self.cursor
            out.append(Preview(np.array([(x, y), (x + self.radius, y)]), True, "brush", circle=True))
        return out
