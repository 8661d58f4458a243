"""Every format OpenSlide reads (Aperio, Hamamatsu, MIRAX, generic tiled TIFF, ...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openslide

from exact_desktop.slides.base import MAX_PLAUSIBLE_MPP, SlideError, SlideReadError, SlideSource, rgba_over_white
from exact_desktop.slides.tiff_tiles import TiffTiles, TileDecodeError


def openslide_format(path: Path) -> str | None:
    try:
        return openslide.OpenSlide.detect_format(str(path))
    except openslide.OpenSlideError:
        return None


class OpenSlideSource(SlideSource):
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._slide = openslide.OpenSlide(str(path))
        except openslide.OpenSlideUnsupportedFormatError as err:
            raise SlideError(path, f"format not supported by OpenSlide ({err})") from None
        except openslide.OpenSlideError as err:
            raise SlideError(path, str(err) or "OpenSlide could not open it") from None
        self._levels = tuple(self._slide.level_dimensions)
        self._downsamples = tuple(self._slide.level_downsamples)
        self._properties = dict(self._slide.properties)
        self._tiles = TiffTiles.of(path, self.vendor, self._levels, self._downsamples)  # the same pixels, faster

    @property
    def level_dimensions(self) -> tuple[tuple[int, int], ...]:
        return self._levels

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        return self._downsamples

    @property
    def properties(self) -> dict[str, str]:
        return self._properties

    @property
    def mpp(self) -> float | None:
        """µm per level-0 pixel, or None when the file does not really know it.

        OpenSlide 4 derives a generic TIFF's mpp from its resolution tags, and most writers put
        72 dpi there by default (352.8 µm/px): no microscope scans that coarsely, so such a
        value means "unknown", as EXACT's server (and OpenSlide 3) report it.
        """
        value = self._properties.get(openslide.PROPERTY_NAME_MPP_X)
        try:
            mpp = float(value) if value else None
        except ValueError:
            return None
        return mpp if mpp is not None and 0 < mpp <= MAX_PLAUSIBLE_MPP else None

    @property
    def objective_power(self) -> float | None:
        value = self._properties.get(openslide.PROPERTY_NAME_OBJECTIVE_POWER)
        try:
            return float(value) if value else None
        except ValueError:
            return None

    @property
    def vendor(self) -> str:
        return self._properties.get(openslide.PROPERTY_NAME_VENDOR, "openslide")

    def read_region(self, l0_location: tuple[int, int], level: int, size: tuple[int, int]) -> np.ndarray:
        if self._tiles is not None and self._tiles.reads(l0_location, level):
            try:
                return self._tiles.read(l0_location, level, size)
            except TileDecodeError as err:
                raise SlideReadError(self.path, f"pixels cannot be decoded ({err})") from None
        try:
            rgba = np.asarray(self._slide.read_region(l0_location, level, size))
        except openslide.OpenSlideError as err:
            raise SlideReadError(self.path, f"pixels cannot be decoded ({err})") from None
        return rgba_over_white(rgba)

    @property
    def openslide(self) -> openslide.OpenSlide:
        """The OpenSlide handle, for openslide-python's own tools (DeepZoomGenerator)."""
        return self._slide

    def raw_read_region(self, l0_location: tuple[int, int], level: int, size: tuple[int, int]) -> object:
        """OpenSlide's own call, untouched: the baseline the viewer benchmark compares to."""
        return self._slide.read_region(l0_location, level, size)

    def close(self) -> None:
        self._slide.close()
        if self._tiles is not None:
            self._tiles.close()
