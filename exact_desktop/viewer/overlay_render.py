"""Overlay tiles as pixels: outlines in batches, or shaded counts where objects are too small.

Pure numpy and OpenCV (which releases the GIL), so tiles render on worker threads. A tile is
premultiplied BGRA, the byte order of Qt's ARGB32_Premultiplied on little-endian machines (what
QPainter draws without converting): OpenCV's anti-aliasing blends every channel, alpha included,
over the transparent start, which is exactly premultiplied "over". Colours are given as RGB.

Level of detail, per tile (`choose_detail`): outlines while objects are at least `MIN_OUTLINE_PX`
on screen; then each object's centre counted in its pixel ("dots"; an object whose own box is
still `MIN_OUTLINE_PX` on screen is outlined over them); then, past `MAX_TILE_OBJECTS`
in one tile, the store's per-cell counts. Dots and counts are shaded with the coverage an outline
of that size would have had (`coverage_px`), so zooming out changes the look, not the brightness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from exact_desktop.model.entities import VectorType
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import DensityGrid, ViewportObjects

MIN_OUTLINE_PX = 6.0  # objects smaller than this on screen are drawn as dots (a ring below it reads as one)
MAX_TILE_OBJECTS = 40_000  # more than this in one tile: shade the per-cell counts
LINE_PX = 1  # outline width on screen (OpenCV draws wider anti-aliased lines ten times slower)
POINT_RADIUS_PX = 5  # EXACT draws point annotations as small circles
DASH_PX = 4  # dash length of result outlines on screen
REJECTED = 3  # a rejected candidate's code in `render_reviewed`'s states
MARK_PX = 3  # radius of the dot on an accepted annotation
_SHIFT = 4  # OpenCV fixed-point bits: sub-pixel positions
_BOXES = (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX)
_OPEN = (VectorType.LINE, VectorType.MULTI_LINE)
_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 12, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, 12, endpoint=False))], axis=1)  # fmt: skip


@dataclass(frozen=True)
class TileFrame:
    """Where a tile sits: its level-0 rectangle and its downsample (level-0 px per tile px)."""

    rect: Rect
    downsample: float

    @property
    def size(self) -> tuple[int, int]:
        return max(1, math.ceil(self.rect.w / self.downsample)), max(1, math.ceil(self.rect.h / self.downsample))


def choose_detail(typical_size: float, downsample: float, estimated_objects: float) -> str:
    """'outlines', 'dots' or 'counts' for a tile (see the module's docstring)."""
    if estimated_objects > MAX_TILE_OBJECTS:
        return "counts"
    return "outlines" if typical_size / downsample >= MIN_OUTLINE_PX else "dots"


def coverage_px(typical_size: float, downsample: float) -> float:
    """Screen pixels an object's outline covers at this zoom (its whole area when it is tiny).

    Anti-aliased outlines cover about twice their nominal width, hence the factor 2.
    """
    side = typical_size / downsample
    return max(2 * min(side * side, 4 * side * LINE_PX), 0.05)


def spread(counts: np.ndarray, typical_size: float, downsample: float) -> np.ndarray:
    """Counts at object centres spread over the objects' footprint, as their outlines would be."""
    side = round(typical_size / downsample)
    if side < 2:
        return counts
    return cv2.boxFilter(counts, -1, (side, side), normalize=True, borderType=cv2.BORDER_CONSTANT)


def render_outlines(
    found: ViewportObjects,
    frame: TileFrame,
    colours: dict[int, tuple[int, int, int]],
    shapes: dict[int, int],
    min_score: float = 0.0,
    dashed: bool = False,
    only: np.ndarray | None = None,
) -> np.ndarray:
    """Outlines of every object (`only`: of those masked), one OpenCV call per (type, shape): no
    Python step per object. `dashed` (a plugin's results) cuts them into dashes, so they never look
    like human annotations."""
    width, height = frame.size
    tile = np.zeros((height, width, 4), np.uint8)
    keep = np.isnan(found.scores) | (found.scores >= min_score)
    if only is not None:
        keep &= only
    scale = (1 << _SHIFT) / frame.downsample
    origin = np.array([frame.rect.x, frame.rect.y], np.float64)
    for type_id in np.unique(found.types[keep]).tolist():
        red, green, blue = colours.get(type_id, (255, 255, 0))
        colour = (blue, green, red, 255)
        shape = shapes.get(type_id, VectorType.POLYGON)
        which = np.flatnonzero(keep & (found.types == type_id))
        if shape in _BOXES:
            b = found.bboxes[which].astype(np.float64)
            corners = np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1)
            cv2.polylines(tile, list(_fixed(corners, origin, scale)), True, colour, LINE_PX, cv2.LINE_AA, _SHIFT)
        elif shape == VectorType.POINT:
            centres = found.nodes[found.offsets[which]].astype(np.float64)
            rings = centres[:, None, :] + _CIRCLE[None] * POINT_RADIUS_PX * frame.downsample
            cv2.polylines(tile, list(_fixed(rings, origin, scale)), True, colour, LINE_PX, cv2.LINE_AA, _SHIFT)
        else:
            nodes = _fixed(found.nodes.astype(np.float64), origin, scale)
            parts = [nodes[found.offsets[i] : found.offsets[i + 1]] for i in which.tolist()]
            if shape not in _OPEN and found.holes:  # a polygon's holes are outlined as its edge is
                holed = [i for i in found.ids[which].tolist() if i in found.holes]
                parts += [_fixed(ring.astype(np.float64), origin, scale) for i in holed for ring in found.holes[i]]
            cv2.polylines(tile, parts, shape not in _OPEN, colour, LINE_PX, cv2.LINE_AA, _SHIFT)
    if dashed:  # a checkerboard of DASH_PX squares: along any line, DASH_PX on, DASH_PX off
        rows, cols = np.indices((height, width), np.int32) // DASH_PX
        tile[(rows + cols) % 2 == 1] = 0
    return tile


def render_reviewed(
    found: ViewportObjects,
    frame: TileFrame,
    colours: dict[int, tuple[int, int, int]],
    shapes: dict[int, int],
    min_score: float,
    states: np.ndarray,
) -> np.ndarray:
    """A result layer's outlines by review state (`states` per object, codes as in review
    queues: 0 undecided, 1 accept, 2 relabel, 3 reject): undecided ones dashed, accepted ones
    solid, rejected ones solid and struck through corner to corner."""
    tile = render_outlines(found, frame, colours, shapes, min_score, dashed=True, only=states == 0)
    decided = render_outlines(found, frame, colours, shapes, min_score, only=states > 0)
    rejected = np.flatnonzero((states == REJECTED) & (np.isnan(found.scores) | (found.scores >= min_score)))
    if len(rejected):
        scale = (1 << _SHIFT) / frame.downsample
        origin = np.array([frame.rect.x, frame.rect.y], np.float64)
        b = _fixed(found.bboxes[rejected].astype(np.float64).reshape(-1, 2, 2), origin, scale)
        for (x0, y0), (x1, y1), type_id in zip(
            b[:, 0].tolist(), b[:, 1].tolist(), found.types[rejected].tolist(), strict=True
        ):
            red, green, blue = colours.get(type_id, (255, 255, 0))
            colour = (blue, green, red, 255)
            cv2.line(decided, (x0, y0), (x1, y1), colour, LINE_PX, cv2.LINE_AA, _SHIFT)
            cv2.line(decided, (x0, y1), (x1, y0), colour, LINE_PX, cv2.LINE_AA, _SHIFT)
    drawn = decided[..., 3] > 0
    tile[drawn] = decided[drawn]
    return tile


def mark_accepted(
    tile: np.ndarray, found: ViewportObjects, frame: TileFrame, colours: dict[int, tuple[int, int, int]],
    marked: np.ndarray, min_score: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """A small filled dot at the top-right corner of each marked object (accepted from a
    plugin's results), so they are told from the ones drawn by hand."""
    which = np.flatnonzero(marked & (np.isnan(found.scores) | (found.scores >= min_score)))
    scale = (1 << _SHIFT) / frame.downsample
    origin = np.array([frame.rect.x, frame.rect.y], np.float64)
    corners = _fixed(found.bboxes[which][:, [2, 1]].astype(np.float64), origin, scale)
    for (x, y), type_id in zip(corners.tolist(), found.types[which].tolist(), strict=True):
        red, green, blue = colours.get(type_id, (255, 255, 0))
        cv2.circle(tile, (x, y), MARK_PX << _SHIFT, (blue, green, red, 255), -1, cv2.LINE_AA, _SHIFT)
    return tile


def outlined_anyway(found: ViewportObjects, downsample: float) -> np.ndarray:
    """Objects drawn as outlines on a tile of dots: those whose own box is at least
    `MIN_OUTLINE_PX` on screen (a large region among small pieces never becomes a dot)."""
    sides = np.maximum(found.bboxes[:, 2] - found.bboxes[:, 0], found.bboxes[:, 3] - found.bboxes[:, 1])
    return sides / downsample >= MIN_OUTLINE_PX


def only(found: ViewportObjects, which: np.ndarray) -> ViewportObjects:
    """The objects `which` (a boolean mask) picks, their nodes with them."""
    rows = np.flatnonzero(which)
    counts = found.offsets[rows + 1] - found.offsets[rows]
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    picks = np.repeat(found.offsets[rows] - offsets[:-1], counts) + np.arange(int(offsets[-1]))
    ids = found.ids[rows]
    holes = {object_id: found.holes[object_id] for object_id in ids.tolist() if object_id in found.holes}
    return ViewportObjects(
        ids, found.types[rows], found.bboxes[rows], found.scores[rows], offsets, found.nodes[picks], holes
    )


def over(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Premultiplied BGRA `top` laid over `bottom`."""
    below = bottom.astype(np.float32) * (1.0 - top[..., 3:4].astype(np.float32) / 255.0)
    return np.clip(top + np.round(below), 0, 255).astype(np.uint8)


def _fixed(points: np.ndarray, origin: np.ndarray, scale: float) -> np.ndarray:
    limit = float(2**31 // 2)
    return np.clip((points - origin) * scale, -limit, limit).astype(np.int32)


def dot_counts(found: ViewportObjects, frame: TileFrame, min_score: float = 0.0) -> np.ndarray:
    """How many object centres fall in each tile pixel."""
    width, height = frame.size
    keep = np.isnan(found.scores) | (found.scores >= min_score)
    b = found.bboxes[keep].astype(np.float64)
    cols = np.floor(((b[:, 0] + b[:, 2]) / 2 - frame.rect.x) / frame.downsample).astype(np.int64)
    rows = np.floor(((b[:, 1] + b[:, 3]) / 2 - frame.rect.y) / frame.downsample).astype(np.int64)
    inside = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    counts = np.bincount(rows[inside] * width + cols[inside], minlength=width * height)
    return counts.reshape(height, width).astype(np.float32)


def grid_counts(grid: DensityGrid, frame: TileFrame, min_score: float = 0.0) -> np.ndarray:
    """Objects per tile pixel from per-cell counts: summed where a pixel spans cells, spread where it is smaller."""
    width, height = frame.size
    cells = grid.at_threshold(min_score).astype(np.float32)
    per_cell = frame.downsample / grid.cell  # cells per tile pixel along one side
    x = frame.rect.x / grid.cell - grid.first_col  # the tile's corner in grid cells
    y = frame.rect.y / grid.cell - grid.first_row
    if per_cell >= 1:  # whole cells per pixel: area sums, then a mean count per pixel
        step = round(per_cell)
        c0, r0 = round(x), round(y)
        part = np.zeros((height * step, width * step), np.float32)
        src = cells[max(0, r0) : r0 + height * step, max(0, c0) : c0 + width * step]
        part[max(0, -r0) : max(0, -r0) + src.shape[0], max(0, -c0) : max(0, -c0) + src.shape[1]] = src
        return part.reshape(height, step, width, step).sum(axis=(1, 3))
    # pixels smaller than cells: a cell's count spread evenly over the pixels it holds (smoothly)
    matrix = np.array([[per_cell, 0, x - 0.5 + per_cell / 2], [0, per_cell, y - 0.5 + per_cell / 2]], np.float64)
    spread = cv2.warpAffine(
        cells, matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=0
    )
    return spread * per_cell * per_cell


def shade(counts: np.ndarray, coverage: float, colour: tuple[int, int, int]) -> np.ndarray:
    """Counts per pixel to premultiplied BGRA: alpha is the chance the pixel is covered."""
    alpha = 1.0 - np.exp(-counts * coverage)
    tile = np.empty((*counts.shape, 4), np.uint8)
    red, green, blue = colour
    for channel, value in enumerate((blue, green, red, 255)):
        tile[..., channel] = np.round(alpha * value)
    return tile
