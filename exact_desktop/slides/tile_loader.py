"""Reads display tiles on a thread pool; requests the view has left are dropped unread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import cv2
import numpy as np

from exact_desktop.slides.base import SlideError, SlideReadError, SlideSource
from exact_desktop.slides.tile_cache import TileCache
from exact_desktop.slides.tiling import TileKey, TilePyramid
from exact_desktop.slides.worker_threads import give_way_to_the_gui


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
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="tiles", initializer=give_way_to_the_gui
        )
        self._lock = threading.Lock()
        self._wanted: set[TileKey] = set()
        self._pending: dict[TileKey, Future[None]] = {}
        self._failed: set[TileKey] = set()
        self.loaded_count = 0
        self.dropped_count = 0

    def want(self, keys: Sequence[TileKey]) -> None:
        """Replace the wish list: queue missing tiles, cancel queued ones no longer wanted."""
        with self._lock:
            self._wanted = set(keys)
            for key, future in list(self._pending.items()):
                if key not in self._wanted and future.cancel():
                    del self._pending[key]
                    self.dropped_count += 1
            for key in keys:
                if key in self._pending or key in self._failed or key in self.cache:
                    continue
                self._pending[key] = self._executor.submit(self._load, key)

    def has_failed(self, key: TileKey) -> bool:
        with self._lock:
            return key in self._failed

    def idle(self) -> bool:
        with self._lock:
            return not self._pending

    def _load(self, key: TileKey) -> None:
        with self._lock:
            if key not in self._wanted:  # the view moved on while this waited
                self._pending.pop(key, None)
                self.dropped_count += 1
                return
        try:
            value = self._convert(render_tile(self.source, self.pyramid, key))
        except Exception as exc:
            err = exc if isinstance(exc, SlideError) else SlideReadError(self.source.path, str(exc))
            with self._lock:
                self._failed.add(key)
                self._pending.pop(key, None)
            if self._on_error:
                self._on_error(err)
            return
        self.cache.put(key, value)
        with self._lock:
            self._pending.pop(key, None)
            self.loaded_count += 1
        if self._on_loaded:
            self._on_loaded(key)

    def shutdown(self) -> None:
        with self._lock:
            self._wanted = set()
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)
