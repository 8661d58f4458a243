"""EXACT's screening mode, Qt-free: the image cut into fields, walked with EXACT's keys, and
which fields were screened, kept per user and image in the project file (`ScreeningMode`,
EXACT's own record, so a server mirror can sync it as it is).

As in EXACT (`screeningTool.js`), fields are numbered row by row, a field is shown with a tenth
of its size more on each side (the overlap), and a marking move (`a` `d` `w` `s`) marks the
field left and the field reached as screened; `j` `l` `i` `k` move without marking. Beyond
EXACT, fields that are glass (by the slide's tissue mask) are marked `"Glass": true`, skipped
by every move and left out of the percentage. Every move is written at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from exact_desktop.model.entities import Image, ScreeningMode, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.slides.base import SlideSource
from exact_desktop.slides.tissue import tissue_mask
from exact_desktop.store.base import Store

OVERLAP = 0.1  # EXACT's: of a field's size, shown more on each side
MAGNIFICATION = 10.0  # the field a screener sees at this objective power, by default
TISSUE_SHARE = 0.01  # a field with less tissue than this share of its area is glass
_THUMBNAIL = 1024
_UM_PER_SCREEN_PX_AT_1X = 10.0  # 40x is 0.25 µm per pixel
_DEFAULT_MPP = 0.25

# key -> (columns, rows, marks): EXACT's screening keys
MOVES: dict[str, tuple[int, int, bool]] = {
    "a": (-1, 0, True), "d": (1, 0, True), "w": (0, -1, True), "s": (0, 1, True),
    "j": (-1, 0, False), "l": (1, 0, False), "i": (0, -1, False), "k": (0, 1, False),
}  # fmt: skip


@dataclass(frozen=True)
class Progress:
    screened: int
    fields: int  # without glass

    @property
    def percent(self) -> float:
        return 100.0 * self.screened / self.fields if self.fields else 100.0

    def __str__(self) -> str:
        return f"Screened {self.percent:.0f} % ({self.screened:,} of {self.fields:,} fields)"


def field_size(viewport: tuple[int, int], mpp: float, magnification: float = MAGNIFICATION) -> tuple[int, int]:
    """A field's level-0 size: what the viewport shows at `magnification`, less the overlap
    shown around it, so a field and its overlap fill the view."""
    downsample = (_UM_PER_SCREEN_PX_AT_1X / magnification) / (mpp or _DEFAULT_MPP)
    scale = downsample / (1 + 2 * OVERLAP)
    return max(1, round(viewport[0] * scale)), max(1, round(viewport[1] * scale))


def make_tiles(
    width: int, height: int, x_res: int, y_res: int, tissue: np.ndarray | None = None
) -> tuple[dict[str, Any], int, int]:
    """EXACT's `createTiles` (fields row by row from the top-left), glass fields marked."""
    x_steps, y_steps = math.ceil(width / x_res), math.ceil(height / y_res)
    tiles: dict[str, Any] = {}
    for row in range(y_steps):
        for col in range(x_steps):
            x, y = col * x_res, row * y_res
            tile = {"Screened": False, "x_min": x, "y_min": y, "x_max": x + x_res, "y_max": y + y_res}
            if tissue is not None and _tissue_share(tissue, width, height, tile) < TISSUE_SHARE:
                tile["Glass"] = True
            tiles[str(row * x_steps + col)] = tile
    return tiles, x_steps, y_steps


def _tissue_share(mask: np.ndarray, width: int, height: int, tile: dict[str, Any]) -> float:
    sy, sx = mask.shape[0] / height, mask.shape[1] / width
    part = mask[
        int(tile["y_min"] * sy) : math.ceil(tile["y_max"] * sy), int(tile["x_min"] * sx) : math.ceil(tile["x_max"] * sx)
    ]
    return float(part.mean()) if part.size else 0.0


class Screening:
    """One user's screening of one image: where they are, what they marked; stored at once."""

    def __init__(self, store: Store, mode: ScreeningMode) -> None:
        self.store, self.mode = store, mode

    @classmethod
    def open(
        cls, store: Store, image: Image, user: int | None, source: SlideSource, viewport: tuple[int, int],
        magnification: float | None = None,
    ) -> Screening:  # fmt: skip
        """The user's screening of the image as stored, or a new one: fields the size the view
        shows at `magnification` (MAGNIFICATION when new and not given), glass found on the
        thumbnail. A magnification that makes other fields starts again, as a new resolution
        does in EXACT."""
        found = store.list(ScreeningMode, image=image.id, user=user)
        x_res, y_res = field_size(viewport, source.mpp or image.mpp, magnification or MAGNIFICATION)
        if found and found[0].screening_tiles:
            same = (found[0].x_resolution, found[0].y_resolution) == (x_res, y_res)
            if magnification is None or same:
                return cls(store, found[0])
        width, height = source.dimensions
        tiles, x_steps, y_steps = make_tiles(width, height, x_res, y_res, tissue_mask(source.get_thumbnail(_THUMBNAIL)))
        first = next((int(i) for i, t in tiles.items() if not t.get("Glass")), 0)
        mode = ScreeningMode(stored_id(image), user, tiles, x_steps, y_steps, x_res, y_res, first)
        if found:
            return cls(store, store.update(ScreeningMode, stored_id(found[0]), **_fields(mode)))
        return cls(store, store.create(mode))

    # --- where, and how far -----------------------------------------------------------------
    @property
    def tiles(self) -> dict[str, Any]:
        return self.mode.screening_tiles or {}

    def shown(self, index: int | None = None) -> Rect:
        """The level-0 rectangle to show for a field (the current one): it and its overlap."""
        tile = self.tiles[str(self.mode.current_index if index is None else index)]
        w, h = tile["x_max"] - tile["x_min"], tile["y_max"] - tile["y_min"]
        return Rect(
            tile["x_min"] - OVERLAP * w, tile["y_min"] - OVERLAP * h, w * (1 + 2 * OVERLAP), h * (1 + 2 * OVERLAP)
        )

    def progress(self) -> Progress:
        fields = [t for t in self.tiles.values() if not t.get("Glass")]
        return Progress(sum(bool(t.get("Screened")) for t in fields), len(fields))

    def unscreened_holding(self, points: np.ndarray) -> list[int]:
        """The fields not screened yet (glass left out) that hold any of `points` (level-0 x, y):
        where candidates a plugin found still wait to be looked at."""
        x_res, y_res, x_steps = self.mode.x_resolution, self.mode.y_resolution, self.mode.x_steps
        if not len(points) or not x_res or not y_res:
            return []
        cols, rows = (points[:, 0] // x_res).astype(np.int64), (points[:, 1] // y_res).astype(np.int64)
        inside = (cols >= 0) & (cols < x_steps) & (rows >= 0) & (rows < self.mode.y_steps)
        indices = sorted({int(i) for i in rows[inside] * x_steps + cols[inside]})
        tiles = self.tiles
        return [i for i in indices if not tiles[str(i)].get("Screened") and not tiles[str(i)].get("Glass")]

    def go(self, index: int) -> Rect:
        """To field `index` without marking anything (as j l i k move)."""
        self.mode = self.store.update(ScreeningMode, stored_id(self.mode), current_index=index)
        return self.shown()

    # --- EXACT's keys -----------------------------------------------------------------------
    def key(self, key: str) -> Rect:
        """A screening key (a d w s, j l i k): mark and move, or just move; the field to show."""
        cols, rows, marks = MOVES[key]
        here = self.mode.current_index
        target = self._next_field(here, cols, rows)
        tiles = self.tiles
        if marks:
            tiles[str(here)]["Screened"] = True
            tiles[str(target)]["Screened"] = True  # EXACT marks the field it moves to as well
        self.mode = self.store.update(ScreeningMode, stored_id(self.mode), screening_tiles=tiles, current_index=target)
        return self.shown()

    def _next_field(self, index: int, cols: int, rows: int) -> int:
        """The nearest field that is not glass in the direction, by EXACT's index steps; `index`
        itself when there is none."""
        step = cols + rows * self.mode.x_steps
        count = self.mode.x_steps * self.mode.y_steps
        at = index + step
        while 0 <= at < count:
            if not self.tiles[str(at)].get("Glass"):
                return at
            at += step
        return index


def _fields(mode: ScreeningMode) -> dict[str, Any]:
    return {name: getattr(mode, name) for name in ("screening_tiles", "x_steps", "y_steps", "x_resolution",
                                                   "y_resolution", "current_index")}  # fmt: skip
