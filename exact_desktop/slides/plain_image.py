"""PNG, JPEG, plain TIFF and the like through OpenCV, with the pyramid built when opened."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from exact_desktop.slides.base import SlideError, SlideSource, UnsupportedSlideError
from exact_desktop.slides.limits import MAX_PLAIN_IMAGE_PIXELS, ImageTooLargeError, check_pixels

_PYRAMID_STOP = 512  # stop halving once the level fits this many pixels


class PlainImageSource(SlideSource):
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            check_pixels(path, MAX_PLAIN_IMAGE_PIXELS, "the image")
        except ImageTooLargeError as err:
            raise SlideError(path, str(err)) from None
        try:
            # np.fromfile + imdecode: cv2.imread mishandles non-ASCII paths on some platforms.
            encoded = np.fromfile(str(path), dtype=np.uint8)
        except OSError as err:
            raise SlideError(path, f"cannot read the file ({err.strerror})") from None
        decoded = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED) if encoded.size else None
        if decoded is None:
            raise UnsupportedSlideError(
                path, "neither OpenSlide nor OpenCV can read this format (or the file is damaged)"
            )
        self._levels_pixels = _build_pyramid(_to_rgb8(decoded))
        base_w = self._levels_pixels[0].shape[1]
        self._dims = tuple((p.shape[1], p.shape[0]) for p in self._levels_pixels)
        self._downsamples = tuple(base_w / w for w, _ in self._dims)

    @property
    def level_dimensions(self) -> tuple[tuple[int, int], ...]:
        return self._dims  # type: ignore[return-value]

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        return self._downsamples

    @property
    def vendor(self) -> str:
        return "image"

    def read_region(self, l0_location: tuple[int, int], level: int, size: tuple[int, int]) -> np.ndarray:
        pixels = self._levels_pixels[level]
        ds = self._downsamples[level]
        x, y = round(l0_location[0] / ds), round(l0_location[1] / ds)
        w, h = size
        out = np.full((h, w, 3), 255, dtype=np.uint8)
        sx0, sy0 = max(0, x), max(0, y)
        sx1, sy1 = min(pixels.shape[1], x + w), min(pixels.shape[0], y + h)
        if sx1 > sx0 and sy1 > sy0:
            out[sy0 - y : sy1 - y, sx0 - x : sx1 - x] = pixels[sy0:sy1, sx0:sx1]
        return out


def _to_rgb8(decoded: np.ndarray) -> np.ndarray:
    if decoded.dtype != np.uint8:
        decoded = cv2.normalize(decoded, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if decoded.ndim == 2:
        return cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB)
    if decoded.shape[2] == 4:
        bgr = decoded[..., :3].astype(np.uint16)
        alpha = decoded[..., 3:4].astype(np.uint16)
        over_white = ((bgr * alpha + 255 * (255 - alpha)) // 255).astype(np.uint8)
        return cv2.cvtColor(over_white, cv2.COLOR_BGR2RGB)
    return cv2.cvtColor(decoded[..., :3], cv2.COLOR_BGR2RGB)


def _build_pyramid(base: np.ndarray) -> list[np.ndarray]:
    levels = [base]
    while max(levels[-1].shape[:2]) > _PYRAMID_STOP:
        levels.append(cv2.pyrDown(levels[-1]))
    return levels
