"""Tissue or glass, from a slide's low-resolution pixels (the tissue plugin's outlines and the
screening mode's glass fields both start here)."""

from __future__ import annotations

import cv2
import numpy as np

GLASS = 220  # a pixel whose darkest channel is at least this is glass


def tissue_mask(rgb: np.ndarray) -> np.ndarray:
    """Tissue where a pixel is visibly darker than glass; small gaps closed, specks dropped."""
    darkness = 255 - rgb.min(axis=2).astype(np.int16)
    mask = (cv2.GaussianBlur(darkness.astype(np.uint8), (0, 0), 1.5) > 255 - GLASS).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel)
