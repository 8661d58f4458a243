"""A candidate's crop of the slide at a chosen magnification, its outline drawn: what the review
view and the gallery show, Qt-free (numpy and OpenCV), so the benchmark times the same work."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from exact_desktop.model.entities import VectorType
from exact_desktop.model.shapes import nodes_of
from exact_desktop.slides.base import SlideSource

DEFAULT_OBJECTIVE = 40.0  # what a slide that does not say is taken to be scanned at
DASH_PX = 5
_BOXES = (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX)
_OPEN = (VectorType.LINE, VectorType.MULTI_LINE)
READERS = 4  # OpenSlide decodes outside the GIL: a page's crops are read side by side
readers = ThreadPoolExecutor(READERS, thread_name_prefix="review-crops")


@dataclass(frozen=True)
class Crop:
    pixels: np.ndarray  # RGB, side x side
    x: float  # level-0 position of the top-left pixel
    y: float
    downsample: float  # level-0 px per crop pixel


def downsample_for(source: SlideSource, magnification: float) -> float:
    """Level-0 px per screen px to show the slide at `magnification` (e.g. 20 for 20x)."""
    return max((source.objective_power or DEFAULT_OBJECTIVE) / magnification, 1e-3)


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


def crops_around(
    source: SlideSource, centres: Sequence[tuple[float, float]], side: int, downsample: float
) -> list[Crop]:
    """Many crops read at once (a gallery page): one after another, 20 cost 20 decodes in a row."""
    if len(centres) < 2:
        return [crop_around(source, c, side, downsample) for c in centres]
    return list(readers.map(lambda c: crop_around(source, c, side, downsample), centres))


def draw_outline(
    crop: Crop, vector: dict[str, Any] | None, vector_type: int, colour: tuple[int, int, int], dashed: bool = True
) -> np.ndarray:
    """A copy of the crop with the object's outline (dashed: still a candidate) in `colour`."""
    out = crop.pixels.copy()
    nodes = nodes_of(vector)
    if len(nodes) == 0:
        return out
    points = (nodes - np.array([crop.x, crop.y])) / crop.downsample
    mask = np.zeros(out.shape[:2], np.uint8)
    if vector_type in _BOXES and len(points) >= 2:
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        points = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    if vector_type == VectorType.POINT or len(points) == 1:
        cv2.circle(mask, (round(points[0][0]), round(points[0][1])), 8, 255, 2)
    else:
        cv2.polylines(mask, [np.round(points).astype(np.int32)], vector_type not in _OPEN, 255, 2)
    if dashed:
        mask &= _dashes(mask.shape)
    out[mask > 0] = colour
    return out


@functools.lru_cache(maxsize=8)
def _dashes(shape: tuple[int, ...]) -> np.ndarray:
    """255 on a checkerboard of DASH_PX squares: along any line, DASH_PX on, DASH_PX off."""
    rows, cols = np.indices(shape) // DASH_PX
    return np.where((rows + cols) % 2 == 0, 255, 0).astype(np.uint8)
