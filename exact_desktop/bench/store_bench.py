"""`exact-desktop bench store`: bulk inserts and viewport queries on a fresh local mirror."""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import uuid6

from exact_desktop.model.entities import Annotation, AnnotationType, Image, ImageSet, Product, Team, utcnow
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import ViewportQuery
from exact_desktop.store.sqlite import spatial
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.tables import ANNOTATION_GRID, to_iso

SLIDE_W, SLIDE_H = 60_000, 40_000
BOXES = 1_000_000
POLYGONS = 100_000
POLYGON_NODES = 20
QUERY_RESULTS = 2_000
QUERIES = 200
BATCH = 100_000


def bench_store(folder: Path | None = None, boxes: int = BOXES, polygons: int = POLYGONS) -> dict[str, object]:
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        rng = np.random.default_rng(1)
        team = store.create(Team("bench"))
        product = store.create(Product("bench", team=team.id))
        image_set = store.create(ImageSet("bench", team=team.id, product_set=[product.id]))
        image = store.create(Image("bench.svs", image_set=image_set.id, width=SLIDE_W, height=SLIDE_H))
        box_type = store.create(AnnotationType("Nucleus", 1, product.id))
        polygon_type = store.create(AnnotationType("Region", 5, product.id))

        box_s, make_s = _insert_boxes(store, rng, image.id, box_type.id, boxes)
        polygon_s = _insert_polygons(store, rng, image.id, polygon_type.id, polygons)
        times, found = _viewport_queries(store, rng, image.id, boxes, box_type.id)
        size_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
        store.close()
        floor_s = _sqlite_floor(Path(tmp) / "floor.db", np.random.default_rng(1), boxes)
    return {
        "benchmark": "store",
        "boxes": boxes,
        "insert_1m_boxes_s": round(box_s * 1_000_000 / boxes, 2),
        "boxes_per_s": round(boxes / box_s),
        "make_box_entities_s": round(make_s, 2),
        "sqlite_floor_1m_s": round(floor_s * 1_000_000 / boxes, 2),
        "insert_ratio": round(box_s / floor_s, 2),
        "polygons": polygons,
        "insert_100k_polygons_s": round(polygon_s * 100_000 / polygons, 2),
        "viewport_queries": len(times),
        "viewport_results_mean": round(statistics.fmean(found)),
        "viewport_query_ms_p50": round(statistics.median(times), 2),
        "viewport_query_ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
        "database_mb": round(size_mb),
    }


def _insert_boxes(
    store: SqliteStore, rng: np.random.Generator, image: int, kind: int, count: int
) -> tuple[float, float]:
    """Timed per batch of 100,000 (one transaction each); making the entities is timed apart."""
    insert_s = make_s = 0.0
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        t0 = time.perf_counter()
        xs = rng.uniform(0, SLIDE_W - 40, n).tolist()
        ys = rng.uniform(0, SLIDE_H - 40, n).tolist()
        sizes = rng.uniform(12, 40, n).tolist()
        items = [
            Annotation(kind, image, {"x1": x, "y1": y, "x2": x + s, "y2": y + s})
            for x, y, s in zip(xs, ys, sizes, strict=True)
        ]
        t1 = time.perf_counter()
        store.bulk_create(items)
        insert_s += time.perf_counter() - t1
        make_s += t1 - t0
    return insert_s, make_s


def _insert_polygons(store: SqliteStore, rng: np.random.Generator, image: int, kind: int, count: int) -> float:
    angles = np.linspace(0, 2 * np.pi, POLYGON_NODES, endpoint=False)
    elapsed = 0.0
    for start in range(0, count, BATCH // 5):
        n = min(BATCH // 5, count - start)
        centres = rng.uniform(200, [SLIDE_W - 200, SLIDE_H - 200], (n, 2))
        radii = rng.uniform(30, 150, (n, 1)) * (1 + 0.2 * rng.standard_normal((n, POLYGON_NODES)))
        xs = centres[:, :1] + radii * np.cos(angles)
        ys = centres[:, 1:] + radii * np.sin(angles)
        items = []
        for px, py in zip(xs.tolist(), ys.tolist(), strict=True):
            vector = {}
            for i, (x, y) in enumerate(zip(px, py, strict=True), start=1):
                vector[f"x{i}"] = x
                vector[f"y{i}"] = y
            items.append(Annotation(kind, image, vector))
        t0 = time.perf_counter()
        store.bulk_create(items)
        elapsed += time.perf_counter() - t0
    return elapsed


def _viewport_queries(
    store: SqliteStore, rng: np.random.Generator, image: int, boxes: int, kind: int
) -> tuple[list[float], list[int]]:
    """Square viewports sized to hold about 2,000 of the boxes."""
    side = (SLIDE_W * SLIDE_H * QUERY_RESULTS / boxes) ** 0.5
    times, found = [], []
    for _ in range(QUERIES + 10):
        x, y = rng.uniform(0, SLIDE_W - side), rng.uniform(0, SLIDE_H - side)
        query = ViewportQuery(image, Rect(x, y, side, side), annotation_types=(kind,))
        t0 = time.perf_counter()
        result = store.viewport(query)
        times.append((time.perf_counter() - t0) * 1000)
        found.append(len(result))
    return times[10:], found[10:]  # the first few warm the page cache


def _sqlite_floor(path: Path, rng: np.random.Generator, count: int) -> float:
    """The same boxes into the same schema (indexes, grid table) through plain sqlite3
    `executemany`, a transaction per 100,000, rows built from arrays with time-ordered UUIDs:
    what the store's bulk path is measured against (`insert_ratio`). As the store does, each
    transaction drops the outbox insert trigger and makes it again (a trigger costs SQLite its
    fast path for the indexes); band and density upkeep are left out, so the floor is a little
    lower than the store's true work."""
    store = SqliteStore(path)
    team = store.create(Team("floor"))
    product = store.create(Product("floor", team=team.id))
    image_set = store.create(ImageSet("floor", team=team.id, product_set=[product.id]))
    image = store.create(Image("floor.svs", image_set=image_set.id, width=SLIDE_W, height=SLIDE_H)).id
    kind = store.create(AnnotationType("Nucleus", 1, product.id)).id
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "cache_size=-262144"):
        conn.execute(f"PRAGMA {pragma}")
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sync_outbox_insert'").fetchone()[0]
    elapsed = 0.0
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        xs, ys = rng.uniform(0, SLIDE_W - 40, n), rng.uniform(0, SLIDE_H - 40, n)
        sizes = rng.uniform(12, 40, n)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TRIGGER sync_outbox_insert")
        cursor = conn.cursor()
        first = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM annotation").fetchone()[0]
        ids = range(first, first + n)
        corners = np.round(np.stack([xs, ys, xs + sizes, ys + sizes], axis=1), 1)
        vectors = [f'{{"x1":{a},"y1":{b},"x2":{c},"y2":{d}}}' for a, b, c, d in corners.tolist()]
        now = to_iso(utcnow())
        cursor.executemany(  # no coords: the store keeps none for boxes (their grid entry holds the corners)
            "INSERT INTO annotation (id, annotation_type, image, vector, unique_identifier, deleted, "
            "description, time, last_edit_time, concealed, blurred, generated) "
            f"VALUES (?, {kind}, {image}, ?, ?, 0, '', '{now}', '{now}', 0, 0, 0)",
            zip(ids, vectors, (str(uuid6.uuid7()) for _ in range(n)), strict=False),
        )
        sides = corners[:, [0, 2, 1, 3]]  # min_x, max_x, min_y, max_y
        band = spatial.Bands(cursor, ANNOTATION_GRID)(image, kind)
        cursor.executemany(
            f"INSERT INTO {ANNOTATION_GRID} (band, cell, id, min_x, max_x, min_y, max_y, corners) "
            f"VALUES ({band}, ?, ?, ?, ?, ?, ?, ?)",
            zip(spatial.cell_keys(sides).tolist(), ids, *sides.T.tolist(), spatial.corners(sides), strict=True),
        )
        conn.execute(trigger)
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - started
    conn.close()
    return elapsed
