"""Candidate crops as Qt images, cached: what the review panel and the audit dialog show."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from exact_desktop.model import entities as e
from exact_desktop.review.crops import Crop, crops_around, downsample_for, draw_outline
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
        return self.crops([c], side)[0]

    def crops(self, candidates: list[Candidate], side: int) -> list[QImage]:
        """Crops of many candidates (a gallery page): the missing ones read side by side."""
        keys = [(c.id, self.magnification, side) for c in candidates]
        missing = {k: c for k, c in zip(keys, candidates, strict=True) if k not in self._crops}
        if missing:
            self._crops.update(self._render(list(missing.values()), side))
        images = [self._crops[k] for k in keys]
        while len(self._crops) > max(CACHED_CROPS, 2 * len(keys)):
            self._crops.popitem(last=False)
        return images

    def _render(self, candidates: list[Candidate], side: int) -> dict[tuple[int, float, int], QImage]:
        results = self.session.store.get_many(e.PluginResultAnnotation, [c.id for c in candidates])
        rendered = {}
        for image, group in itertools.groupby(sorted(candidates, key=lambda c: c.image), key=lambda c: c.image):
            shown = list(group)
            source = self.source_of(image)
            if source is None:
                blank = QImage(side, side, QImage.Format.Format_RGB888)
                blank.fill(Qt.GlobalColor.darkGray)
                rendered.update({(c.id, self.magnification, side): blank for c in shown})
                continue
            crops = crops_around(source, [c.centre for c in shown], side, downsample_for(source, self.magnification))
            for c, crop in zip(shown, crops, strict=True):
                rendered[(c.id, self.magnification, side)] = self._outlined(c, crop, results[c.id].vector)
        return rendered

    def _outlined(self, c: Candidate, crop: Crop, vector: dict[str, Any] | None) -> QImage:
        kept = c.chosen_type or c.annotation_type
        known = self.session.types.get(kept)
        colour = QColor(known.color_code if known else "#ffff00")
        shape = known.vector_type if known else e.VectorType.POLYGON
        rgb = (colour.red(), colour.green(), colour.blue())
        return rgb_to_qimage(draw_outline(crop, vector, shape, rgb, dashed=c.state == "undecided"))
