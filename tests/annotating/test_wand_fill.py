"""The wand's like-pixels, worked out block by block for a drag: what a move reads does not
depend on which blocks earlier moves worked out, and an edge between two colours stays where
the image has it."""

from __future__ import annotations

import numpy as np

from exact_desktop.annotating.displayed import DisplayedImage
from exact_desktop.annotating.wand_fill import LikePixels, reference_colour, wand_area

PINK, PURPLE = (230, 160, 210), (120, 80, 170)


def two_colours(edge: int, size: tuple[int, int] = (300, 400)) -> DisplayedImage:
    """Pink left of column `edge`, purple from it on, with a little noise."""
    rng = np.random.default_rng(3)
    rgb = np.empty((*size, 3), np.uint8)
    rgb[:, :edge], rgb[:, edge:] = PINK, PURPLE
    noisy = rgb.astype(np.int16) + rng.integers(-6, 7, rgb.shape)
    return DisplayedImage(np.clip(noisy, 0, 255).astype(np.uint8), 1000.0, 2000.0, 2.0)


def test_a_window_reads_the_same_whichever_blocks_were_worked_out_before():
    image = two_colours(173)
    reference = reference_colour(image, 100, 150)
    walked = LikePixels(image, reference)
    for col, row in ((20, 20), (380, 280), (150, 40), (260, 200)):  # a drag's earlier moves
        walked.window(max(0, col - 75), max(0, row - 75), min(400, col + 76), min(300, row + 76))
    fresh = LikePixels(image, reference)
    window = (95, 61, 246, 212)
    assert np.array_equal(walked.window(*window), fresh.window(*window))
    assert walked.window(*window).any() and not walked.window(*window).all()


def test_the_wand_stops_at_the_edge_between_two_colours():
    image = two_colours(173)
    found = wand_area(LikePixels(image, reference_colour(image, 120, 150)), 120, 150)
    right = found.bounds[2]  # level-0: the edge is at column 173, x = 1000 + 173 * 2
    assert abs(right - (1000 + 173 * 2)) <= 2 * 1.5  # display pixels of 2 level-0 px each
