"""The wand (QuPath's, `w`): press and drag over a region; each move adds the connected area
whose colour is like the clicked one (`wand_fill`), merged while dragging; Alt subtracts. It
works on the selected polygon, or makes a new polygon of the active type; the release stores
one undoable edit."""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating.displayed import DisplayedImage
from exact_desktop.annotating.tools.base import Host
from exact_desktop.annotating.tools.painting import PaintingTool
from exact_desktop.annotating.wand_fill import LikePixels, reference_colour, wand_area


class WandTool(PaintingTool):
    name, title = "wand", "Wand"
    hint = "Wand (w): press and drag over a region to outline it; Alt+drag subtracts; Escape ends"
    simplify_px = 1.0  # the fill's outline steps from pixel to pixel: its stairs go, its shape stays

    def __init__(self, annotator: Host) -> None:
        super().__init__(annotator)
        self.image: DisplayedImage | None = None  # read at the press, used by the whole drag
        self.like: LikePixels | None = None

    def begin(self, x: float, y: float) -> bool:
        self.image = self.annotator.pixels()
        pixel = self.image.pixel_of(x, y) if self.image is not None else None
        if self.image is None or pixel is None:
            self.annotator.say("Wand: press on the slide")
            return False
        self.like = LikePixels(self.image, reference_colour(self.image, *pixel))
        return True

    def stroke(self, x: float, y: float) -> BaseGeometry | None:
        pixel = self.image.pixel_of(x, y) if self.image is not None else None
        if pixel is None or self.like is None:
            return None
        return wand_area(self.like, *pixel)

    def release(self, x: float, y: float, tolerance: float) -> None:
        super().release(x, y, tolerance)
        self.image, self.like = None, None
