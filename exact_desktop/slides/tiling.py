"""Display-pyramid arithmetic, pure (after openslide-python's deepzoom.py).

Spaces: `l0_` level-0 slide pixels; `l_` pixels of a slide level; `z_` pixels of a display
level, whose downsample is exactly 2**z; `t_` tile indices in a display level. Display levels
are power-of-two so the viewer always draws tiles at a scale between 0.71 and 1.41, whatever
steps the file's own levels take (Aperio uses 4x); each display tile is read from the finest
slide level that is not finer than needed and then resized, as DeepZoom does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exact_desktop.model.geometry import Rect

TILE_SIZE = 512


@dataclass(frozen=True)
class TileKey:
    """One display tile; immutable, so it is both the load request and the cache key."""

    slide_id: int
    z: int
    col: int
    row: int


@dataclass(frozen=True)
class ReadPlan:
    """How to produce a tile: what to read from the slide, and the size it becomes."""

    level: int
    l0_location: tuple[int, int]
    l_size: tuple[int, int]
    z_size: tuple[int, int]


class TilePyramid:
    def __init__(
        self,
        level_dimensions: tuple[tuple[int, int], ...],
        level_downsamples: tuple[float, ...],
        tile_size: int = TILE_SIZE,
        slide_id: int = 0,
    ) -> None:
        self.width, self.height = level_dimensions[0]
        self.level_dimensions = level_dimensions
        self.level_downsamples = level_downsamples
        self.tile_size = tile_size
        self.slide_id = slide_id
        longest = max(self.width, self.height)
        self.z_max = max(0, math.ceil(math.log2(max(1.0, longest / tile_size))))

    @staticmethod
    def z_downsample(z: int) -> float:
        return float(2**z)

    def z_for_downsample(self, view_downsample: float) -> int:
        """The display level whose pixels are closest in size to screen pixels."""
        if view_downsample <= 1:
            return 0
        return min(self.z_max, round(math.log2(view_downsample)))

    def grid_size(self, z: int) -> tuple[int, int]:
        span = self.tile_size * self.z_downsample(z)
        return math.ceil(self.width / span), math.ceil(self.height / span)

    def tile_l0_rect(self, key: TileKey) -> Rect:
        span = self.tile_size * self.z_downsample(key.z)
        x, y = key.col * span, key.row * span
        return Rect(x, y, min(span, self.width - x), min(span, self.height - y))

    def tiles_for_region(self, z: int, l0_region: Rect, margin: int = 0) -> list[TileKey]:
        """Tiles of level z that touch the region (plus `margin` rings), nearest the centre first."""
        span = self.tile_size * self.z_downsample(z)
        cols, rows = self.grid_size(z)
        c0 = max(0, math.floor(l0_region.x / span) - margin)
        r0 = max(0, math.floor(l0_region.y / span) - margin)
        c1 = min(cols - 1, math.ceil(l0_region.right / span) - 1 + margin)
        r1 = min(rows - 1, math.ceil(l0_region.bottom / span) - 1 + margin)
        cx, cy = l0_region.center
        keys = [TileKey(self.slide_id, z, c, r) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        keys.sort(key=lambda k: ((k.col + 0.5) * span - cx) ** 2 + ((k.row + 0.5) * span - cy) ** 2)
        return keys

    def best_slide_level(self, z: int) -> int:
        target = self.z_downsample(z) * 1.0001
        best = 0
        for level, ds in enumerate(self.level_downsamples):
            if ds <= target:
                best = level
        return best

    def read_plan(self, key: TileKey) -> ReadPlan:
        rect = self.tile_l0_rect(key)
        level = self.best_slide_level(key.z)
        l_ds = self.level_downsamples[level]
        z_ds = self.z_downsample(key.z)
        return ReadPlan(
            level=level,
            l0_location=(int(rect.x), int(rect.y)),
            l_size=(max(1, math.ceil(rect.w / l_ds)), max(1, math.ceil(rect.h / l_ds))),
            z_size=(max(1, math.ceil(rect.w / z_ds)), max(1, math.ceil(rect.h / z_ds))),
        )
