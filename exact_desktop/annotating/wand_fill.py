"""The wand's image side (QuPath's wand): from the pixels as displayed, the connected area
around the pointer whose colour is like the clicked one.

Colour is compared in CIELAB after a median filter over SMOOTH_PX screen pixels: wider than a
nucleus at the zooms regions are outlined at, so a tumour region's nuclei and stroma merge into
its own colour while its border stays sharp (a median keeps edges; a Gaussian blurs them). The
clicked colour is the mean over a small square at the press and holds for the whole drag, so a
drag grows one region instead of wandering off colour by colour. Each move fills only a window
around the pointer (as QuPath's 149-pixel window), which keeps a move short and a leak local.
Which pixels are like the clicked colour is fixed for the drag, so `LikePixels` works it out
block by block as the pointer first reaches each block and keeps it: a move pays the median
filter only for the part of its window no earlier move covered.
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


BLOCK_PX = 64  # side of the blocks the like-pixels are worked out in, display pixels
HALF_SMOOTH_PX = SMOOTH_PX // 2 | 1  # the median window at half scale (odd)
HALF_MARGIN = HALF_SMOOTH_PX // 2 + 1  # half-scale pixels read around a block for the median


def smoothed_lab(image: DisplayedImage, c0: int, r0: int, c1: int, r1: int) -> np.ndarray:
    """The median-filtered CIELAB colours of pixel columns c0..c1 and rows r0..r1 (ends
    excluded, inside the image), filtered with the pixels around them as far as there are any."""
    margin = SMOOTH_PX // 2
    height, width = image.rgb.shape[:2]
    m0, n0 = max(0, c0 - margin), max(0, r0 - margin)
    m1, n1 = min(width, c1 + margin), min(height, r1 + margin)
    padded = cv2.medianBlur(np.ascontiguousarray(image.rgb[n0:n1, m0:m1]), SMOOTH_PX)
    return cv2.cvtColor(padded[r0 - n0 : r1 - n0, c0 - m0 : c1 - m0], cv2.COLOR_RGB2Lab).astype(np.float32)


def reference_colour(image: DisplayedImage, col: int, row: int) -> np.ndarray:
    """The clicked colour: the mean smoothed CIELAB colour of a small square at (col, row)."""
    height, width = image.rgb.shape[:2]
    c0, r0 = max(0, col - REFERENCE_PX), max(0, row - REFERENCE_PX)
    c1, r1 = min(width, col + REFERENCE_PX + 1), min(height, row + REFERENCE_PX + 1)
    return np.asarray(smoothed_lab(image, c0, r0, c1, r1).reshape(-1, 3).mean(axis=0))


class LikePixels:
    """Which pixels of `image` lie within TOLERANCE of `reference`, for one drag: worked out a
    block at a time when a window first needs it, then kept."""

    def __init__(self, image: DisplayedImage, reference: np.ndarray) -> None:
        self.image, self.reference = image, reference.astype(np.float32)
        height, width = image.rgb.shape[:2]
        self.like = np.zeros((height, width), np.uint8)
        self.known = np.zeros((-(-height // BLOCK_PX), -(-width // BLOCK_PX)), bool)

    def window(self, c0: int, r0: int, c1: int, r1: int) -> np.ndarray:
        """A copy of the like-pixels of columns c0..c1 and rows r0..r1 (ends excluded)."""
        b0, b1 = c0 // BLOCK_PX, (c1 - 1) // BLOCK_PX + 1
        for block_row in range(r0 // BLOCK_PX, (r1 - 1) // BLOCK_PX + 1):
            unknown = np.flatnonzero(~self.known[block_row, b0:b1]) + b0
            for first, last in _runs(unknown):  # one median filter per run of unknown blocks
                self._work_out(first, last + 1, block_row)
        return self.like[r0:r1, c0:c1].copy()

    def _work_out(self, b0: int, b1: int, block_row: int) -> None:
        """The like-pixels of blocks b0..b1 (end excluded) of a block row: the colour distance is
        filtered and measured at half the displayed scale (the median window halved with it, a
        quarter of the work), and the verdicts brought back to each pixel by linear
        interpolation, so an edge lies half way between a like and an unlike half-scale pixel:
        within a pixel and a half of where the image has it."""
        height, width = self.like.shape
        c0, c1 = b0 * BLOCK_PX, min(width, b1 * BLOCK_PX)
        r0, r1 = block_row * BLOCK_PX, min(height, (block_row + 1) * BLOCK_PX)
        m0, n0 = max(0, c0 - HALF_MARGIN * 2), max(0, r0 - HALF_MARGIN * 2)
        m1, n1 = min(width, c1 + HALF_MARGIN * 2), min(height, r1 + HALF_MARGIN * 2)
        size = (max(1, (m1 - m0) // 2), max(1, (n1 - n0) // 2))
        half = cv2.resize(np.ascontiguousarray(self.image.rgb[n0:n1, m0:m1]), size, interpolation=cv2.INTER_AREA)
        lab = cv2.cvtColor(cv2.medianBlur(half, HALF_SMOOTH_PX), cv2.COLOR_RGB2Lab).astype(np.float32)
        off = lab - self.reference
        like = (np.einsum("ijk,ijk->ij", off, off) <= TOLERANCE**2).astype(np.float32)
        full = cv2.resize(like, (m1 - m0, n1 - n0), interpolation=cv2.INTER_LINEAR)
        self.like[r0:r1, c0:c1] = full[r0 - n0 : r1 - n0, c0 - m0 : c1 - m0] >= 0.5
        self.known[block_row, b0:b1] = True


def _runs(indices: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive numbers in sorted `indices`, as (first, last)."""
    if not indices.size:
        return []
    breaks = np.flatnonzero(np.diff(indices) > 1)
    firsts, lasts = np.r_[indices[0], indices[breaks + 1]], np.r_[indices[breaks], indices[-1]]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def wand_area(pixels: LikePixels, col: int, row: int) -> BaseGeometry:
    """The area (level-0 pixels) connected to pixel (col, row) within TOLERANCE of the
    reference colour, in the window of half side WINDOW_PX around it."""
    image = pixels.image
    height, width = image.rgb.shape[:2]
    c0, r0 = max(0, col - WINDOW_PX), max(0, row - WINDOW_PX)
    like = pixels.window(c0, r0, min(width, col + WINDOW_PX + 1), min(height, row + WINDOW_PX + 1))
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
    return np.asarray(labels == label, np.uint8)
