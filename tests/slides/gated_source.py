"""A real slide whose reads can be held back, to see what the viewer does while tiles load."""

from __future__ import annotations

import threading

import numpy as np

from exact_desktop.slides.base import SlideSource


class GatedSource(SlideSource):
    def __init__(self, inner: SlideSource, gated_levels: set[int]) -> None:
        self.inner, self.path = inner, inner.path
        self.gated_levels = gated_levels
        self.gate = threading.Event()
        self.reads: list[tuple[tuple[int, int], int, tuple[int, int]]] = []
        self._lock = threading.Lock()

    @property
    def level_dimensions(self):
        return self.inner.level_dimensions

    @property
    def level_downsamples(self):
        return self.inner.level_downsamples

    @property
    def mpp(self):
        return self.inner.mpp

    def read_region(self, l0_location, level, size) -> np.ndarray:
        if level in self.gated_levels:
            self.gate.wait(timeout=30)
        with self._lock:
            self.reads.append((tuple(l0_location), level, tuple(size)))
        return self.inner.read_region(l0_location, level, size)
