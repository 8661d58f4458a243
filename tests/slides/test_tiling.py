import pytest

from exact_desktop.model.geometry import Rect
from exact_desktop.slides.tiling import TileKey, TilePyramid

APERIO_LIKE = (((60_000, 40_000), (15_000, 10_000), (3_750, 2_500)), (1.0, 4.0, 16.0))


def test_display_levels_are_powers_of_two_read_from_the_best_slide_level():
    pyramid = TilePyramid(*APERIO_LIKE, tile_size=512)
    assert pyramid.z_max == 7  # 60000 / 512 / 2**7 < 1
    assert [pyramid.best_slide_level(z) for z in range(6)] == [0, 0, 1, 1, 2, 2]
    plan = pyramid.read_plan(TileKey(0, 1, 3, 2))  # downsample 2 from level 0: read 1024, shrink
    assert plan.level == 0
    assert plan.l0_location == (3 * 1024, 2 * 1024)
    assert plan.l_size == (1024, 1024) and plan.z_size == (512, 512)


def test_edge_tiles_are_clipped_to_the_slide():
    pyramid = TilePyramid(*APERIO_LIKE, tile_size=512)
    cols, rows = pyramid.grid_size(0)
    last = TileKey(0, 0, cols - 1, rows - 1)
    rect = pyramid.tile_l0_rect(last)
    assert (rect.right, rect.bottom) == (60_000, 40_000)
    assert pyramid.read_plan(last).z_size == (60_000 - 117 * 512, 40_000 - 78 * 512)


def test_tiles_for_region_cover_it_nearest_centre_first():
    pyramid = TilePyramid(*APERIO_LIKE, tile_size=512)
    region = Rect(1000, 1000, 2000, 1000)
    keys = pyramid.tiles_for_region(0, region)
    covered = [pyramid.tile_l0_rect(k) for k in keys]
    assert all(r.intersects(region) for r in covered)
    assert {(k.col, k.row) for k in keys} == {(c, r) for c in range(1, 6) for r in range(1, 4)}
    centre = region.center
    first = pyramid.tile_l0_rect(keys[0])
    assert first.contains_point(*centre)
    ring = pyramid.tiles_for_region(0, region, margin=1)
    assert len(ring) == 7 * 5


@pytest.mark.parametrize(("ds", "z"), [(0.25, 0), (1.0, 0), (1.4, 0), (1.5, 1), (3.0, 2), (1e9, 7)])
def test_z_for_downsample_draws_tiles_near_screen_scale(ds, z):
    assert TilePyramid(*APERIO_LIKE, tile_size=512).z_for_downsample(ds) == z
