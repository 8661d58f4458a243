"""Writes the synthetic slide as an Aperio-style pyramidal BigTIFF, tile by tile.

Only one row of tiles per worker is in memory at a time; OpenSlide reads the result as
`aperio` (the ImageDescription starts with "Aperio" and carries MPP and AppMag).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from exact_desktop.demo.layout import SlideLayout, make_layout
from exact_desktop.demo.render import TileRenderer

GENERATOR_VERSION = 4
TIFF_TILE = 256
LEVEL_STEP = 4
APP_MAG = 40
DEMO_SIZE = (60_000, 40_000)
SMALL_SIZE = (16_000, 12_000)
DEMO_MPP = 0.25

_worker_renderer: TileRenderer | None = None


@dataclass(frozen=True)
class DemoSlide:
    slide: Path
    ground_truth: Path


def level_downsamples(width: int, height: int) -> list[int]:
    """Aperio-like 4x steps until the coarsest level is about a thousand pixels long."""
    downsamples = [1]
    while max(width, height) / downsamples[-1] > 2048:
        downsamples.append(downsamples[-1] * LEVEL_STEP)
    return downsamples


def ensure_demo_slide(folder: Path, name: str, size: tuple[int, int], seed: int) -> DemoSlide:
    """Make the slide and its ground truth unless an identical one is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = DemoSlide(folder / f"{name}-slide.svs", folder / f"{name}-ground-truth.json")
    if _is_current(target, size, seed):
        return target
    _remove_dead_writers_partials(folder)
    layout = make_layout(size[0], size[1], DEMO_MPP, seed)
    partial = _partial(target.slide)  # two processes making the same slide must not share it
    write_slide(layout, partial)
    os.replace(partial, target.slide)
    truth = layout.ground_truth(str(target.slide))
    truth["generator"] = {"version": GENERATOR_VERSION, "size": list(size), "seed": seed}
    partial_truth = _partial(target.ground_truth)
    partial_truth.write_text(json.dumps(truth), encoding="utf-8")
    os.replace(partial_truth, target.ground_truth)
    return target


def _partial(path: Path) -> Path:
    """This writer's own unfinished file beside `path` (replaced onto it when whole)."""
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.partial")


def _remove_dead_writers_partials(folder: Path) -> None:
    """Unfinished files of writers that were killed (their process is gone) are of no use."""
    for leftover in folder.glob("*.partial"):
        pid = leftover.name.rsplit(".", 2)[-2].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _is_current(target: DemoSlide, size: tuple[int, int], seed: int) -> bool:
    if not (target.slide.exists() and target.ground_truth.exists()):
        return False
    try:
        with target.ground_truth.open(encoding="utf-8") as fh:
            generator = json.load(fh).get("generator", {})
    except (OSError, ValueError):
        return False
    return generator == {"version": GENERATOR_VERSION, "size": list(size), "seed": seed}


def write_slide(layout: SlideLayout, path: Path, workers: int | None = None) -> None:
    width, height = layout.width, layout.height
    description = (
        f"Aperio Image Library v12.0.16\n{width}x{height} [0,0 {width}x{height}] "
        f"({TIFF_TILE}x{TIFF_TILE}) JPEG/RGB Q=85|AppMag = {APP_MAG}|MPP = {layout.mpp}"
        "|Title = exact-desktop synthetic H&E demo"
    )
    workers = workers or max(1, os.cpu_count() or 1)
    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        for i, ds in enumerate(level_downsamples(width, height)):
            level_w, level_h = math.ceil(width / ds), math.ceil(height / ds)
            tif.write(
                _level_tiles(layout, ds, level_w, level_h, workers),
                shape=(level_h, level_w, 3),
                dtype=np.uint8,
                tile=(TIFF_TILE, TIFF_TILE),
                photometric="rgb",
                compression="jpeg",
                compressionargs={"level": 85},
                description=description if i == 0 else None,
                metadata=None,
                subfiletype=0 if i == 0 else 1,
            )


def _level_tiles(layout: SlideLayout, ds: int, level_w: int, level_h: int, workers: int) -> Iterator[np.ndarray]:
    rows = [(ds, row, level_w) for row in range(math.ceil(level_h / TIFF_TILE))]
    if workers == 1 or len(rows) < 4:
        _init_worker(layout, ds)
        for args in rows:
            yield from _render_row(args)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(layout, ds)) as pool:
        for tiles in pool.imap(_render_row, rows, chunksize=1):
            yield from tiles


def _init_worker(layout: SlideLayout, ds: int) -> None:
    global _worker_renderer
    _worker_renderer = TileRenderer(layout, ds)


def _render_row(args: tuple[int, int, int]) -> list[np.ndarray]:
    _ds, row, level_w = args
    assert _worker_renderer is not None
    y = row * TIFF_TILE
    return [_worker_renderer.tile(x, y, TIFF_TILE) for x in range(0, level_w, TIFF_TILE)]


def ensure_demo_slides(folder: Path, size: tuple[int, int] = DEMO_SIZE) -> list[DemoSlide]:
    """The demo slide and a second, smaller one (so an image set holds more than one image)."""
    small = (max(1024, min(SMALL_SIZE[0], size[0] // 2)), max(1024, min(SMALL_SIZE[1], size[1] // 2)))
    return [
        ensure_demo_slide(folder, "demo", size, seed=7),
        ensure_demo_slide(folder, "demo-small", small, seed=23),
    ]
