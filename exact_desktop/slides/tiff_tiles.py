"""Pixels of a tiled JPEG TIFF level (Aperio SVS, generic tiled TIFF) decoded straight from its
tiles: tifffile finds them, imagecodecs decodes them, numpy places them.

OpenSlide paints the same tiles through cairo in premultiplied ARGB, which costs several times
the decoding: a 768 x 768 region of the demo slide took 46 ms there and 9.7 ms here, the same
bytes (a review crop at 20x of a 40x slide reads that much). Only what is the same here as in
OpenSlide is read here: levels that are a tiled 8-bit RGB JPEG page of the file's own, at whole
level pixels; anything else (another compression, a SubIFD pyramid, a level-0 location between
two level pixels, which OpenSlide interpolates) is left to OpenSlide.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

READS_HERE = ("aperio", "generic-tiff")  # OpenSlide formats whose levels are the file's tiled pages
JPEG = 7
WHITE = 255  # outside the scanned area: glass, as OpenSlide's transparent pixels over white


class TileDecodeError(Exception):
    """A tile that does not decode; the message says which."""


@dataclass(frozen=True)
class _Page:
    """What reading a page's tiles takes, kept once the TIFF file is closed."""

    width: int
    height: int
    tile_width: int
    tile_height: int
    offsets: tuple[int, ...]
    counts: tuple[int, ...]
    tables: bytes | None
    decode: Callable[..., Any]  # tifffile's decoder for this page (imagecodecs' JPEG, its colour space)

    @classmethod
    def of(cls, page: tifffile.TiffPage) -> _Page:
        return cls(page.imagewidth, page.imagelength, page.tilewidth, page.tilelength, tuple(page.dataoffsets),
                   tuple(page.databytecounts), page.jpegtables, page.decode)  # fmt: skip


class TiffTiles:
    """The JPEG tiled pages of a TIFF file that are OpenSlide levels, by level number."""

    def __init__(self, path: Path, pages: dict[int, _Page], downsamples: tuple[float, ...]) -> None:
        self._file = os.open(path, os.O_RDONLY)  # a plain descriptor: pread from any thread
        self._pages, self._downsamples = pages, downsamples

    @classmethod
    def of(
        cls, path: Path, vendor: str, dimensions: tuple[tuple[int, int], ...], downsamples: tuple[float, ...]
    ) -> TiffTiles | None:
        """The file's tiled JPEG pages matched to the levels by size; None when none matches."""
        if vendor not in READS_HERE:
            return None
        try:
            with tifffile.TiffFile(path) as tiff:
                pages = [_Page.of(p) for p in tiff.pages if isinstance(p, tifffile.TiffPage) and _plain_jpeg_tiles(p)]
        except (OSError, ValueError, tifffile.TiffFileError):
            return None
        by_size = {(p.width, p.height): p for p in pages}
        levels = {level: by_size[size] for level, size in enumerate(dimensions) if size in by_size}
        return cls(path, levels, downsamples) if levels else None

    def reads(self, location: tuple[int, int], level: int) -> bool:
        """Whether this level is here and the location lies on whole pixels of it."""
        if level not in self._pages:
            return False
        ds = self._downsamples[level]
        return all(float(v / ds).is_integer() for v in location)

    def read(self, location: tuple[int, int], level: int, size: tuple[int, int]) -> np.ndarray:
        """RGB (height, width, 3) of `size` level pixels at a level-0 `location` (see `reads`)."""
        page, ds = self._pages[level], self._downsamples[level]
        x, y = round(location[0] / ds), round(location[1] / ds)
        w, h = size
        out = np.full((h, w, 3), WHITE, np.uint8)
        tw, th = page.tile_width, page.tile_height
        across = -(-page.width // tw)
        x_end, y_end = min(x + w, page.width), min(y + h, page.height)
        if x_end <= max(x, 0) or y_end <= max(y, 0):  # wholly off the slide: glass, as OpenSlide shows it
            return out
        for ty in range(max(y, 0) // th, -(-y_end // th)):
            for tx in range(max(x, 0) // tw, -(-x_end // tw)):
                tile = self._tile(page, ty * across + tx)
                if tile is None:  # a tile the scanner left out (Aperio): glass, as OpenSlide shows it
                    continue
                x0, y0 = tx * tw, ty * th
                sx, sy, ex, ey = max(x, x0), max(y, y0), min(x_end, x0 + tw), min(y_end, y0 + th)
                out[sy - y : ey - y, sx - x : ex - x] = tile[sy - y0 : ey - y0, sx - x0 : ex - x0]
        return out

    def _tile(self, page: _Page, index: int) -> np.ndarray | None:
        count = page.counts[index]
        if count == 0:
            return None
        data = os.pread(self._file, count, page.offsets[index])  # no shared seek: threads read at once
        try:
            decoded = page.decode(data, index, jpegtables=page.tables)[0]
        except Exception as err:  # imagecodecs raises its own error types, one per codec
            raise TileDecodeError(f"tile {index} of {page.width} x {page.height}: {err}") from None
        if decoded is None or len(data) != count:
            raise TileDecodeError(f"tile {index} of {page.width} x {page.height} is cut short")
        return decoded.reshape(decoded.shape[-3:])

    def close(self) -> None:
        os.close(self._file)


def _plain_jpeg_tiles(page: tifffile.TiffPage) -> bool:
    return (
        page.is_tiled and page.compression == JPEG and page.samplesperpixel == 3 and page.bitspersample == 8
        and page.planarconfig == tifffile.PLANARCONFIG.CONTIG and page.tiledepth == 1
        and page.photometric in (tifffile.PHOTOMETRIC.RGB, tifffile.PHOTOMETRIC.YCBCR)
    )  # fmt: skip
