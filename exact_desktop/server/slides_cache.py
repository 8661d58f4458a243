"""Open slides of the project's images, kept open across requests (opening costs a first read)."""

from __future__ import annotations

import threading
from pathlib import Path

from openslide import ImageSlide
from openslide.deepzoom import DeepZoomGenerator

from exact_desktop.model.entities import Image, stored_id
from exact_desktop.server.listing import BadRequest
from exact_desktop.slides.base import SlideError, SlideSource
from exact_desktop.slides.opener import open_slide
from exact_desktop.slides.openslide_source import OpenSlideSource


class OpenSlides:
    def __init__(self) -> None:
        self._open: dict[int, SlideSource] = {}
        self._lock = threading.Lock()

    def get(self, image: Image) -> SlideSource:
        with self._lock:
            source = self._open.get(stored_id(image))
            if source is None:
                if not image.local_path:
                    raise BadRequest({"image": [f"image {image.id} has no file on this machine"]})
                try:
                    source = open_slide(Path(image.local_path))
                except SlideError as err:
                    raise BadRequest({"image": [str(err)]}) from None
                self._open[stored_id(image)] = source
            return source

    def close(self) -> None:
        with self._lock:
            for source in self._open.values():
                source.close()
            self._open.clear()


class DeepZooms:
    """openslide-python's DeepZoomGenerator per image, with EXACT's tile size and overlap."""

    TILE, OVERLAP = 254, 1

    def __init__(self, slides: OpenSlides) -> None:
        self.slides = slides
        self._made: dict[int, DeepZoomGenerator] = {}
        self._lock = threading.Lock()

    def get(self, image: Image) -> DeepZoomGenerator:
        with self._lock:
            found = self._made.get(stored_id(image))
        if found is not None:
            return found
        source = self.slides.get(image)
        handle = source.openslide if isinstance(source, OpenSlideSource) else ImageSlide(str(source.path))
        made = DeepZoomGenerator(handle, tile_size=self.TILE, overlap=self.OVERLAP, limit_bounds=False)
        with self._lock:
            return self._made.setdefault(stored_id(image), made)
