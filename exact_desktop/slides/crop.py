"""A square crop of a slide about a point at a chosen downsample, read from the pyramid level that
fits: what the review shows of a candidate and what a learnt model's features are computed from."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from exact_desktop.slides.base import SlideSource


@dataclass(frozen=True)
class Crop:
    pixels: np.ndarray  # RGB, side x side
    x: float  # level-0 position of the top-left pixel
    y: float
    downsample: float  # level-0 px per crop pixel


def crop_around(source: SlideSource, centre: tuple[float, float], side: int, downsample: float) -> Crop:
    """`side` x `side` pixels about `centre`, from the pyramid level that fits, resized. The crop
    starts on a whole pixel of that level (at most one level pixel off centre): a slide reads
    such a region straight from its tiles (slides/tiff_tiles.py), without resampling it."""
    level = source.get_best_level_for_downsample(downsample)
    level_ds = source.level_downsamples[level]
    read = max(1, math.ceil(side * downsample / level_ds))
    lx, ly = (math.floor(v / level_ds - read / 2) for v in centre)
    x0, y0 = round(lx * level_ds), round(ly * level_ds)
    pixels = source.read_region((x0, y0), level, (read, read))
    if pixels.shape[0] != side or pixels.shape[1] != side:
        shrinking = read > side
        pixels = cv2.resize(pixels, (side, side), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return Crop(np.ascontiguousarray(pixels), float(x0), float(y0), read * level_ds / side)
