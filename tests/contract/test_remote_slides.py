"""Server slides read through DeepZoom tiles, compared with the file itself, on both servers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exact_desktop.rest.download import download_original
from exact_desktop.slides.base import SlideReadError
from exact_desktop.slides.opener import open_slide
from exact_desktop.slides.remote_source import RemoteSlideSource, deepzoom_dimensions
from exact_desktop.sync.remote_tiles import RestTiles
from tests.contract.conftest import Target


def test_deepzoom_levels_are_openslides() -> None:
    from openslide import ImageSlide
    from openslide.deepzoom import DeepZoomGenerator
    from PIL import Image

    generator = DeepZoomGenerator(ImageSlide(Image.new("RGB", (3001, 1999))), 254, 1)
    assert list(reversed(generator.level_dimensions)) == deepzoom_dimensions(3001, 1999)


@pytest.mark.parametrize("where", [((0, 0), 0, (300, 200)), ((1017, 498), 0, (700, 520)),
                                   ((1200, 800), 1, (400, 300)), ((0, 0), 2, (750, 500))])  # fmt: skip
def test_regions_match_the_file(server: Target, contract_slide: Path, where: tuple) -> None:
    remote = RemoteSlideSource(RestTiles(server.connection()), server.images["contract.svs"], "contract.svs")
    local = open_slide(contract_slide)
    assert remote.dimensions == local.dimensions
    location, level, size = where
    got = remote.read_region(location, level, size).astype(np.int16)
    local_level = local.get_best_level_for_downsample(remote.level_downsamples[level])
    expected = local.read_region(location, local_level, size)
    if local.level_downsamples[local_level] != remote.level_downsamples[level]:  # the file has no such level
        import cv2

        scale = remote.level_downsamples[level] / local.level_downsamples[local_level]
        wide = local.read_region(location, local_level, (round(size[0] * scale), round(size[1] * scale)))
        expected = cv2.resize(wide, size, interpolation=cv2.INTER_AREA)
    difference = np.abs(got - expected.astype(np.int16))
    assert got.shape == (size[1], size[0], 3)
    assert difference.mean() < 4.0, difference.mean()  # JPEG tiles
    assert remote.get_thumbnail(256).shape[2] == 3


def test_a_missing_image_is_named(server: Target) -> None:
    with pytest.raises(SlideReadError) as caught:
        RemoteSlideSource(RestTiles(server.connection()), 987654, "gone.svs")
    assert "987654" in str(caught.value) and server.url in str(caught.value)


def test_download_the_original_and_resume(server: Target, contract_slide: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.svs"
    seen: list[int] = []
    download_original(server.connection(), server.images["contract.svs"], target, lambda done, _t: seen.append(done))
    assert target.read_bytes() == contract_slide.read_bytes() and seen[-1] == target.stat().st_size
    again = tmp_path / "again.svs"
    Path(str(again) + ".part").write_bytes(contract_slide.read_bytes()[:100_000])  # a cut download
    download_original(server.connection(), server.images["contract.svs"], again)
    assert again.read_bytes() == contract_slide.read_bytes()
    assert not Path(str(again) + ".part").exists()
