"""The slide's pixels as the view shows them, for tools that look at the image (the wand):
read from the pyramid level the view draws and scaled to the view's zoom, once per gesture."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from exact_desktop.model.geometry import Rect
from exact_desktop.slides.base import SlideSource

MAX_SIDE = 4096  # display pixels: a huge window is read in part, around its centre


@dataclass(frozen=True)
class DisplayedImage:
    """RGB at `downsample` level-0 px per pixel, its top-left pixel's corner at level-0 (x0, y0)."""

    rgb: np.ndarray
    x0: float
    y0: float
    downsample: float

    def pixel_of(self, x: float, y: float) -> tuple[int, int] | None:
        """The pixel (column, row) under level-0 (x, y); None outside the image."""
        col, row = math.floor((x - self.x0) / self.downsample), math.floor((y - self.y0) / self.downsample)
        height, width = self.rgb.shape[:2]
        return (col, row) if 0 <= col < width and 0 <= row < height else None

    def to_l0(self, points: np.ndarray) -> np.ndarray:
        """Pixel corner coordinates to level-0 pixels."""
        return points * self.downsample + (self.x0, self.y0)


def read_displayed(source: SlideSource, region: Rect, downsample: float) -> DisplayedImage | None:
    """`region` (level-0) of the slide at `downsample` (at least 1: no finer than the file)."""
    downsample = max(1.0, downsample)
    width, height = source.dimensions
    x0, y0 = max(0, math.floor(region.x)), max(0, math.floor(region.y))
    x1, y1 = min(width, math.ceil(region.right)), min(height, math.ceil(region.bottom))
    out_w, out_h = min(MAX_SIDE, math.floor((x1 - x0) / downsample)), min(MAX_SIDE, math.floor((y1 - y0) / downsample))
    if out_w < 1 or out_h < 1:
        return None
    level = source.get_best_level_for_downsample(downsample)
    level_ds = source.level_downsamples[level]
    size = (max(1, round(out_w * downsample / level_ds)), max(1, round(out_h * downsample / level_ds)))
    rgb = source.read_region((x0, y0), level, size)
    if rgb.shape[1] != out_w or rgb.shape[0] != out_h:
        rgb = cv2.resize(rgb, (out_w, out_h), interpolation=cv2.INTER_AREA)
    return DisplayedImage(np.ascontiguousarray(rgb), float(x0), float(y0), downsample)
