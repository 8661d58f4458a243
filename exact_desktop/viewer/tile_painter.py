"""Paints the tiles of the current view, with coarser stand-ins for tiles still loading."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QImage, QPainter

from exact_desktop.model.geometry import Rect
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.tile_cache import TileCache
from exact_desktop.slides.tiling import TileKey, TilePyramid


@dataclass
class FramePlan:
    """What one paint needs: the level, the visible tiles, and which of them are missing."""

    z: int
    visible: list[TileKey]
    missing: list[TileKey] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def screen_rect(state: ViewState, l0: Rect) -> QRect:
    """Level-0 rectangle to whole screen pixels; neighbours share edges, so no seams."""
    x0, y0 = state.l0_to_screen(l0.x, l0.y)
    x1, y1 = state.l0_to_screen(l0.right, l0.bottom)
    left, top = math.floor(x0 + 0.5), math.floor(y0 + 0.5)
    return QRect(left, top, math.floor(x1 + 0.5) - left, math.floor(y1 + 0.5) - top)


class TilePainter:
    def __init__(self, pyramid: TilePyramid, cache: TileCache[QImage], overview: QImage) -> None:
        self.pyramid, self.cache, self.overview = pyramid, cache, overview

    def plan(self, state: ViewState) -> FramePlan:
        z = self.pyramid.z_for_downsample(state.downsample)
        return FramePlan(z, self.pyramid.tiles_for_region(z, state.visible_region()))

    def paint(self, painter: QPainter, state: ViewState, plan: FramePlan) -> None:
        ready: list[tuple[TileKey, QImage]] = []
        for key in plan.visible:
            image = self.cache.get(key)
            if image is None:
                plan.missing.append(key)
            else:
                ready.append((key, image))
        if plan.missing:  # under the stand-ins, the overview: never a hole while tiles load
            self._paint_overview(painter, state)
            for key in plan.missing:
                self._paint_stand_in(painter, state, key)
        for key, image in ready:
            painter.drawImage(screen_rect(state, self.pyramid.tile_l0_rect(key)), image)

    def _paint_overview(self, painter: QPainter, state: ViewState) -> None:
        """The part of the overview under the viewport (deep in, the whole overview scaled up
        would cost more than every tile together)."""
        seen = state.visible_region()
        x0, y0 = max(0.0, seen.x), max(0.0, seen.y)
        x1, y1 = min(float(self.pyramid.width), seen.right), min(float(self.pyramid.height), seen.bottom)
        if x1 <= x0 or y1 <= y0:
            return
        sx, sy = self.overview.width() / self.pyramid.width, self.overview.height() / self.pyramid.height
        left, top = state.l0_to_screen(x0, y0)
        right, bottom = state.l0_to_screen(x1, y1)
        painter.drawImage(QRectF(left, top, right - left, bottom - top), self.overview,
                          QRectF(x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy))  # fmt: skip

    def _paint_stand_in(self, painter: QPainter, state: ViewState, key: TileKey) -> None:
        """Draw the part of the finest cached ancestor tile that covers `key`."""
        child = self.pyramid.tile_l0_rect(key)
        for k in range(1, self.pyramid.z_max - key.z + 1):
            parent_key = TileKey(key.slide_id, key.z + k, key.col >> k, key.row >> k)
            image = self.cache.get(parent_key)
            if image is None:
                continue
            parent = self.pyramid.tile_l0_rect(parent_key)
            scale = 1 / self.pyramid.z_downsample(parent_key.z)
            source = QRectF(
                (child.x - parent.x) * scale,
                (child.y - parent.y) * scale,
                child.w * scale,
                child.h * scale,
            )
            painter.drawImage(QRectF(screen_rect(state, child)), image, source)
            return

    def ring(self, state: ViewState, z: int) -> list[TileKey]:
        """Tiles around the viewport worth prefetching: one ring at this level, the level above."""
        region = state.visible_region()
        around = self.pyramid.tiles_for_region(z, region, margin=1)
        coarser = self.pyramid.tiles_for_region(min(z + 1, self.pyramid.z_max), region)
        return around + coarser
