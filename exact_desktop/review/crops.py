"""A candidate's crop of the slide at a chosen magnification, its outline drawn: what the review
view and the gallery show, Qt-free (numpy and OpenCV), so the benchmark times the same work."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
import numpy as np

from exact_desktop.model.entities import VectorType
from exact_desktop.model.shapes import nodes_of
from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.crop import Crop, crop_around

DEFAULT_OBJECTIVE = 40.0  # what a slide that does not say is taken to be scanned at
DASH_PX = 5
_BOXES = (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX)
_OPEN = (VectorType.LINE, VectorType.MULTI_LINE)
READERS = 4  # OpenSlide decodes outside the GIL: a page's crops are read side by side
readers = ThreadPoolExecutor(READERS, thread_name_prefix="review-crops")


def downsample_for(source: SlideSource, magnification: float) -> float:
    """Level-0 px per screen px to show the slide at `magnification` (e.g. 20 for 20x)."""
    return max((source.objective_power or DEFAULT_OBJECTIVE) / magnification, 1e-3)


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
