"""`exact-desktop bench annotate`: importing, selecting, editing and undoing on a crowded image.

A fresh project gets 1,000,000 boxes, then a 100,000-polygon GeoJSON file is imported through
the same path as `exact-desktop import`. Clicks, moves and undos then go through the Qt-free
`Annotator` and `EditHistory` the window uses, on real objects picked at random.
"""

from __future__ import annotations

import json
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from exact_desktop.annotating.annotator import SELECT, Annotator
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.exchange.files import carry_out, plan_file
from exact_desktop.model.entities import Annotation, AnnotationType, Image, ImageSet, Product, Team, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import ANNOTATIONS, Layer
from exact_desktop.store.base import ViewportQuery
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.viewer.hit_test import hit_test

SLIDE_W, SLIDE_H = 100_000, 80_000
BOXES = 1_000_000
POLYGONS = 100_000
EDITS = 200
TOLERANCE = 6.0  # level-0 px: 6 screen px at full resolution


def bench_annotate(folder: Path | None = None, boxes: int = BOXES, polygons: int = POLYGONS) -> dict[str, object]:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        team = store.create(Team("bench"))
        product = store.create(Product("bench", team=team.id))
        image_set = store.create(ImageSet("bench", team=team.id, product_set=[product.id]))
        image = store.create(Image("bench.svs", image_set=image_set.id, width=SLIDE_W, height=SLIDE_H))
        box_type = store.create(AnnotationType("Nucleus", 1, product.id))
        region = store.create(AnnotationType("Region", 5, product.id))
        _insert_boxes(store, rng, stored_id(image), stored_id(box_type), boxes)
        geojson = Path(tmp) / "regions.geojson"
        _write_polygons(geojson, rng, polygons)
        start = time.perf_counter()
        plan = plan_file(store, stored_id(image), geojson)
        result = carry_out(store, plan)
        import_s = time.perf_counter() - start
        napari_s = _napari_shapes_s(geojson)
        figures = _edit(store, rng, stored_id(image), [box_type, region])
        store.close()
    return {
        "benchmark": "annotate",
        "objects": boxes + polygons,
        "geojson_features": polygons,
        "geojson_import_100k_s": round(import_s * 100_000 / polygons, 2),
        "imported": result.imported,
        **(
            {
                "napari_shapes_100k_s": round(napari_s * 100_000 / polygons, 2),
                "napari_speedup": round(napari_s / import_s, 2),
            }
            if napari_s is not None
            else {"napari_shapes_100k_s": None}
        ),
        "stored_after_import": result.stored,
        **figures,
    }


def _insert_boxes(store: SqliteStore, rng: np.random.Generator, image: int, type_id: int, count: int) -> None:
    xs, ys = rng.uniform(0, SLIDE_W - 40, count), rng.uniform(0, SLIDE_H - 40, count)
    for start in range(0, count, 100_000):
        store.bulk_create(
            [
                Annotation(type_id, image, {"x1": float(x), "y1": float(y), "x2": float(x) + 30, "y2": float(y) + 30})
                for x, y in zip(xs[start : start + 100_000], ys[start : start + 100_000], strict=True)
            ]
        )


def _napari_shapes_s(path: Path) -> float | None:
    """napari's Shapes layer made from the same file's polygons, read the same way (the
    comparison of issue 27); None where napari is not installed (it is not a dependency)."""
    try:
        from napari.layers import Shapes
    except ImportError:
        return None
    start = time.perf_counter()
    features = orjson.loads(path.read_bytes())["features"]
    rings = [np.asarray(f["geometry"]["coordinates"][0])[:-1, ::-1] for f in features]  # napari: (row, column)
    Shapes(rings, shape_type="polygon")
    return time.perf_counter() - start


def _write_polygons(path: Path, rng: np.random.Generator, count: int, nodes: int = 12) -> None:
    angles = np.linspace(0, 2 * math.pi, nodes, endpoint=False)
    features = []
    for cx, cy, r in zip(rng.uniform(200, SLIDE_W - 200, count), rng.uniform(200, SLIDE_H - 200, count),
                         rng.uniform(20, 150, count), strict=True):  # fmt: skip
        ring = [[round(cx + r * math.cos(a), 1), round(cy + r * math.sin(a), 1)] for a in angles]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                         "properties": {"objectType": "annotation", "classification": {"name": "Region"}}})  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _edit(store: SqliteStore, rng: np.random.Generator, image: int, types: list[AnnotationType]) -> dict[str, object]:
    layers = [Layer(ANNOTATIONS, stored_id(t), t.name, image) for t in types]
    shapes = {t.id: t.vector_type for t in types}

    def hit(x: float, y: float, tolerance: float) -> int | None:
        found = hit_test(store, image, layers, x, y, tolerance, shapes.__getitem__)
        return found.id if found else None

    history = EditHistory(store)
    annotator = Annotator(store, history, hit, lambda rect: [])
    annotator.set_image(image, types)
    annotator.toggle_mode()
    assert annotator.mode == SELECT
    select_ms, commit_ms, undo_ms = [], [], []
    for _ in range(EDITS):
        x0, y0, x1, y1 = _some_box(store, rng, image, types[0].id)
        x, y = (x0 + x1) / 2, (y0 + y1) / 2
        start = time.perf_counter()
        annotator.press(x, y, TOLERANCE)
        select_ms.append((time.perf_counter() - start) * 1000)
        assert annotator.selection, "the click hit nothing"
        annotator.move(x + 25, y + 10)
        start = time.perf_counter()
        annotator.release(x + 25, y + 10, TOLERANCE)
        commit_ms.append((time.perf_counter() - start) * 1000)
    for _ in range(EDITS):
        start = time.perf_counter()
        history.undo()
        undo_ms.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    ids = [int(i) for i in store.viewport(ViewportQuery(image, Rect(0, 0, 20_000, 20_000), limit=10_000)).ids]
    annotator.select(ids)
    annotator.delete_selected()
    delete_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    history.undo()
    undo_delete_ms = (time.perf_counter() - start) * 1000
    return {
        "edits": EDITS,
        "select_ms_p50": _p(select_ms, 50), "select_ms_p95": _p(select_ms, 95),
        "commit_ms_p50": _p(commit_ms, 50), "commit_ms_p95": _p(commit_ms, 95),
        "undo_ms_p50": _p(undo_ms, 50), "undo_ms_p95": _p(undo_ms, 95),
        "select_and_delete_10k_ms": round(delete_ms), "undo_delete_10k_ms": round(undo_delete_ms),
    }  # fmt: skip


def _some_box(store: SqliteStore, rng: np.random.Generator, image: int, type_id: int) -> tuple[float, ...]:
    while True:
        cx, cy = rng.uniform(1000, SLIDE_W - 1000), rng.uniform(1000, SLIDE_H - 1000)
        near = store.viewport(ViewportQuery(image, Rect(cx, cy, 2000, 2000), annotation_types=(type_id,), limit=1))
        if len(near):
            return tuple(float(v) for v in near.bboxes[0])


def _p(values: list[float], q: int) -> float:
    return round(float(np.percentile(values, q)), 2) if q != 50 else round(statistics.median(values), 2)
