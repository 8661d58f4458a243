"""Outline from a box on generated pixels: a box drawn over an even pale region with one dark
speck in it gives no outline (it stored the speck, 24 px in a 200 x 200 box), while an object
the box was drawn around is still outlined."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from exact_desktop.annotating.box_outline import outline_of
from exact_desktop.annotating.displayed import DisplayedImage
from exact_desktop.model.geometry import Rect

BOX = Rect(20, 20, 200, 200)


def pale_region(seed: int = 1) -> np.ndarray:
    """Even pink stroma-like pixels, 240 x 240, a little noise."""
    noise = np.random.default_rng(seed).normal(0, 6, (240, 240, 3))
    return np.clip(np.array([235, 200, 225]) + noise, 0, 255).astype(np.uint8)


def test_a_speck_in_an_even_region_is_no_outline():
    rgb = pale_region()
    cv2.rectangle(rgb, (60, 70), (64, 76), (90, 60, 140), -1)  # 5 x 7 px, dark
    assert outline_of(DisplayedImage(rgb, 0.0, 0.0, 1.0), BOX) is None


def test_an_object_the_box_was_drawn_around_is_outlined():
    rgb = pale_region()
    cv2.rectangle(rgb, (60, 70), (64, 76), (90, 60, 140), -1)
    cv2.circle(rgb, (120, 120), 50, (120, 80, 160), -1)
    outline = outline_of(DisplayedImage(rgb, 0.0, 0.0, 1.0), BOX)
    assert outline is not None and outline.area == pytest.approx(np.pi * 50**2, rel=0.05)
