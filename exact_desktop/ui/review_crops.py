"""Candidate crops as Qt images, cached: what the review panel and the audit dialog show."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from exact_desktop.model import entities as e
from exact_desktop.review.crops import crop_around, downsample_for, draw_outline
from exact_desktop.review.session import Candidate, ReviewSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.viewer.qimage_convert import rgb_to_qimage

CACHED_CROPS = 128


class CropCache:
    def __init__(self, session: ReviewSession, source_of: Callable[[int], SlideSource | None]) -> None:
        self.session, self.source_of = session, source_of
        self.magnification = 20.0
        self._crops: OrderedDict[tuple[int, float, int], QImage] = OrderedDict()

    def crop(self, c: Candidate, side: int) -> QImage:
        """The candidate's crop with its outline, from the cache when it was fetched ahead."""
        key = (c.id, self.magnification, side)
        image = self._crops.get(key)
        if image is None:
            image = self._crops[key] = self._render(c, side)
            while len(self._crops) > CACHED_CROPS:
                self._crops.popitem(last=False)
        return image

    def _render(self, c: Candidate, side: int) -> QImage:
        source = self.source_of(c.image)
        if source is None:
            blank = QImage(side, side, QImage.Format.Format_RGB888)
            blank.fill(Qt.GlobalColor.darkGray)
            return blank
        crop = crop_around(source, c.centre, side, downsample_for(source, self.magnification))
        kept = c.chosen_type or c.annotation_type
        known = self.session.types.get(kept)
        colour = QColor(known.color_code if known else "#ffff00")
        shape = known.vector_type if known else e.VectorType.POLYGON
        rgb = (colour.red(), colour.green(), colour.blue())
        drawn = draw_outline(crop, self.session.result(c).vector, shape, rgb, dashed=c.state == "undecided")
        return rgb_to_qimage(drawn)
