"""How many pixels an image may have before anything decodes it: the one check for bombs.

A PNG of a few hundred kilobytes can declare 32,000 x 32,000 pixels and take gigabytes once
decoded. Every image that comes in whole (plain slides, uploads, result bitmaps, patches) has its
header read first (Pillow reads only the header on open) and is refused by name past the limit.
Tiled slides (OpenSlide) are read tile by tile and need no such limit.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image as PILImage

MAX_PLAIN_IMAGE_PIXELS = 16_384 * 16_384  # a whole plain image in memory: about 800 MB of RGB
MAX_BITMAP_PIXELS = 8_192 * 8_192  # a result bitmap (heatmap) drawn over a slide
PILImage.MAX_IMAGE_PIXELS = None  # the limits here are ours, checked before decoding


class ImageTooLargeError(ValueError):
    """The image declares more pixels than may be decoded; the message names it and its size."""


def declared_size(source: Path | bytes) -> tuple[int, int] | None:
    """(width, height) from the header, or None when Pillow does not know the format."""
    try:
        with PILImage.open(source if isinstance(source, Path) else io.BytesIO(source)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError):
        return None


def check_pixels(source: Path | bytes, limit: int, what: str) -> tuple[int, int] | None:
    """The declared size; ImageTooLargeError past `limit` pixels."""
    size = declared_size(source)
    if size is not None and size[0] * size[1] > limit:
        raise ImageTooLargeError(
            f"{what} declares {size[0]} x {size[1]} pixels, more than the {limit:,} that may be decoded"
        )
    return size
