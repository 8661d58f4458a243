"""The review's current candidate, marked on the slide: corner brackets a little outside its box,
dark under yellow so they read on any stain, and never over the object itself.

The slide view is centred on the candidate during a review, but among thousands of nuclei of one
colour a person could not tell which one the crop shows (an outside tester's finding).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QPen

from exact_desktop.model.view_state import ViewState
from exact_desktop.viewer.overlay import AreaReady

MARGIN_PX = 6  # screen pixels between the box and the brackets
ARM = 0.3  # a bracket's arms: this share of the marked side, at least ARM_MIN_PX
ARM_MIN_PX = 6
YELLOW = QColor(255, 212, 0)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in level-0 pixels


class CandidateMarker:
    """An overlay; `mark` says which box of which image, `None` takes the mark away."""

    complete = True  # drawn from two numbers, nothing made elsewhere

    def __init__(self, image_of_view: Callable[[], int | None]) -> None:
        self.image_of_view = image_of_view
        self.wanted: Callable[[], bool] = lambda: True  # the review on screen (not behind another tab)
        self.image: int | None = None
        self.box: Box | None = None
        self._repaint: AreaReady | None = None

    def attach(self, on_ready: AreaReady) -> None:
        self._repaint = on_ready

    def mark(self, image: int | None, box: Box | None) -> None:
        if (image, box) == (self.image, self.box):
            return
        self.image, self.box = image, box
        if self._repaint is not None:
            self._repaint(None)

    def paint(self, painter: QPainter, state: ViewState) -> None:
        box = self.box
        if box is None or self.image is None or self.image != self.image_of_view() or any(map(math.isnan, box)):
            return
        if not self.wanted():
            return
        x0, y0, x1, y1 = box
        corners = [state.l0_to_screen(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]  # rotated or flipped: the screen's box
        left, top = min(xs) - MARGIN_PX, min(ys) - MARGIN_PX
        right, bottom = max(xs) + MARGIN_PX, max(ys) + MARGIN_PX
        arm_x = max(ARM_MIN_PX, ARM * (right - left))
        arm_y = max(ARM_MIN_PX, ARM * (bottom - top))
        painter.save()
        for pen in (QPen(QColor(0, 0, 0, 170), 4), QPen(YELLOW, 2)):
            painter.setPen(pen)
            for cx, cy, dx, dy in (
                (left, top, 1, 1),
                (right, top, -1, 1),
                (right, bottom, -1, -1),
                (left, bottom, 1, -1),
            ):
                corner = QPointF(cx, cy)
                painter.drawLine(corner, QPointF(cx + dx * arm_x, cy))
                painter.drawLine(corner, QPointF(cx, cy + dy * arm_y))
        painter.restore()
