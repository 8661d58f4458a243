"""Reads display tiles on worker threads (`TileRequests`); requests the view has left are dropped unread."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from exact_desktop.slides.base import SlideError, SlideReadError, SlideSource
from exact_desktop.slides.tile_cache import TileCache
from exact_desktop.slides.tile_requests import TileRequests
from exact_desktop.slides.tiling import TileKey, TilePyramid


def render_tile(source: SlideSource, pyramid: TilePyramid, key: TileKey) -> np.ndarray:
    """The RGB pixels of one display tile: read from the best level, resized if needed."""
    plan = pyramid.read_plan(key)
    pixels = source.read_region(plan.l0_location, plan.level, plan.l_size)
    if plan.l_size != plan.z_size:
        pixels = cv2.resize(pixels, plan.z_size, interpolation=cv2.INTER_AREA)
    return pixels


class TileLoader:
    """`want()` says what the view needs now, in order; tiles arrive in the cache.

    `convert` runs on the worker thread (the viewer turns pixels into a paintable image there),
    `on_loaded(key)` is called from the worker thread after a tile is cached, `on_error(err)`
    once per failed tile.
    """

    def __init__(
        self,
        source: SlideSource,
        pyramid: TilePyramid,
        cache: TileCache[Any],
        convert: Callable[[np.ndarray], Any] = lambda pixels: pixels,
        on_loaded: Callable[[TileKey], None] | None = None,
        on_error: Callable[[SlideError], None] | None = None,
        workers: int = 2,
    ) -> None:
        self.source, self.pyramid, self.cache = source, pyramid, cache
        self._convert = convert
        self._on_loaded = on_loaded
        self._on_error = on_error
        self._requests: TileRequests[TileKey] = TileRequests("tiles", workers)
        self._lock = threading.Lock()
        self._failed: set[TileKey] = set()
        self.loaded_count = 0

    @property
    def dropped_count(self) -> int:
        return self._requests.dropped_count

    def want(self, keys: Sequence[TileKey]) -> None:
        """Replace the wish list: queue missing tiles, cancel queued ones no longer wanted."""
        with self._lock:
            missing = [k for k in keys if k not in self._failed and k not in self.cache]
        self._requests.want([(key, functools.partial(self._load, key)) for key in missing])

    def has_failed(self, key: TileKey) -> bool:
        with self._lock:
            return key in self._failed

    def idle(self) -> bool:
        return self._requests.idle()

    def _load(self, key: TileKey) -> Callable[[], None] | None:
        try:
            value = self._convert(render_tile(self.source, self.pyramid, key))
        except Exception as exc:
            err = exc if isinstance(exc, SlideError) else SlideReadError(self.source.path, str(exc))
            with self._lock:
                self._failed.add(key)
            return functools.partial(self._on_error, err) if self._on_error else None
        self.cache.put(key, value)
        with self._lock:
            self.loaded_count += 1
        return functools.partial(self._on_loaded, key) if self._on_loaded else None

    def shutdown(self) -> None:
        self._requests.shutdown()
