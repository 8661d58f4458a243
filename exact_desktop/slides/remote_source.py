"""A slide on an EXACT server, read through its DeepZoom tiles (what EXACT's web viewer loads).

The server's tiles are OpenSlide's DeepZoomGenerator's: 254 px with a 1 px overlap, level
`n` the slide halved (rounding up) until 1 x 1, the last level full size. Each of our levels
is one DeepZoom level (downsample 2^k), so the viewer's tile cache and loader treat it like a
local pyramid. The tile path ends in a slash (without it the server answers 301). The
overview is the server's thumbnail.

The server is reached through `TileServer`, a small fetch interface (sync/remote_tiles.py gives
one over the REST client), so slides/ does not depend on rest/.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from pathlib import PurePosixPath
from typing import Any, Protocol

import cv2
import numpy as np

from exact_desktop.slides.base import SlideReadError, SlideSource

TILE, OVERLAP = 254, 1
SMALLEST_LEVEL_SIDE = 256  # coarser DeepZoom levels are not offered (the thumbnail covers them)
CACHED_TILES = 256


class FetchError(Exception):
    """The server did not give what was asked; the message names the request and why."""


class TileServer(Protocol):
    """What a remote slide needs of a server. Both reads raise FetchError when they fail."""

    @property
    def url(self) -> str: ...

    def json(self, path: str) -> Any: ...

    def content(self, path: str) -> bytes: ...


def deepzoom_dimensions(width: int, height: int) -> list[tuple[int, int]]:
    """DeepZoomGenerator's level sizes, full size first."""
    sizes = [(width, height)]
    while sizes[-1] != (1, 1):
        w, h = sizes[-1]
        sizes.append((max(1, math.ceil(w / 2)), max(1, math.ceil(h / 2))))
    return sizes


class RemoteSlideSource(SlideSource):
    def __init__(self, server: TileServer, image_id: int, name: str = "", mpp: float | None = None,
                 objective_power: float | None = None) -> None:  # fmt: skip
        self.server, self.image_id = server, image_id
        self.url = f"{server.url}/images/{image_id}/{name}"
        self.path = PurePosixPath(self.url)  # type: ignore[assignment]  # for display; self.url is the address
        base = f"/api/v1/images/images/{image_id}"
        self._tiles_path = f"{base}/1/1/tile_files"
        try:
            info = server.json(f"{base}/slide_information/")
        except FetchError as err:
            raise SlideReadError(self.url, f"the server did not describe image {image_id}: {err}") from None
        width, height = (int(v) for v in info["level_dimensions"][0])
        all_levels = deepzoom_dimensions(width, height)
        self._levels = [size for size in all_levels if max(size) >= SMALLEST_LEVEL_SIDE] or all_levels[:1]
        self._top = len(all_levels) - 1  # DeepZoom's number of the full-size level
        self._mpp, self._power = mpp or None, objective_power or None
        self._cache: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def level_dimensions(self) -> tuple[tuple[int, int], ...]:
        return tuple(self._levels)

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        return tuple(float(2**k) for k in range(len(self._levels)))

    @property
    def mpp(self) -> float | None:
        return self._mpp

    @property
    def objective_power(self) -> float | None:
        return self._power

    @property
    def vendor(self) -> str:
        return "exact-server"

    def read_region(self, l0_location: tuple[int, int], level: int, size: tuple[int, int]) -> np.ndarray:
        width, height = size
        scale = 2**level
        x0, y0 = math.floor(l0_location[0] / scale), math.floor(l0_location[1] / scale)
        out = np.full((height, width, 3), 255, np.uint8)  # beyond the slide: glass
        level_w, level_h = self._levels[level]
        first_col, first_row = max(0, x0 // TILE), max(0, y0 // TILE)
        last_col = min(math.ceil(level_w / TILE) - 1, (x0 + width - 1) // TILE)
        last_row = min(math.ceil(level_h / TILE) - 1, (y0 + height - 1) // TILE)
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                tile = self._tile(level, col, row)
                left, top = col * TILE - (OVERLAP if col > 0 else 0), row * TILE - (OVERLAP if row > 0 else 0)
                _paste(out, tile, left - x0, top - y0)
        return out

    def get_thumbnail(self, max_side: int) -> np.ndarray:
        try:
            pixels = _decode(self.server.content(f"/api/v1/images/images/{self.image_id}/thumbnail/"))
        except (FetchError, ValueError):
            return super().get_thumbnail(max_side)
        if max(pixels.shape[:2]) > max_side:
            scale = max_side / max(pixels.shape[:2])
            target = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
            pixels = cv2.resize(pixels, target, interpolation=cv2.INTER_AREA)
        return pixels

    def _tile(self, level: int, col: int, row: int) -> np.ndarray:
        key = (level, col, row)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        path = f"{self._tiles_path}/{self._top - level}/{col}_{row}.jpeg/"
        try:
            pixels = _decode(self.server.content(path))
        except (FetchError, ValueError) as err:
            raise SlideReadError(self.url, f"tile {col}_{row} of level {level}: {err}") from None
        with self._lock:
            self._cache[key] = pixels
            while len(self._cache) > CACHED_TILES:
                self._cache.popitem(last=False)
        return pixels


def _decode(data: bytes) -> np.ndarray:
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        raise ValueError(f"{len(data)} bytes that are not an image")
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)


def _paste(out: np.ndarray, tile: np.ndarray, left: int, top: int) -> None:
    """`tile` into `out` with its top-left at (left, top), clipped to both."""
    h, w = tile.shape[:2]
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(out.shape[1], left + w), min(out.shape[0], top + h)
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = tile[y0 - top : y1 - top, x0 - left : x1 - left]
