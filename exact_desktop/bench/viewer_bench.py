"""`exact-desktop bench viewer`: first frame, pan/zoom frame times and fill overhead.

All on the demo slide in a 1920x1080 view, offscreen. Waiting happens in a Qt event loop
(no busy polling), so the loader threads have the cores to themselves.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.opener import open_slide
from exact_desktop.slides.openslide_source import OpenSlideSource
from exact_desktop.viewer.slide_view import SlideView

WIDTH, HEIGHT = 1920, 1080


def wait_for_frame(view: SlideView, timeout_s: float = 120) -> None:
    """Sleep in the event loop until the current view is completely drawn."""
    deadline = time.monotonic() + timeout_s
    view.update()
    while not view.frame_is_complete():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the frame did not complete")
        loop = QEventLoop()
        view.frameCompleted.connect(loop.quit)
        QTimer.singleShot(int(min(remaining, 0.25) * 1000), loop.quit)
        loop.exec()
        view.frameCompleted.disconnect(loop.quit)


def scripted_path(state: ViewState, target: tuple[float, float]) -> list[Callable[[], None]]:
    """Zoom from the whole slide into tissue, pan at 40x, zoom out, pan at 10x: 200 frames."""
    cx, cy = state.l0_to_screen(*target)
    steps: list[Callable[[], None]] = []
    steps += [lambda: state.zoom_at(1.1, cx, cy)] * 36
    steps += [lambda: state.pan_by_screen(-40, -10)] * 60
    steps += [lambda: state.zoom(1 / 1.1)] * 24
    steps += [lambda: state.pan_by_screen(50, 25)] * 80
    return steps


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_viewer(folder: Path, slide_size: tuple[int, int] | None = None) -> dict[str, object]:
    app = QApplication.instance() or QApplication([])
    demo = ensure_demo_slides(folder, slide_size or DEMO_SIZE)[0]
    truth = json.loads(demo.ground_truth.read_text(encoding="utf-8"))
    tissue_x, tissue_y = (statistics.fmean(v) for v in zip(*truth["tissue"][0], strict=True))

    started = time.perf_counter()
    view = SlideView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    view.set_source(open_slide(demo.slide))
    wait_for_frame(view)
    first_frame_ms = (time.perf_counter() - started) * 1000

    pan = _frame_times(view, (tissue_x, tissue_y), interactive=True)
    settled = _frame_times(view, (tissue_x, tissue_y), interactive=False)
    fill = _fill_overhead(view, demo.slide, (tissue_x, tissue_y))
    view.close()
    app.processEvents()
    return {
        "benchmark": "viewer",
        "slide": str(demo.slide),
        "slide_size": [view.state.slide_width, view.state.slide_height],
        "viewport": [WIDTH, HEIGHT],
        "first_frame_ms": round(first_frame_ms, 1),
        "pan_frame_ms_p50": round(statistics.median(pan), 2),
        "pan_frame_ms_p95": round(percentile(pan, 0.95), 2),
        "settled_frame_ms_p95": round(percentile(settled, 0.95), 2),
        "frames": len(pan),
        **fill,
    }


def _frame_times(view: SlideView, target: tuple[float, float], interactive: bool) -> list[float]:
    """Walk the path once to load its tiles, then again timing each synchronous repaint."""
    times: list[float] = []
    for timed in (False, True):
        view.fit()
        wait_for_frame(view)
        for step in scripted_path(view.state, target):
            if interactive:
                view.begin_interaction()
            else:
                view.end_interaction()
            step()
            if not timed:
                wait_for_frame(view)
                continue
            t0 = time.perf_counter()
            view.repaint()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def _fill_overhead(view: SlideView, slide: Path, target: tuple[float, float]) -> dict[str, object]:
    """Viewer fill from cold vs. OpenSlide's own read_region for the same tiles, fresh handles."""
    views = [(target[0], target[1], 1.0), (target[0] + 3000, target[1] - 2000, 2.0), (target[0], target[1], 3.0)]
    viewer_s = raw_s = 0.0
    tiles = 0
    for x, y, ds in views:
        view.set_source(open_slide(slide))  # a fresh OpenSlide handle: its own cache is cold
        wait_for_frame(view)
        view.cache.clear()
        t0 = time.perf_counter()
        view.state.set_downsample(ds)
        view.state.center_on(x, y)
        wait_for_frame(view)
        viewer_s += time.perf_counter() - t0
        keys = list(view.visible_tiles())
        tiles += len(keys)
        raw = OpenSlideSource(slide)
        t0 = time.perf_counter()
        for key in keys:
            plan = view.pyramid.read_plan(key)
            raw.raw_read_region(plan.l0_location, plan.level, plan.l_size)
        raw_s += time.perf_counter() - t0
        raw.close()
    return {
        "fill_viewer_ms": round(viewer_s * 1000, 1),
        "fill_raw_read_region_ms": round(raw_s * 1000, 1),
        "fill_tiles": tiles,
        "fill_overhead_ratio": round(viewer_s / raw_s, 3),
    }
