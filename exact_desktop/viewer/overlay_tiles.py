"""Overlay tiles per layer and zoom level: rendered off the GUI thread, cached, invalidated by area.

A tile is 512 x 512 pixels of one layer (an annotation type or a result entry of one image) at a
power-of-two zoom level z (2**z level-0 pixels per tile pixel; z may be negative, up to 16x).
Two caches: what the store answered for a tile (objects or cell counts, taken once, at any
score), and the rendered image for the threshold shown. A threshold change re-renders from the
first; an edit or a new result drops only the tiles its boxes touch (`invalidate`); a write by
another process, whose boxes are not known, makes every tile stale (`forget_all`): each is shown
until its new rendering arrives, as at a threshold change.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from PySide6.QtGui import QImage

from exact_desktop.model.entities import Image
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import RESULTS
from exact_desktop.slides.tile_cache import TileCache
from exact_desktop.slides.tile_requests import TileRequests
from exact_desktop.store.base import DensityGrid, SpatialChange, Store, ViewportObjects, ViewportQuery
from exact_desktop.viewer.overlay_render import (
    LINE_PX,
    POINT_RADIUS_PX,
    TileFrame,
    choose_detail,
    coverage_px,
    dot_counts,
    grid_counts,
    mark_accepted,
    only,
    outlined_anyway,
    over,
    render_outlines,
    render_reviewed,
    shade,
    spread,
)

TILE = 512
Z_MIN = -4  # 16x: as far in as the slide view goes
Z_MAX = 20
MAX_INVALIDATED_TILES = 2048  # more than this at one level: start that level afresh instead
CACHE_BYTES = 384 * 1024 * 1024

LayerId = tuple[str, int]  # (kind, group), as model.layers.Layer.key
TypeInfo = Callable[[int], tuple[tuple[int, int, int], int]]  # annotation type -> (rgb, vector type)


@dataclass(frozen=True)
class OverlayKey:
    image: int
    layer: LayerId
    z: int
    col: int
    row: int

    @property
    def frame(self) -> TileFrame:
        span = TILE * 2.0**self.z
        return TileFrame(Rect(self.col * span, self.row * span, span, span), 2.0**self.z)


def overlay_z(downsample: float) -> int:
    return max(Z_MIN, min(Z_MAX, round(math.log2(max(downsample, 2.0**Z_MIN)))))


def tiles_for_region(image: int, layer: LayerId, z: int, region: Rect, width: int, height: int) -> list[OverlayKey]:
    span = TILE * 2.0**z
    c0, r0 = max(0, math.floor(region.x / span)), max(0, math.floor(region.y / span))
    c1 = min(math.ceil(width / span) - 1, math.floor(region.right / span))
    r1 = min(math.ceil(height / span) - 1, math.floor(region.bottom / span))
    return [OverlayKey(image, layer, z, c, r) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


class ReviewMarks(Protocol):
    """A review's decisions as the overlay draws them, handed over by the window (the project's
    review book): the viewer asks this, never the project file."""

    def codes(self, ids: np.ndarray) -> np.ndarray:
        """Each result's decision code (0 undecided, else the decision's index + 1)."""
        ...

    def accepted(self, ids: np.ndarray) -> np.ndarray:
        """Which of these annotations a review accepted."""
        ...


@dataclass
class TileData:
    """What the store said about one tile, at every score."""

    detail: str  # "outlines", "dots" or "counts" (overlay_render.choose_detail)
    typical_size: float
    grid: DensityGrid
    objects: ViewportObjects = field(default_factory=ViewportObjects)
    states: np.ndarray | None = None  # a result layer's review decision codes, per object (ReviewMarks.codes)
    accepted: np.ndarray | None = None  # an annotation layer's objects a review accepted (ReviewMarks.accepted)
    large: ViewportObjects | None = None  # on a tile of dots, the objects large enough to outline

    @property
    def nbytes(self) -> int:
        o = self.objects
        return int(self.grid.counts.nbytes + o.nodes.nbytes + o.bboxes.nbytes + o.ids.nbytes * 3 + 256)


@dataclass
class RenderedTile:
    image: QImage
    threshold: float
    detail: str
    ids: np.ndarray  # the objects drawn (none listed for counts tiles)
    objects: int  # how many objects the tile shows
    epoch: int = 0  # `OverlayTiles.epoch` when its data was read


class OverlayTiles:
    def __init__(
        self, store: Store, reviews: ReviewMarks, types: TypeInfo,
        on_ready: Callable[[Rect | None], None] = lambda _area: None, workers: int = 2,
    ) -> None:  # fmt: skip
        self.store, self.reviews, self.types, self.on_ready = store, reviews, types, on_ready
        self.images: TileCache[RenderedTile] = TileCache(CACHE_BYTES, lambda t: t.image.sizeInBytes() + 64)
        self.data: TileCache[TileData] = TileCache(CACHE_BYTES, lambda d: d.nbytes)
        self._requests: TileRequests[OverlayKey] = TileRequests("overlay", workers)
        self._lock = threading.Lock()
        self._generation: dict[tuple[int, LayerId, int], int] = {}
        self._stamp: dict[tuple[int, LayerId], int] = {}  # bumped by every invalidation of a layer
        self._sizes: dict[tuple[int, LayerId], tuple[float, float]] = {}
        self.epoch = 0  # bumped by `forget_all`: every tile of an earlier epoch is stale
        self.queried_count = 0  # store reads (a threshold change makes none)
        self.last_error = ""

    # --- the painter's side -----------------------------------------------------------------
    def get(self, key: OverlayKey, threshold: float) -> RenderedTile | None:
        tile = self.images.get(self._cache_key(key))
        return tile if tile is not None and tile.threshold == threshold and tile.epoch == self.epoch else None

    def get_any(self, key: OverlayKey) -> RenderedTile | None:
        """A tile at whatever threshold it was last drawn (a stand-in while the new one renders)."""
        return self.images.get(self._cache_key(key))

    def want(self, requests: Sequence[tuple[OverlayKey, float, tuple[int, int, int]]]) -> None:
        """(key, threshold, layer colour) for every tile the view misses, most wanted first."""
        self._requests.want([(key, functools.partial(self._render, key, threshold, colour))
                             for key, threshold, colour in requests])  # fmt: skip

    def idle(self) -> bool:
        return self._requests.idle()

    # --- invalidation -------------------------------------------------------------------------
    def invalidate(self, change: SpatialChange) -> None:
        """Forget the tiles of the changed layer that the changed boxes (plus outline margins) touch."""
        layer = (change.kind, change.group)
        boxes = np.asarray(change.boxes, np.float64).reshape(-1, 4)
        with self._lock:
            self._stamp[(change.image, layer)] = self._stamp.get((change.image, layer), 0) + 1
            self._sizes.pop((change.image, layer), None)
            for z in range(Z_MIN, Z_MAX + 1):
                span = TILE * 2.0**z
                margin = (POINT_RADIUS_PX + LINE_PX + 1) * 2.0**z
                c0 = np.floor((boxes[:, 0] - margin) / span).astype(np.int64)
                r0 = np.floor((boxes[:, 1] - margin) / span).astype(np.int64)
                c1 = np.floor((boxes[:, 2] + margin) / span).astype(np.int64)
                r1 = np.floor((boxes[:, 3] + margin) / span).astype(np.int64)
                if int(((c1 - c0 + 1) * (r1 - r0 + 1)).sum()) > MAX_INVALIDATED_TILES:
                    level = (change.image, layer, z)
                    self._generation[level] = self._generation.get(level, 0) + 1
                    continue
                touched = {
                    (c, r)
                    for a, b, c_end, d in zip(c0.tolist(), r0.tolist(), c1.tolist(), r1.tolist(), strict=True)
                    for c in range(a, c_end + 1)
                    for r in range(b, d + 1)
                }
                for col, row in touched:
                    cache_key = self._cache_key_locked(OverlayKey(change.image, layer, z, col, row))
                    self.images.pop(cache_key)
                    self.data.pop(cache_key)
        self.on_ready(None)

    def forget_all(self) -> None:
        """Everything may have changed (another process wrote to the project): every tile is
        read and drawn again, the old one shown until then."""
        with self._lock:
            self.epoch += 1
            self._sizes.clear()
            self.data.clear()
        self.on_ready(None)

    # --- workers ------------------------------------------------------------------------------
    def _cache_key(self, key: OverlayKey) -> tuple[OverlayKey, int]:
        with self._lock:
            return self._cache_key_locked(key)

    def _cache_key_locked(self, key: OverlayKey) -> tuple[OverlayKey, int]:
        return (key, self._generation.get((key.image, key.layer, key.z), 0))

    def _render(self, key: OverlayKey, threshold: float, colour: tuple[int, int, int]) -> Callable[[], None] | None:
        """Reads (unless cached) and draws one tile; keeps it, and says so, once off the queue."""
        with self._lock:
            stamp = self._stamp.get((key.image, key.layer), 0)
            epoch = self.epoch
            cache_key = self._cache_key_locked(key)
        data, tile = self.data.get(cache_key), None
        try:
            if data is None:
                data = self._query(key)
            tile = self._draw(key, data, threshold, colour)
            tile.epoch = epoch
        except Exception as err:  # the store failed (closed, disk gone): say so once, draw nothing
            self.last_error = f"overlay tile {key}: {err}"
        if data is None or tile is None:  # a failed tile is tried again at the next paint, not in a loop
            return None
        return functools.partial(self._keep, key, stamp, epoch, cache_key, data, tile)

    def _keep(self, key: OverlayKey, stamp: int, epoch: int, cache_key: tuple[OverlayKey, int], data: TileData,
              tile: RenderedTile) -> None:  # fmt: skip
        with self._lock:
            fresh = self._stamp.get((key.image, key.layer), 0) == stamp and self.epoch == epoch
        if fresh:  # else an edit landed meanwhile: asked again
            self.data.put(cache_key, data)
            self.images.put(cache_key, tile)
        self.on_ready(key.frame.rect)

    def _query(self, key: OverlayKey) -> TileData:
        frame = key.frame
        kind, group = key.layer
        groups = {"annotation_types": (group,)} if kind == "annotations" else {"entries": (group,)}
        grid = self.store.density(ViewportQuery(key.image, frame.rect, **groups))  # type: ignore[arg-type]
        size, peak = self._layer_stats(key, groups)
        # one choice per layer and level, from the densest part of the layer: no seams between tiles
        detail = choose_detail(size, frame.downsample, peak * (TILE * frame.downsample) ** 2)
        self.queried_count += 1
        if detail == "counts":
            return TileData(detail, size, grid)
        margin = (POINT_RADIUS_PX + LINE_PX + 1) * frame.downsample
        r = frame.rect
        wide = Rect(r.x - margin, r.y - margin, r.w + 2 * margin, r.h + 2 * margin)
        query = ViewportQuery(key.image, wide, nodes=detail == "outlines", **groups)  # type: ignore[arg-type]
        found = self.store.viewport(query)
        if detail == "dots" and outlined_anyway(found, frame.downsample).any():  # rare: their nodes read too
            with_nodes = self.store.viewport(replace(query, nodes=True))
            large = only(with_nodes, outlined_anyway(with_nodes, frame.downsample))
            return TileData(detail, size, grid, found, large=large)
        outlines = detail == "outlines"
        states = self.reviews.codes(found.ids) if kind == RESULTS and outlines else None
        accepted = self.reviews.accepted(found.ids) if kind != RESULTS and outlines else None
        return TileData(detail, size, grid, found, states, accepted)

    def _layer_stats(self, key: OverlayKey, groups: dict[str, tuple[int, ...]]) -> tuple[float, float]:
        """(typical object size, objects per level-0 px² in the densest 4,096 px square) of a layer."""
        with self._lock:
            stats = self._sizes.get((key.image, key.layer))
        if stats is None:
            image = self.store.get(Image, key.image)
            everywhere = ViewportQuery(key.image, Rect(0, 0, max(1, image.width), max(1, image.height)), **groups)  # type: ignore[arg-type]
            size = self.store.typical_size(everywhere)
            density = self.store.density(everywhere)
            counts = density.at_threshold(0)
            block = max(1, 4096 // density.cell)
            rows, cols = -(-counts.shape[0] // block), -(-counts.shape[1] // block)
            padded = np.zeros((rows * block, cols * block), np.int64)
            padded[: counts.shape[0], : counts.shape[1]] = counts
            peak = float(padded.reshape(rows, block, cols, block).sum(axis=(1, 3)).max(initial=0))
            stats = (size, peak / (block * density.cell) ** 2)
            with self._lock:
                self._sizes[(key.image, key.layer)] = stats
        return stats

    def _draw(self, key: OverlayKey, data: TileData, threshold: float, colour: tuple[int, int, int]) -> RenderedTile:
        frame = key.frame
        found = data.objects
        keep = np.isnan(found.scores) | (found.scores >= threshold)
        if data.detail == "outlines":
            types = {t: self.types(t) for t in np.unique(found.types).tolist()}
            colours, shapes = {t: c for t, (c, _) in types.items()}, {t: s for t, (_, s) in types.items()}
            if data.states is not None:  # a result layer: undecided dashed, accepted solid, rejected struck
                pixels = render_reviewed(found, frame, colours, shapes, threshold, data.states)
            else:
                pixels = render_outlines(found, frame, colours, shapes, threshold)
                if data.accepted is not None and data.accepted.any():
                    pixels = mark_accepted(pixels, found, frame, colours, data.accepted, threshold)
            ids = found.ids[keep]
        else:
            if data.detail == "dots":
                small = found if data.large is None else only(found, ~outlined_anyway(found, frame.downsample))
                counts = spread(dot_counts(small, frame, threshold), data.typical_size, frame.downsample)
                ids = found.ids[keep]
            else:
                counts = grid_counts(data.grid, frame, threshold)
                ids = np.empty(0, np.int64)
            pixels = shade(counts, coverage_px(data.typical_size, frame.downsample), colour)
            if data.large is not None:
                types = {t: self.types(t) for t in np.unique(data.large.types).tolist()}
                colours, shapes = {t: c for t, (c, _) in types.items()}, {t: s for t, (_, s) in types.items()}
                pixels = over(render_outlines(data.large, frame, colours, shapes, threshold), pixels)
        height, width = pixels.shape[:2]
        image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied).copy()
        objects = len(ids) if data.detail != "counts" else int(data.grid.at_threshold(threshold).sum())
        return RenderedTile(image, threshold, data.detail, ids, objects)

    def shutdown(self) -> None:
        self._requests.shutdown()
