"""A tiled JPEG slide's regions read straight from its tiles are OpenSlide's own pixels."""

from __future__ import annotations

import numpy as np
import pytest

from exact_desktop.demo.synthetic_slide import ensure_demo_slide
from exact_desktop.slides.base import SlideReadError, rgba_over_white
from exact_desktop.slides.opener import open_slide
from exact_desktop.slides.openslide_source import OpenSlideSource
from tests.conftest import BOXES_TIFF, UNREADABLE_SVS


@pytest.fixture(scope="module")
def two_level_slide(tmp_path_factory):
    """2,400 x 2,200 px, JPEG tiles of 256 px (YCbCr, as Aperio writes them), levels 1 and 4."""
    return ensure_demo_slide(tmp_path_factory.mktemp("tiles"), "tiles", (2400, 2200), seed=3).slide


def test_regions_read_from_the_tiles_are_openslides_pixels(two_level_slide):
    rng = np.random.default_rng(5)
    with open_slide(two_level_slide) as slide:
        assert isinstance(slide, OpenSlideSource) and slide.level_count == 2
        for level, ds in enumerate(slide.level_downsamples):
            width, height = slide.level_dimensions[level]
            # inside, across tile edges, hanging over every side of the slide, one pixel, and wholly
            # past the right or bottom edge (a candidate off the slide: it raised in the review)
            places = [(rng.integers(-200, width), rng.integers(-200, height), rng.integers(1, 700), rng.integers(1, 700))
                      for _ in range(12)] + [(-5, -5, width + 10, height + 10), (width - 1, height - 1, 1, 1),
                      (width + 100, 10, 300, 200), (10, height + 100, 200, 300), (width + 5, height + 5, 64, 64)]  # fmt: skip
            for x, y, w, h in places:
                location = (int(x * ds), int(y * ds))
                assert slide._tiles is not None and slide._tiles.reads(location, level)
                ours = slide.read_region(location, level, (int(w), int(h)))
                theirs = rgba_over_white(np.asarray(slide.raw_read_region(location, level, (int(w), int(h)))))
                assert ours.shape == theirs.shape == (h, w, 3)
                assert np.array_equal(ours, theirs), (level, x, y, w, h)


def test_a_location_between_level_pixels_and_other_formats_are_left_to_openslide(two_level_slide):
    with open_slide(two_level_slide) as slide:
        assert not slide._tiles.reads((6, 8), 1)  # 1.5 level pixels: OpenSlide interpolates
        ours = slide.read_region((6, 8), 1, (40, 30))
        assert np.array_equal(ours, rgba_over_white(np.asarray(slide.raw_read_region((6, 8), 1, (40, 30)))))
    with open_slide(BOXES_TIFF) as slide:  # a generic TIFF that is not JPEG
        assert slide._tiles is None


def test_a_tile_that_does_not_decode_is_a_slide_read_error_naming_the_file():
    slide = OpenSlideSource(UNREADABLE_SVS)
    try:
        assert slide._tiles is not None and slide._tiles.reads((0, 0), 0)
        with pytest.raises(SlideReadError, match=r"unreadable\.svs.*pixels cannot be decoded"):
            slide.read_region((0, 0), 0, (16, 16))
    finally:
        slide.close()
