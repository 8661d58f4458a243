"""One contract for every backend: OpenSlide formats and plain images through OpenCV."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from exact_desktop.slides.base import SlideError
from exact_desktop.slides.opener import open_slide
from tests.conftest import BOXES_TIFF, SMALL_SVS, UNOPENABLE_TIFF, UNREADABLE_SVS


def write_quadrants_png(path: Path, width: int = 1500, height: int = 1000) -> np.ndarray:
    """Red, green, blue and white quadrants: a plain image with known pixels."""
    rgb = np.full((height, width, 3), 255, np.uint8)
    rgb[: height // 2, : width // 2] = (255, 0, 0)
    rgb[: height // 2, width // 2 :] = (0, 255, 0)
    rgb[height // 2 :, : width // 2] = (0, 0, 255)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    encoded.tofile(str(path))
    return rgb


@pytest.fixture(params=["small.svs", "boxes.tiff", "quadrants.png"])
def slide_path(request, tmp_path) -> Path:
    if request.param == "quadrants.png":
        path = tmp_path / "quadrants.png"
        write_quadrants_png(path)
        return path
    return {"small.svs": SMALL_SVS, "boxes.tiff": BOXES_TIFF}[request.param]


def test_every_backend_answers_the_same_questions(slide_path):
    with open_slide(slide_path) as slide:
        assert slide.level_count == len(slide.level_downsamples) >= 1
        assert slide.level_downsamples[0] == pytest.approx(1.0)
        assert list(slide.level_downsamples) == sorted(slide.level_downsamples)
        width, height = slide.dimensions
        pixels = slide.read_region((0, 0), 0, (width, height))
        assert pixels.shape == (height, width, 3) and pixels.dtype == np.uint8
        thumb = slide.get_thumbnail(8)
        assert max(thumb.shape[:2]) <= 8
        coarsest = slide.level_count - 1
        assert slide.get_best_level_for_downsample(1e6) == coarsest
        assert slide.get_best_level_for_downsample(1.0) == 0


def test_plain_image_pixels_and_pyramid(tmp_path):
    rgb = write_quadrants_png(tmp_path / "q.png")
    with open_slide(tmp_path / "q.png") as slide:
        assert slide.vendor == "image"
        assert slide.level_count >= 2  # built on the fly
        assert slide.read_region((10, 10), 0, (1, 1))[0, 0].tolist() == rgb[10, 10].tolist()
        assert slide.read_region((1400, 900), 0, (1, 1))[0, 0].tolist() == rgb[900, 1400].tolist()
        # a region past the edge is glass, not garbage
        assert slide.read_region((1490, 990), 0, (20, 20))[-1, -1].tolist() == [255, 255, 255]
        coarse = slide.read_region((0, 0), 1, (2, 2))[0, 0]
        assert coarse.tolist() == [255, 0, 0]


def test_openslide_reports_mpp_and_vendor():
    with open_slide(SMALL_SVS) as slide:
        assert slide.vendor == "aperio"
        assert slide.mpp == pytest.approx(0.499)


def test_a_72_dpi_tiff_resolution_is_no_mpp():
    """OpenSlide 4 reads boxes.tiff's resolution tags as 352.8 µm/px; EXACT's server says 0."""
    with open_slide(BOXES_TIFF) as slide:
        assert float(slide.properties["openslide.mpp-x"]) == pytest.approx(352.78, abs=0.01)
        assert slide.mpp is None


def test_non_ascii_paths_open(tmp_path):
    folder = tmp_path / "Präparate 病理"
    folder.mkdir()
    target = folder / "Schnitt-ß-é.svs"
    shutil.copy(SMALL_SVS, target)
    png = folder / "Übersicht.png"
    write_quadrants_png(png)
    for path in (target, png):
        with open_slide(path) as slide:
            assert slide.read_region((0, 0), 0, (4, 4)).shape == (4, 4, 3)


@pytest.mark.parametrize(
    ("path", "reason"),
    [(UNOPENABLE_TIFF, "Unsupported TIFF compression"), (UNREADABLE_SVS, "cannot be decoded")],
)
def test_bad_fixtures_are_refused_with_file_and_reason(path, reason):
    with pytest.raises(SlideError) as caught:
        open_slide(path)
    message = str(caught.value)
    assert path.name in message
    assert reason in message


def test_missing_and_garbage_files_are_named(tmp_path):
    with pytest.raises(SlideError, match="file not found"):
        open_slide(tmp_path / "nope.svs")
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a slide")
    with pytest.raises(SlideError, match=r"notes\.txt.*neither OpenSlide nor OpenCV"):
        open_slide(garbage)
