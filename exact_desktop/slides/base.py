"""The abstract slide (after openslide-python's AbstractSlide) and `open_slide()`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import cv2
import numpy as np


class SlideError(Exception):
    """A slide that cannot be shown; the message names the file and the problem."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"Cannot read slide '{path}': {reason}")  # as given: a URL stays a URL


class UnsupportedSlideError(SlideError):
    """No backend understands the file."""


class SlideReadError(SlideError):
    """The file opened but its pixels cannot be decoded."""


class SlideSource(ABC):
    """What the viewer and plugins need of a slide. Pixels come back as RGB uint8 arrays."""

    path: Path

    @property
    @abstractmethod
    def level_dimensions(self) -> tuple[tuple[int, int], ...]: ...

    @property
    @abstractmethod
    def level_downsamples(self) -> tuple[float, ...]: ...

    @property
    def properties(self) -> dict[str, str]:
        return {}

    @property
    def mpp(self) -> float | None:
        """Micrometres per level-0 pixel, if the file says."""
        return None

    @property
    def objective_power(self) -> float | None:
        return None

    @property
    def vendor(self) -> str:
        return "unknown"

    @abstractmethod
    def read_region(self, l0_location: tuple[int, int], level: int, size: tuple[int, int]) -> np.ndarray:
        """RGB pixels (height, width, 3) of `size` at `level`, its top-left at level-0 coords."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the file."""

    # --- derived ----------------------------------------------------------------------------
    @property
    def dimensions(self) -> tuple[int, int]:
        return self.level_dimensions[0]

    @property
    def level_count(self) -> int:
        return len(self.level_dimensions)

    def get_best_level_for_downsample(self, downsample: float) -> int:
        """The finest level that is not finer than needed (largest downsample <= the given)."""
        best = 0
        for level, level_ds in enumerate(self.level_downsamples):
            if level_ds <= downsample * 1.0001:
                best = level
        return best

    def get_thumbnail(self, max_side: int) -> np.ndarray:
        """The whole slide at most `max_side` long, from a level read whole.

        A level up to 1.5x coarser than asked is taken as it is: reading a 4x finer level of
        a gigapixel slide only to shrink it costs far more than the slight loss of detail.
        """
        width, height = self.dimensions
        scale = max(1.0, max(width, height) / max_side)
        level = self.get_best_level_for_downsample(scale * 1.5)
        pixels = self.read_region((0, 0), level, self.level_dimensions[level])
        if max(pixels.shape[:2]) > max_side:
            target = (max(1, round(width / scale)), max(1, round(height / scale)))
            pixels = cv2.resize(pixels, target, interpolation=cv2.INTER_AREA)
        return pixels

    def __enter__(self) -> SlideSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


MAX_PLAUSIBLE_MPP = 50.0  # µm per pixel; even a 1x overview objective gives about 10


def rgba_over_white(rgba: np.ndarray) -> np.ndarray:
    """OpenSlide (and EXACT's patches) mark pixels outside the scanned area transparent: glass."""
    if rgba.size == 0:
        return np.ascontiguousarray(rgba[..., :3])
    alpha = cv2.extractChannel(rgba, 3)
    if cv2.minMaxLoc(alpha)[0] == 255:  # OpenCV: numpy's strided channel copy cost 11 ms at 768 x 768, this 0.2
        return cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
    a = alpha[..., None].astype(np.uint16)
    rgb = (rgba[..., :3].astype(np.uint16) * a + 255 * (255 - a)) // 255
    return rgb.astype(np.uint8)
