"""The wand's image side (QuPath's wand): from the pixels as displayed, the connected area
around the pointer whose colour is like the clicked one.

Colour is compared in CIELAB after a median filter over SMOOTH_PX screen pixels: wider than a
nucleus at the zooms regions are outlined at, so a tumour region's nuclei and stroma merge into
its own colour while its border stays sharp (a median keeps edges; a Gaussian blurs them). The
clicked colour is the mean over a small square at the press and holds for the whole drag, so a
drag grows one region instead of wandering off colour by colour. Each move fills only a window
around the pointer (as QuPath's 149-pixel window), which keeps a move short and a leak local.
"""

from __future__ import annotations

import cv2
import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from exact_desktop.annotating.displayed import DisplayedImage

SMOOTH_PX = 25  # median window side, screen pixels (odd)
TOLERANCE = 18.0  # CIELAB distance (OpenCV's 8-bit scale) from the clicked colour
WINDOW_PX = 75  # half side of the window filled per move, screen pixels
REFERENCE_PX = 7  # half side of the square whose mean is the clicked colour
OPEN_PX = 4  # an opening of this radius cuts thin bridges to neighbours and smooths the edge
_OPENING = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * OPEN_PX + 1, 2 * OPEN_PX + 1))


def smoothed_lab(image: DisplayedImage, col: int, row: int, half: int) -> tuple[np.ndarray, int, int]:
    """The median-filtered CIELAB window of half side `half` around pixel (col, row), and the
    window's top-left pixel (it is cut at the image's edges)."""
    margin = SMOOTH_PX // 2
    height, width = image.rgb.shape[:2]
    c0, r0 = max(0, col - half), max(0, row - half)
    c1, r1 = min(width, col + half + 1), min(height, row + half + 1)
    m0, n0 = max(0, c0 - margin), max(0, r0 - margin)
    m1, n1 = min(width, c1 + margin), min(height, r1 + margin)
    padded = cv2.medianBlur(np.ascontiguousarray(image.rgb[n0:n1, m0:m1]), SMOOTH_PX)
    lab = cv2.cvtColor(padded[r0 - n0 : r1 - n0, c0 - m0 : c1 - m0], cv2.COLOR_RGB2Lab)
    return lab.astype(np.float32), c0, r0


def reference_colour(image: DisplayedImage, col: int, row: int) -> np.ndarray:
    """The clicked colour: the mean smoothed CIELAB colour of a small square at (col, row)."""
    lab, _, _ = smoothed_lab(image, col, row, REFERENCE_PX)
    return lab.reshape(-1, 3).mean(axis=0)


def wand_area(image: DisplayedImage, col: int, row: int, reference: np.ndarray) -> BaseGeometry:
    """The area (level-0 pixels) connected to pixel (col, row) within TOLERANCE of `reference`."""
    lab, c0, r0 = smoothed_lab(image, col, row, WINDOW_PX)
    like = (np.sqrt(((lab - reference) ** 2).sum(axis=2)) <= TOLERANCE).astype(np.uint8)
    seed = (col - c0, row - r0)
    like[seed[1], seed[0]] = 1  # the pointer's own pixel always counts
    filled = np.zeros((like.shape[0] + 2, like.shape[1] + 2), np.uint8)
    cv2.floodFill(like, filled, seed, 1, 0, 0, 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8))
    region = _piece_at(cv2.morphologyEx(filled[1:-1, 1:-1], cv2.MORPH_OPEN, _OPENING), seed)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    parts = [Polygon(image.to_l0(c[:, 0, :] + (c0, r0) + 0.5)) for c in contours if len(c) >= 3]
    parts = [p if p.is_valid else shapely.make_valid(p) for p in parts]
    return shapely.union_all(parts) if parts else Polygon()


def _piece_at(mask: np.ndarray, seed: tuple[int, int]) -> np.ndarray:
    """The connected piece of `mask` under the pointer (the largest, if the opening took the
    pointer's pixel): crumbs the opening broke off are not the region the person pointed at."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count <= 2:
        return mask
    label = labels[seed[1], seed[0]] or 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return (labels == label).astype(np.uint8)
