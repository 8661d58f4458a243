from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from exact_desktop.model.geometry import Rect
from exact_desktop.slides.opener import open_slide
from exact_desktop.slides.tile_cache import TileCache
from exact_desktop.slides.tile_loader import TileLoader, render_tile
from exact_desktop.slides.tiling import TilePyramid
from tests.slides.gated_source import GatedSource
from tests.slides.test_open_slide import write_quadrants_png


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def make_loader(tmp_path: Path, tile_size: int = 128, workers: int = 1):
    write_quadrants_png(tmp_path / "q.png")
    source = GatedSource(open_slide(tmp_path / "q.png"), gated_levels={0})
    pyramid = TilePyramid(source.level_dimensions, source.level_downsamples, tile_size=tile_size)
    cache: TileCache[np.ndarray] = TileCache(64 * 1024 * 1024, lambda a: a.nbytes)
    loaded = []
    loader = TileLoader(source, pyramid, cache, on_loaded=loaded.append, workers=workers)
    return source, pyramid, cache, loader, loaded


def test_requests_the_view_has_left_are_dropped_unread(tmp_path):
    source, pyramid, cache, loader, loaded = make_loader(tmp_path)
    first = pyramid.tiles_for_region(0, Rect(0, 0, 600, 400))
    loader.want(first)  # one worker blocks on the first tile, the rest wait in the queue
    assert wait_until(lambda: not source.gate.is_set())
    elsewhere = pyramid.tiles_for_region(0, Rect(1000, 600, 300, 300))
    loader.want(elsewhere)
    source.gate.set()
    assert wait_until(loader.idle)
    read_origins = {r[0] for r in source.reads}
    wanted_origins = {pyramid.read_plan(k).l0_location for k in elsewhere}
    assert wanted_origins <= read_origins
    assert len(read_origins - wanted_origins) <= 1  # at most the tile already being read
    assert loader.dropped_count >= len(first) - 1
    assert all(k in cache for k in elsewhere)
    assert set(loaded) >= set(elsewhere)
    loader.shutdown()


def test_tiles_are_read_once_and_then_served_from_the_cache(tmp_path):
    source, pyramid, cache, loader, _ = make_loader(tmp_path, workers=2)
    source.gate.set()
    keys = pyramid.tiles_for_region(0, Rect(0, 0, 1500, 1000))
    loader.want(keys)
    assert wait_until(lambda: all(k in cache for k in keys))
    reads = len(source.reads)
    loader.want(keys)
    assert wait_until(loader.idle)
    assert len(source.reads) == reads == len(keys)
    loader.shutdown()


def test_render_tile_matches_the_slide_pixels(tmp_path):
    rgb = write_quadrants_png(tmp_path / "q.png", 1024, 1024)
    source = open_slide(tmp_path / "q.png")
    pyramid = TilePyramid(source.level_dimensions, source.level_downsamples, tile_size=256)
    for key in pyramid.tiles_for_region(1, Rect(0, 0, 1024, 1024)):
        tile = render_tile(source, pyramid, key)
        assert tile.shape == (256, 256, 3)
        x0, y0 = (int(v) for v in pyramid.read_plan(key).l0_location)
        assert tile[128, 128].tolist() == rgb[y0 + 256, x0 + 256].tolist()


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used():
    cache: TileCache[np.ndarray] = TileCache(3 * 1000, lambda a: a.nbytes)
    tiles = {i: np.zeros(1000, np.uint8) for i in range(5)}
    for i in range(3):
        cache.put(i, tiles[i])
    assert cache.get(0) is not None  # 0 is now the most recently used
    cache.put(3, tiles[3])
    assert 1 not in cache and 0 in cache and 3 in cache
    assert cache.bytes_used <= cache.max_bytes
    cache.put("huge", np.zeros(10_000, np.uint8))  # larger than the whole cache: not kept
    assert "huge" not in cache and len(cache) == 3
