"""numpy RGB arrays to QImages in the fastest format to paint (runs on loader threads)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def rgb_to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage that owns its memory, in Format_RGB32 (what the raster engine blits fastest)."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    view = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return view.convertToFormat(QImage.Format.Format_RGB32)


def qimage_nbytes(image: QImage) -> int:
    return int(image.sizeInBytes())
