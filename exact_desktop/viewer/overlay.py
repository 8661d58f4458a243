"""What the slide view draws over its tiles: one small interface, after QuPath's overlays.

The view paints its overlays in order, the annotation tools' preview always last, and asks
each whether it has all it needs for the frame (a finished frame is announced once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtGui import QPainter

from exact_desktop.model.geometry import Rect
from exact_desktop.model.view_state import ViewState

AreaReady = Callable[[Rect | None], None]  # repaint a level-0 rectangle (None: everything), from any thread


class Overlay(Protocol):
    def paint(self, painter: QPainter, state: ViewState) -> None:
        """Draw over the tiles, in the view's frame."""

    @property
    def complete(self) -> bool:
        """False while something the last paint needed is still being made."""

    def attach(self, on_ready: AreaReady) -> None:
        """The view's callback for when a part of this overlay can be drawn anew."""
