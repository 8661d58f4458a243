"""What the built-in plugins share: the level to work at, overlapping tiles, stain separation,
and splitting touching nuclei (distance transform and watershed)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.segmentation import watershed

from exact_desktop.plugins.sdk import ImageHandle

# Ruifrok & Johnston: haematoxylin, eosin, residual; rows are optical-density colour vectors
_STAINS = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
_UNMIX = np.linalg.inv(_STAINS / np.linalg.norm(_STAINS, axis=1, keepdims=True))


def haematoxylin(rgb: np.ndarray) -> np.ndarray:
    od = -np.log((rgb.astype(np.float32) + 1) / 256)
    return (od.reshape(-1, 3) @ _UNMIX[:, 0].astype(np.float32)).reshape(rgb.shape[:2])


def work_level(image: ImageHandle, target_mpp: float) -> tuple[int, float, float]:
    """(level, its downsample, its µm per pixel) of the level closest to `target_mpp`."""
    mpp = image.mpp or 0.25
    downsamples = image.level_downsamples
    level = min(range(len(downsamples)), key=lambda i: abs(math.log(downsamples[i] * mpp / target_mpp)))
    return level, downsamples[level], downsamples[level] * mpp


@dataclass(frozen=True)
class Tile:
    """A tile of a level with a margin read around it; objects belong to the tile whose core
    holds their centre, so a nucleus on a border is found exactly once."""

    x: int  # where the read starts (level pixels)
    y: int
    w: int
    h: int
    core_x0: int  # the core, in the same coordinates
    core_y0: int
    core_x1: int
    core_y1: int

    def owns(self, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        """Of centres given in tile pixels, those inside the core."""
        gx, gy = cx + self.x, cy + self.y
        return (gx >= self.core_x0) & (gx < self.core_x1) & (gy >= self.core_y0) & (gy < self.core_y1)


def tiles(level_w: int, level_h: int, size: int, margin: int) -> Iterator[Tile]:
    for y in range(0, level_h, size):
        for x in range(0, level_w, size):
            x0, y0 = max(0, x - margin), max(0, y - margin)
            x1, y1 = min(level_w, x + size + margin), min(level_h, y + size + margin)
            yield Tile(x0, y0, x1 - x0, y1 - y0, x, y, min(x + size, level_w), min(y + size, level_h))


RIDGE_PX = 0.2


def split_nuclei(signal: np.ndarray, threshold: float, min_radius_px: float) -> np.ndarray:
    """Labels (int32, 0 = background) of the blobs where `signal` > threshold, touching ones split
    at the valleys of their distance transform (seeded watershed)."""
    smooth = cv2.GaussianBlur(signal.astype(np.float32), (0, 0), 0.7)
    mask = (smooth > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    if not mask.any():
        return np.zeros(mask.shape, np.int32)
    distance = cv2.GaussianBlur(cv2.distanceTransform(mask, cv2.DIST_L2, 3), (0, 0), 1.0)
    # near-maxima, within RIDGE_PX of the highest point around them: the flat ridge of an elongated
    # blob is one seed however its pixels' noise breaks it; a valley between two nuclei is deeper
    reach = max(3, 2 * round(min_radius_px) + 1)
    nearby = cv2.dilate(distance, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    peaks = (distance >= nearby - RIDGE_PX) & (distance >= max(1.0, 0.5 * min_radius_px))
    _count, seeds = cv2.connectedComponents(peaks.astype(np.uint8), connectivity=8)
    # flooding the inverted distance from the seeds, inside the mask (OpenCV's watershed floods by
    # colour difference instead, which does not follow the distance valleys)
    return watershed(-distance, seeds, mask=mask.astype(bool)).astype(np.int32)


@dataclass
class Blobs:
    """Per label: bounding box (x0, y0, x1, y1, exclusive), centroid, area in pixels."""

    labels: np.ndarray
    boxes: np.ndarray
    centres: np.ndarray
    areas: np.ndarray


def blobs(labels: np.ndarray) -> Blobs:
    ys, xs = np.nonzero(labels)
    if len(xs) == 0:
        return Blobs(np.empty(0, np.int32), np.empty((0, 4)), np.empty((0, 2)), np.empty(0))
    values = labels[ys, xs]
    order = np.argsort(values, kind="stable")
    values, xs, ys = values[order], xs[order], ys[order]
    ids, starts, counts = np.unique(values, return_index=True, return_counts=True)
    boxes = np.column_stack([
        np.minimum.reduceat(xs, starts), np.minimum.reduceat(ys, starts),
        np.maximum.reduceat(xs, starts) + 1, np.maximum.reduceat(ys, starts) + 1,
    ]).astype(np.float64)  # fmt: skip
    centres = np.column_stack([np.add.reduceat(xs, starts) / counts, np.add.reduceat(ys, starts) / counts]) + 0.5
    return Blobs(ids, boxes, centres, counts.astype(np.float64))


def blobs_with_strength(signal: np.ndarray, threshold: float, min_radius_px: float) -> tuple[Blobs, np.ndarray]:
    """The blobs of `split_nuclei` and each one's mean signal (what a detector scores)."""
    labels = split_nuclei(signal, threshold, min_radius_px)
    found = blobs(labels)
    if not len(found.areas):
        return found, np.empty(0)
    strength = np.bincount(labels.ravel(), weights=signal.ravel().astype(np.float64), minlength=int(labels.max()) + 1)
    return found, strength[found.labels] / found.areas
