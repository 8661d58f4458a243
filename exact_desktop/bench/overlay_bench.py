"""`exact-desktop bench overlay`: a million boxes and 100,000 polygons over the demo slide.

1920x1080, offscreen. The path zooms through five levels, panning at each. Every step is one
repaint on the GUI thread while moving (fast scaling, as during a drag), timed (`frame_ms_*`:
tiles not ready yet are stood in for, never waited for); then the loop sleeps in Qt's event loop
until the overlay is complete (`complete_ms_*`: how long until the workers had every tile). The
path is walked again with every tile cached (`warm_frame_ms_*`). The same path is drawn by a
painter that works as the overlay did before (a store query per paint, one QPainter call per
object) on a ten times smaller set: `naive_ratio` is its median frame time over ours.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from exact_desktop.bench.store_bench import _insert_boxes, _insert_polygons
from exact_desktop.bench.viewer_bench import HEIGHT, WIDTH, percentile, wait_for_frame
from exact_desktop.demo.synthetic_slide import DEMO_SIZE, ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import ANNOTATIONS, Layer, LayerList
from exact_desktop.model.view_state import ViewState
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.base import Store, ViewportQuery
from exact_desktop.store.sqlite.review_book import ReviewBook
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.app import application
from exact_desktop.ui.gui_thread_gc import collect_on_gui_thread
from exact_desktop.viewer.hit_test import hit_test
from exact_desktop.viewer.overlay import AreaReady
from exact_desktop.viewer.overlay_painter import OverlayPainter
from exact_desktop.viewer.slide_view import SlideView

BOXES, POLYGONS = 1_000_000, 100_000
LEVELS = (None, 8.0, 2.0, 1.0, 0.5)  # None: fit
PANS_PER_LEVEL = 30
CLICKS = 200


def bench_overlay(
    folder: Path, scratch: Path | None = None, boxes: int = BOXES, polygons: int = POLYGONS,
    slide_size: tuple[int, int] | None = None,
) -> dict[str, object]:  # fmt: skip
    app = application()
    collect_on_gui_thread(app)  # a cycle holding a view, collected on a tile reader's thread, crashed 1 run in 5
    demo = ensure_demo_slides(folder, slide_size or DEMO_SIZE)[0]
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        big = _project(Path(tmp) / "big.db", demo.slide, boxes, polygons)
        small = _project(Path(tmp) / "small.db", demo.slide, boxes // 10, polygons // 10)
        ours = _run(big, demo.slide, naive=False)
        naive = _run(small, demo.slide, naive=True)
        hits = _hit_tests(big)
        big.close()
        small.close()
    app.processEvents()
    return {
        "benchmark": "overlay",
        "slide": str(demo.slide),
        "viewport": [WIDTH, HEIGHT],
        "boxes": boxes,
        "polygons": polygons,
        "polygon_nodes": 20,
        "first_frame_ms": ours["first_frame_ms"],
        "frame_ms_p50": round(statistics.median(ours["frames"]), 2),
        "frame_ms_p95": round(percentile(ours["frames"], 0.95), 2),
        "warm_frame_ms_p50": round(statistics.median(ours["warm"]), 2),
        "warm_frame_ms_p95": round(percentile(ours["warm"], 0.95), 2),
        "complete_ms_p50": round(statistics.median(ours["complete"]), 1),
        "complete_ms_p95": round(percentile(ours["complete"], 0.95), 1),
        "frames": len(ours["frames"]),
        "naive_objects": boxes // 10 + polygons // 10,
        "naive_frame_ms_p50": round(statistics.median(naive["frames"]), 2),
        "naive_frame_ms_p95": round(percentile(naive["frames"], 0.95), 2),
        "naive_ratio": round(statistics.median(naive["frames"]) / statistics.median(ours["frames"]), 1),
        "hit_test_ms_p50": round(statistics.median(hits), 3),
        "hit_test_ms_p95": round(percentile(hits, 0.95), 3),
    }


def _project(path: Path, slide: Path, boxes: int, polygons: int) -> SqliteStore:
    store = SqliteStore(path)
    team = store.create(e.Team("bench"))
    product = store.create(e.Product("bench", team=stored_id(team)))
    image_set = store.create(e.ImageSet("bench", team=stored_id(team), product_set=[stored_id(product)]))
    with open_slide(slide) as source:
        width, height = source.dimensions
    image = store.create(e.Image(slide.name, image_set=stored_id(image_set), width=width, height=height))
    nucleus = store.create(e.AnnotationType("Nucleus", 1, stored_id(product), color_code="#1F77B4"))
    region = store.create(e.AnnotationType("Region", 5, stored_id(product), color_code="#D62728"))
    rng = np.random.default_rng(7)
    _insert_boxes(store, rng, stored_id(image), stored_id(nucleus), boxes)
    _insert_polygons(store, rng, stored_id(image), stored_id(region), polygons)
    return store


def _layers(store: Store) -> tuple[int, LayerList]:
    image = store.list(e.Image)[0]
    layers = LayerList()
    fresh = [Layer(ANNOTATIONS, stored_id(t), t.name, stored_id(image), t.color_code, opacity=1.0)
             for t in store.list(e.AnnotationType)]  # fmt: skip
    layers.sync(stored_id(image), ANNOTATIONS, fresh)
    return stored_id(image), layers


def _run(store: SqliteStore, slide: Path, naive: bool) -> dict[str, object]:
    image, layers = _layers(store)
    started = time.perf_counter()
    view = SlideView()
    view.resize(WIDTH, HEIGHT)
    view.show()
    overlay = (
        NaivePainter(store, layers, image) if naive else OverlayPainter(store, ReviewBook(store), layers, lambda: image)
    )
    view.add_overlay(overlay)
    view.set_source(open_slide(slide))
    wait_for_frame(view)
    first_frame_ms = (time.perf_counter() - started) * 1000
    frames, complete, warm = [], [], []
    for walk in ("cold", "warm"):  # the second walk finds every tile cached
        for step in _path(view.state):
            view.begin_interaction()  # as while a person pans and zooms: fast scaling until still
            step()
            t0 = time.perf_counter()
            view.repaint()
            (frames if walk == "cold" else warm).append((time.perf_counter() - t0) * 1000)
            wait_for_frame(view)
            if walk == "cold":
                complete.append((time.perf_counter() - t0) * 1000)
    view.close()
    if isinstance(overlay, OverlayPainter):
        overlay.close()
    return {"first_frame_ms": round(first_frame_ms, 1), "frames": frames, "complete": complete, "warm": warm}


def _path(state: ViewState) -> list[object]:
    """From fit into five zoom levels around the slide's middle third, panning 30 steps at each."""
    steps: list[object] = []
    cx, cy = state.slide_width * 0.45, state.slide_height * 0.5
    for level in LEVELS:

        def go(level: float | None = level) -> None:
            if level is None:
                state.fit()
            else:
                state.set_downsample(level)
                state.center_on(cx, cy)

        steps.append(go)
        steps += [lambda: state.pan_by_screen(-45, -12)] * PANS_PER_LEVEL
    return steps


def _hit_tests(store: SqliteStore) -> list[float]:
    """Clicks on known objects at 100 %: candidates from the index, then the exact shape."""
    image, layers = _layers(store)
    shapes = {t.id: t.vector_type for t in store.list(e.AnnotationType)}
    shown = layers.for_image(image)
    rng = np.random.default_rng(11)
    found = store.viewport(ViewportQuery(image, _middle(store)))
    picks = rng.choice(len(found), min(CLICKS, len(found)), replace=False)  # a quick run has fewer there
    times = []
    for i in picks.tolist():
        x0, y0, x1, y1 = found.bboxes[i]
        t0 = time.perf_counter()
        hit = hit_test(store, image, shown, (x0 + x1) / 2, (y0 + y1) / 2, 6.0, shapes.get)
        times.append((time.perf_counter() - t0) * 1000)
        if hit is None:
            raise AssertionError("a click on an object's centre hit nothing")
    return times


def _middle(store: SqliteStore) -> Rect:
    image = store.list(e.Image)[0]
    return Rect(image.width * 0.4, image.height * 0.4, 3000, 3000)


class NaivePainter:
    """The overlay as it was drawn before tiles: the store asked on every paint, a call per object."""

    def __init__(self, store: Store, layers: LayerList, image: int) -> None:
        self.store, self.layers, self.image = store, layers, image
        self.complete = True

    def attach(self, on_ready: AreaReady) -> None:
        """Nothing is made in the background: every paint asks the store."""

    def paint(self, painter: QPainter, state: ViewState) -> None:
        region = state.visible_region()
        scale = 1 / state.downsample
        ox, oy = state.l0_to_screen(0, 0)
        for layer in self.layers.for_image(self.image):
            found = self.store.viewport(ViewportQuery(self.image, region, annotation_types=(layer.group,)))
            pen = QPen(QColor(layer.colour), 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            for i in range(len(found)):
                nodes = found.nodes_of(i)
                if len(nodes) == 2:
                    x0, y0, x1, y1 = found.bboxes[i]
                    painter.drawRect(QRectF(ox + x0 * scale, oy + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale))
                else:
                    painter.drawPolygon(QPolygonF([QPointF(ox + x * scale, oy + y * scale) for x, y in nodes]))
