"""The one overlay painter: annotation layers and plugin result layers of the shown image.

Each paint draws cached tiles only (`OverlayTiles` renders the missing ones on worker threads and
asks for a repaint when they are ready); a missing tile is stood in for by its parent level's
tile. Result bitmaps (heatmaps) are drawn as pictures over their `location_rect`.
The painter never reads the store on the GUI thread, apart from the few bitmap rows.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from exact_desktop.model.entities import AnnotationType, PluginResultBitmap, VectorType, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import RESULTS, LayerKey, LayerList
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.limits import MAX_BITMAP_PIXELS, ImageTooLargeError, check_pixels
from exact_desktop.store.base import NotFoundError, SpatialChange, Store
from exact_desktop.viewer.overlay import AreaReady
from exact_desktop.viewer.overlay_tiles import (
    TILE,
    OverlayKey,
    OverlayTiles,
    ReviewMarks,
    overlay_z,
    tiles_for_region,
)

_STAND_IN_LEVELS = 3
_EXACT_COUNT = 20_000  # up to this many shown objects, `drawn` counts each once


class OverlayPainter:
    def __init__(
        self, store: Store, reviews: ReviewMarks, layers: LayerList, image_of_view: Callable[[], int | None]
    ) -> None:
        self.store, self.layers, self.image_of_view = store, layers, image_of_view
        self._types: dict[int, tuple[tuple[int, int, int], int]] = {}
        self.tiles = OverlayTiles(store, reviews, self.type_info, on_ready=self._ready)
        self.on_ready: AreaReady = lambda _area: None  # the view's, once attached
        self._bitmap_rows: dict[int, list[PluginResultBitmap]] = {}
        self._pictures: dict[int, tuple[float, QImage]] = {}
        self._shown: tuple[int, list[np.ndarray]] = (0, [])  # the last paint's counts and tile ids
        self.drawn_bitmaps = 0
        self.complete = True  # every visible tile of the last paint was ready
        store.changed.connect(self._store_changed)

    def attach(self, on_ready: AreaReady) -> None:
        self.on_ready = on_ready

    # --- painting ---------------------------------------------------------------------------
    @property
    def drawn(self) -> int:
        """Objects shown in the last paint (what a person sees; tests read it). Counted when
        asked, not in every paint: objects on tile borders are in several tiles."""
        counted, shown = self._shown
        listed = sum(len(ids) for ids in shown)
        return counted + (len(np.unique(np.concatenate(shown))) if 0 < listed <= _EXACT_COUNT else listed)

    def paint(self, painter: QPainter, state: ViewState) -> None:
        self.drawn_bitmaps = 0
        self._shown = (0, [])
        image = self.image_of_view()
        if image is None:
            self.complete = True
            return
        region = state.visible_region()
        z = overlay_z(state.downsample)
        wanted: list[tuple[OverlayKey, float, tuple[int, int, int]]] = []
        shown: list[np.ndarray] = []
        problems: list[tuple[LayerKey, str]] = []
        counted = 0
        for layer in self.layers.for_image(image):
            if not layer.visible:
                continue
            painter.setOpacity(layer.opacity)
            if layer.kind == RESULTS:
                reasons = [self._draw_bitmap(painter, state, b, layer.threshold) for b in self._bitmaps(layer.group)]
                problem = "; ".join(r for r in reasons if r)
                if problem != layer.problem:
                    problems.append((layer.key, problem))
            keys = tiles_for_region(image, layer.key, z, region, state.slide_width, state.slide_height)
            colour = _rgb(layer.colour)
            for key in keys:
                tile = self.tiles.get(key, layer.threshold)
                if tile is None:
                    wanted.append((key, layer.threshold, colour))
                    tile = self.tiles.get_any(key)
                    if tile is None:
                        self._stand_in(painter, state, key)
                        continue
                if tile.objects:  # an empty tile costs nothing to draw
                    painter.drawImage(_screen_rect(state, key), tile.image)
                if tile.detail == "counts":
                    counted += tile.objects
                else:
                    shown.append(tile.ids)
        painter.setOpacity(1.0)
        self.tiles.want(wanted)
        self.complete = not wanted
        self._shown = (counted, shown)
        for key, problem in problems:  # the Layers panel names what could not be drawn
            self.layers.set(key, problem=problem)

    def _stand_in(self, painter: QPainter, state: ViewState, key: OverlayKey) -> None:
        """The part of the nearest coarser cached tile that covers `key`."""
        for k in range(1, _STAND_IN_LEVELS + 1):
            parent_key = OverlayKey(key.image, key.layer, key.z + k, key.col >> k, key.row >> k)
            parent = self.tiles.get_any(parent_key)
            if parent is None:
                continue
            part = TILE >> k
            source = QRectF((key.col % (1 << k)) * part, (key.row % (1 << k)) * part, part, part)
            painter.drawImage(_screen_rect(state, key), parent.image, source)
            return

    def _ready(self, area: Rect | None) -> None:
        self.on_ready(area)

    # --- what changed -------------------------------------------------------------------------
    def _store_changed(self, _store: object, changes: list[SpatialChange]) -> None:
        """From the writing thread: drop the tiles the changed boxes touch, then repaint."""
        for change in changes:
            self.tiles.invalidate(change)
            if change.kind == RESULTS:
                self._bitmap_rows.pop(change.group, None)

    def refresh(self) -> None:
        """Results may have changed (a job moved on): read the bitmap rows again at the next paint."""
        self._bitmap_rows.clear()

    def refresh_all(self) -> None:
        """Another process wrote to the project: anything drawn may be out of date."""
        self._bitmap_rows.clear()
        self._types.clear()
        self.tiles.forget_all()

    def type_info(self, type_id: int) -> tuple[tuple[int, int, int], int]:
        """(rgb, vector type) of an annotation type, read once."""
        found = self._types.get(type_id)
        if found is None:
            try:
                kind = self.store.get(AnnotationType, type_id)
                found = (_rgb(kind.color_code), kind.vector_type)
            except NotFoundError:
                found = ((255, 255, 0), VectorType.POLYGON)
            self._types[type_id] = found
        return found

    def close(self) -> None:
        self.store.changed.disconnect(self._store_changed)
        self.tiles.shutdown()

    # --- result bitmaps -----------------------------------------------------------------------
    def _bitmaps(self, entry: int) -> list[PluginResultBitmap]:
        found = self._bitmap_rows.get(entry)
        if found is None:
            found = self._bitmap_rows[entry] = self.store.list(PluginResultBitmap, pluginresultentry=entry)
        return found

    def _draw_bitmap(
        self, painter: QPainter, state: ViewState, bitmap: PluginResultBitmap, threshold: float
    ) -> str | None:
        """Heatmaps (1 channel) coloured with a perceptual map, values under the threshold clear.
        A bitmap that cannot be drawn is skipped, and why is returned."""
        made_for, picture = self._pictures.get(stored_id(bitmap), (None, ""))
        if made_for != threshold:  # one picture (or reason) per bitmap, for the threshold shown
            folder: Path = self.store.bitmap_folder  # type: ignore[attr-defined]
            try:
                picture = heatmap_image(folder / bitmap.bitmap, bitmap.channels, threshold)
            except BitmapUnreadableError as err:
                picture = str(err)
            self._pictures[stored_id(bitmap)] = (threshold, picture)
        try:
            x, y, w, h = drawable_rect(bitmap.location_rect)
        except BitmapUnreadableError as err:
            return f"bitmap {bitmap.bitmap}: {err}"
        if isinstance(picture, str):
            return picture
        sx, sy = state.l0_to_screen(x, y)
        painter.drawImage(QRectF(sx, sy, w / state.downsample, h / state.downsample), picture)
        self.drawn_bitmaps += 1
        return None


class BitmapUnreadableError(Exception):
    """A result bitmap that cannot be drawn; the message says why, naming its file."""


def drawable_rect(rect: object) -> tuple[float, float, float, float]:
    """A location_rect as (x, y, w, h): finite numbers, a positive size (the project file may
    hold anything another program wrote)."""
    try:
        values = [float(rect[k]) for k in ("x", "y", "w", "h")]  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values) or values[2] <= 0 or values[3] <= 0:
        raise BitmapUnreadableError(f"its location_rect {str(rect)[:60]!r} is not x, y, w, h with a positive size")
    x, y, w, h = values
    return x, y, w, h


@functools.lru_cache(maxsize=256)
def _rgb(code: str) -> tuple[int, int, int]:
    colour = QColor(code)
    if not colour.isValid():
        colour = QColor(255, 255, 0)
    return colour.red(), colour.green(), colour.blue()


def _screen_rect(state: ViewState, key: OverlayKey) -> QRectF:
    r = key.frame.rect
    x0, y0 = state.l0_to_screen(r.x, r.y)
    x1, y1 = state.l0_to_screen(r.right, r.bottom)
    return QRectF(math.floor(x0 + 0.5), math.floor(y0 + 0.5), math.floor(x1 + 0.5) - math.floor(x0 + 0.5),
                  math.floor(y1 + 0.5) - math.floor(y0 + 0.5))  # fmt: skip


def heatmap_image(path: Path, channels: int, threshold: float) -> QImage:
    """A bitmap file as a paintable image: heatmaps through the viridis map, clear where zero and
    below the threshold. BitmapUnreadableError naming the file when it is missing, too large or not a picture."""
    if not path.is_file():  # nor a FIFO to wait on for ever
        what = "not a regular file" if path.exists() else "missing"
        raise BitmapUnreadableError(f"bitmap {path.name}: its file is {what}")
    try:  # a file in the project that declares too many pixels is not decoded at all
        check_pixels(path, MAX_BITMAP_PIXELS, f"bitmap {path.name}")
        data = np.fromfile(str(path), np.uint8)
    except ImageTooLargeError as err:
        raise BitmapUnreadableError(str(err)) from None
    except OSError as err:
        raise BitmapUnreadableError(f"bitmap {path.name}: cannot be read ({err.strerror or err})") from None
    raw = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if raw is None:
        raise BitmapUnreadableError(f"bitmap {path.name}: is not a picture (PNG, JPEG or TIFF)")
    if raw.dtype != np.uint8:
        raise BitmapUnreadableError(f"bitmap {path.name}: holds {raw.dtype} values; 8-bit pictures are drawn")
    if channels == 1 or raw.ndim == 2:
        grey = raw if raw.ndim == 2 else raw[..., 0]
        rgba = cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_VIRIDIS), cv2.COLOR_BGR2RGBA)
        # nothing there is clear at every threshold: at full opacity a zero density left the
        # glass and the tissue around it painted in the map's darkest colour
        rgba[..., 3] = np.where((grey > 0) & (grey >= threshold * 255), 255, 0).astype(np.uint8)
    else:
        rgba = cv2.cvtColor(raw[..., :3], cv2.COLOR_BGR2RGBA)
    rgba = np.ascontiguousarray(rgba)
    height, width = rgba.shape[:2]
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()
