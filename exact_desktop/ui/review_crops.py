"""Candidate crops as Qt images, cached: what the review panel and the audit dialog show.

Two caches: the slide's pixels around a candidate (read on the review's reader threads, ahead
of time when prefetched), and the pictures drawn from them, keyed by the candidate's decision
too, so an accepted candidate is drawn again in its new look from the same pixels.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from exact_desktop.model import entities as e
from exact_desktop.review.crops import downsample_for, draw_outline, readers
from exact_desktop.review.session import Candidate, ReviewSession
from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.crop import Crop, crop_around
from exact_desktop.viewer.qimage_convert import rgb_to_qimage

CACHED_CROPS = 128
V = TypeVar("V")


class CropCache:
    def __init__(self, session: ReviewSession, source_of: Callable[[int], SlideSource | None]) -> None:
        self.session, self.source_of = session, source_of
        self.magnification = 20.0
        self._pixels: OrderedDict[Hashable, Future[Crop] | None] = OrderedDict()  # None: no slide to read
        self._drawn: OrderedDict[Hashable, QImage] = OrderedDict()

    def crop(self, c: Candidate, side: int) -> QImage:
        """The candidate's crop with its outline, from the cache when it was fetched ahead."""
        return self.crops([c], side)[0]

    def crops(self, candidates: list[Candidate], side: int) -> list[QImage]:
        """Crops of many candidates (a gallery page): the missing ones read side by side."""
        keys = [(c.id, self.magnification, side, c.state, c.chosen_type) for c in candidates]
        missing = [c for k, c in zip(keys, candidates, strict=True) if k not in self._drawn]
        if missing:
            self.prefetch(missing, side)
            results = self.session.book.results([c.id for c in missing])
            for c in missing:
                pixels = self._pixels[self._pixel_key(c, side)]
                image = _blank(side) if pixels is None else self._outlined(c, pixels.result(), results[c.id].vector)
                self._drawn[(c.id, self.magnification, side, c.state, c.chosen_type)] = image
        images = [self._drawn[k] for k in keys]
        for k in keys:
            self._drawn.move_to_end(k)
        _bound(self._drawn, max(CACHED_CROPS, 2 * len(keys)))
        return images

    def prefetch(self, candidates: Sequence[Candidate], side: int) -> None:
        """Start reading the candidates' pixels on the reader threads; returns at once."""
        for c in candidates:
            key = self._pixel_key(c, side)
            if key in self._pixels:
                self._pixels.move_to_end(key)
                continue
            source = self.source_of(c.image)
            if source is None:
                self._pixels[key] = None
                continue
            downsample = downsample_for(source, self.magnification)
            self._pixels[key] = readers.submit(crop_around, source, c.centre, side, downsample)
        _bound(self._pixels, max(CACHED_CROPS, 2 * len(candidates)))

    def _pixel_key(self, c: Candidate, side: int) -> Hashable:
        return (c.id, self.magnification, side)

    def _outlined(self, c: Candidate, crop: Crop, vector: dict[str, Any] | None) -> QImage:
        kept = c.chosen_type or c.annotation_type
        known = self.session.types.get(kept)
        colour = QColor(known.color_code if known else "#ffff00")
        shape = known.vector_type if known else e.VectorType.POLYGON
        rgb = (colour.red(), colour.green(), colour.blue())
        return rgb_to_qimage(draw_outline(crop, vector, shape, rgb, dashed=c.state == "undecided"))


def _blank(side: int) -> QImage:
    blank = QImage(side, side, QImage.Format.Format_RGB888)
    blank.fill(Qt.GlobalColor.darkGray)
    return blank


def _bound(cache: OrderedDict[Hashable, V], size: int) -> None:
    while len(cache) > size:
        cache.popitem(last=False)
