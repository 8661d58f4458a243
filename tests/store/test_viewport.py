"""The viewport query returns exactly what a brute-force scan would, as compact arrays."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from alembic import command
from shapely.geometry import Polygon

from exact_desktop.model import entities as e
from exact_desktop.model import regions
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import ViewportQuery
from exact_desktop.store.sqlite.engine import make_engine
from exact_desktop.store.sqlite.schema import alembic_config
from exact_desktop.store.sqlite.spatial import _distinct_pairs
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import box, seed


def brute_force(vectors: dict[int, dict], rect: Rect) -> set[int]:
    found = set()
    for i, v in vectors.items():
        xs = [val for k, val in v.items() if k[0] == "x"]
        ys = [val for k, val in v.items() if k[0] == "y"]
        if max(xs) >= rect.x and min(xs) <= rect.right and max(ys) >= rect.y and min(ys) <= rect.bottom:
            found.add(i)
    return found


def test_viewport_matches_brute_force_per_type_and_image(store, seeded):
    rng = np.random.default_rng(3)
    boxes = [
        e.Annotation(seeded.box.id, seeded.image.id, box(x, y, s))
        for x, y, s in rng.uniform([0, 0, 5], [5000, 4000, 60], (3000, 3))
    ]
    polygons = []
    for cx, cy in rng.uniform(100, 3900, (500, 2)):
        angles = np.linspace(0, 2 * np.pi, 7, endpoint=False)
        vector = {}
        for i, a in enumerate(angles, start=1):
            vector[f"x{i}"], vector[f"y{i}"] = float(cx + 40 * np.cos(a)), float(cy + 40 * np.sin(a))
        polygons.append(e.Annotation(seeded.polygon.id, seeded.image.id, vector))
    elsewhere = [
        e.Annotation(seeded.box.id, seeded.other_image.id, box(x, y)) for x, y in rng.uniform(0, 4000, (500, 2))
    ]
    box_ids = store.bulk_create(boxes)
    polygon_ids = store.bulk_create(polygons)
    store.bulk_create(elsewhere)
    vectors = {i: a.vector for i, a in zip(box_ids + polygon_ids, boxes + polygons, strict=True)}
    for _ in range(20):
        x, y = rng.uniform(0, 4000, 2)
        rect = Rect(x, y, 700, 450)
        got = store.viewport(ViewportQuery(seeded.image.id, rect))
        assert set(got.ids.tolist()) == brute_force(vectors, rect)
        only_polygons = store.viewport(ViewportQuery(seeded.image.id, rect, annotation_types=(seeded.polygon.id,)))
        assert set(only_polygons.ids.tolist()) == brute_force({i: vectors[i] for i in polygon_ids}, rect)
        assert set(only_polygons.types.tolist()) <= {seeded.polygon.id}
    whole = store.viewport(ViewportQuery(seeded.image.id, Rect(-10, -10, 6000, 6000)))
    assert len(whole) == 3500
    for i in range(len(whole)):
        oid = int(whole.ids[i])
        expected = np.array(
            [(vectors[oid][f"x{k}"], vectors[oid][f"y{k}"]) for k in range(1, 1 + len(vectors[oid]) // 2)], np.float32
        )
        np.testing.assert_allclose(whole.nodes_of(i), expected, rtol=1e-6)
        np.testing.assert_allclose(whole.bboxes[i], [*expected.min(0), *expected.max(0)], rtol=1e-5)
    assert np.isnan(whole.scores).all()


def test_edits_and_deletes_move_objects_in_the_index(store, seeded):
    a = store.create(e.Annotation(seeded.box.id, seeded.image.id, box(10, 10)))
    near, far = Rect(0, 0, 100, 100), Rect(5000, 5000, 100, 100)
    assert store.viewport(ViewportQuery(seeded.image.id, near)).ids.tolist() == [a.id]
    store.update(e.Annotation, a.id, vector=box(5020, 5020))
    assert len(store.viewport(ViewportQuery(seeded.image.id, near))) == 0
    assert store.viewport(ViewportQuery(seeded.image.id, far)).ids.tolist() == [a.id]
    store.delete(e.Annotation, a.id)
    assert len(store.viewport(ViewportQuery(seeded.image.id, far))) == 0
    store.update(e.Annotation, a.id, deleted=False)
    assert store.viewport(ViewportQuery(seeded.image.id, far)).ids.tolist() == [a.id]
    deleted_at_birth = store.create(e.Annotation(seeded.box.id, seeded.image.id, box(20, 20), deleted=True))
    assert deleted_at_birth.id not in store.viewport(ViewportQuery(seeded.image.id, near)).ids


@pytest.mark.parametrize("min_score", [0.0, 0.5, 0.9])
def test_result_annotations_filter_by_entry_and_score(store, seeded, min_score):
    plugin = store.create(e.Plugin("detector"))
    result = store.create(e.PluginResult(seeded.image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    other_entry = store.create(e.PluginResultEntry(result.id, "other"))
    scores = np.linspace(0, 1, 101)
    store.bulk_create(
        [
            e.PluginResultAnnotation(seeded.box.id, entry.id, seeded.image.id, box(i, i), score=float(s))
            for i, s in enumerate(scores)
        ]
    )
    store.bulk_create(
        [
            e.PluginResultAnnotation(seeded.box.id, other_entry.id, seeded.image.id, box(i, i), score=1.0)
            for i in range(10)
        ]
    )
    got = store.viewport(ViewportQuery(seeded.image.id, Rect(0, 0, 200, 200), entries=(entry.id,), min_score=min_score))
    assert len(got) == int((scores >= min_score).sum())
    assert (got.scores >= min_score).all()
    assert set(got.types.tolist()) == {seeded.box.id}


def test_numpy_coordinates_find_what_floats_find(store, seeded):
    """np.float32 would be bound as a blob by sqlite3 and match nothing."""
    store.create(e.Annotation(seeded.box.id, seeded.image.id, box(100, 100)))
    x, y = np.float32(105), np.float32(105)
    assert len(store.viewport(ViewportQuery(seeded.image.id, Rect(x, y, np.float32(4), np.float32(4))))) == 1
    assert len(store.viewport(ViewportQuery(seeded.image.id, Rect(105.0, 105.0, 4.0, 4.0)))) == 1


def test_objects_of_every_size_are_found_at_every_viewport_size(store, seeded):
    """The grid keeps each object at the level of its size: from a pixel to beyond the top
    level's cells, left of and above the origin too, viewports from a point to the plane."""
    rng = np.random.default_rng(11)
    sizes = np.exp2(rng.uniform(0, 29.8, 4000))  # 1 px to 9e8 px, past the top level (256 << 18 px cells)
    corners = rng.uniform(-3e6, 3e6, (4000, 2))
    vectors = {}
    made = []
    for (x, y), size in zip(corners, sizes, strict=True):
        w, h = float(size), float(size * rng.uniform(0.1, 1))
        made.append(e.Annotation(seeded.box.id, seeded.image.id, {"x1": x, "y1": y, "x2": x + w, "y2": y + h}))
    for id, a in zip(store.bulk_create(made), made, strict=True):
        vectors[id] = a.vector
    for _ in range(150):
        x, y = rng.uniform(-4e6, 4e6, 2)
        w, h = np.exp2(rng.uniform(-2, 24, 2))
        rect = Rect(float(x), float(y), float(w), float(h))
        found = store.viewport(ViewportQuery(seeded.image.id, rect, annotation_types=(seeded.box.id,)))
        assert set(found.ids.tolist()) == brute_force(vectors, rect)


def test_ids_beyond_31_bits_index_apart(store, seeded):
    """An image id too large to pack beside its type's id: the pairs are told apart by rows."""
    huge = 2**31 + 7
    with sqlite3.connect(store.path) as raw:
        raw.execute("UPDATE image SET id = ? WHERE id = ?", (huge, seeded.other_image.id))
    made = [e.Annotation(seeded.box.id, image, box(10 * i, 10)) for i in range(40) for image in (seeded.image.id, huge)]
    ids = store.bulk_create(made)
    whole = Rect(-10, -10, 1000, 1000)
    for image in (seeded.image.id, huge):
        expected = {i for i, a in zip(ids, made, strict=True) if a.image == image}
        assert set(store.viewport(ViewportQuery(image, whole)).ids.tolist()) == expected


def test_pairs_that_would_pack_alike_stay_apart():
    pairs, which = _distinct_pairs(np.array([[1, 2, 1], [2**31, 0, 2**31]], np.int64))
    assert pairs.tolist() == [[1, 2**31], [2, 0]]
    assert which.reshape(-1).tolist() == [0, 1, 0]
    packed, where = _distinct_pairs(np.array([[5, 3, 5], [9, 9, 8]], np.int64))
    assert packed.tolist() == [[3, 9], [5, 8], [5, 9]]
    assert where.reshape(-1).tolist() == [2, 0, 1]


def test_polygons_come_with_their_holes_annotations_and_results_alike(store, seeded):
    """Holes live in meta_data; the viewport brings them beside the outer rings, by object id,
    for the few polygons that have any, and leaves out what is not a ring of x, y pairs."""
    holed = regions.fields_of(Polygon([(0, 0), (400, 0), (400, 400), (0, 400)], [[(100, 100), (300, 100), (200, 300)]]))
    triangle = {"x1": 500, "y1": 0, "x2": 550, "y2": 0, "x3": 525, "y3": 50}
    plain = store.create(e.Annotation(seeded.polygon.id, seeded.image.id, triangle))
    made = store.create(e.Annotation(seeded.polygon.id, seeded.image.id, **holed))
    odd = store.create(e.Annotation(seeded.polygon.id, seeded.image.id, triangle,
                                    meta_data={"holes": [[[1, 2], [3, 4]], "ring", [[1, "x"], [2, 3], [4, 5]]],
                                               "note": {"holes": 1}}))  # fmt: skip
    got = store.viewport(ViewportQuery(seeded.image.id, Rect(0, 0, 1000, 1000)))
    assert set(got.ids.tolist()) == {plain.id, made.id, odd.id}
    assert list(got.holes) == [made.id]
    (ring,) = got.holes[made.id]
    assert ring.dtype == np.float32 and ring.tolist() == [[100, 100], [300, 100], [200, 300]]
    assert not store.viewport(ViewportQuery(seeded.image.id, Rect(0, 0, 1000, 1000), nodes=False)).holes

    plugin = store.create(e.Plugin("tissue"))
    result = store.create(e.PluginResult(seeded.image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "tissue"))
    tissue = store.create(e.PluginResultAnnotation(seeded.polygon.id, entry.id, seeded.image.id, **holed))
    found = store.viewport(ViewportQuery(seeded.image.id, Rect(0, 0, 1000, 1000), entries=(entry.id,)))
    assert list(found.holes) == [tissue.id] and found.holes[tissue.id][0].shape == (3, 2)


def test_boxes_written_in_bulk_keep_no_coords_and_the_viewport_still_gives_their_corners(store, seeded):
    """A box's index entry holds its corners: its 16 bytes of coords were written for nothing."""
    columns = [e.Annotation(seeded.box.id, seeded.image.id, box(10.5 + i, 20.25, 30)) for i in range(300)]
    one_at_a_time = [e.Annotation(seeded.box.id, seeded.image.id, {"y1": 5.5, "x1": 600, "y2": 9, "x2": 700.75})]
    polygon = e.Annotation(
        seeded.polygon.id, seeded.image.id, {"x1": 800, "y1": 1, "x2": 900, "y2": 1, "x3": 850, "y3": 90}
    )
    ids = store.bulk_create(columns) + store.bulk_create(one_at_a_time) + store.bulk_create([polygon])
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("SELECT id FROM annotation WHERE coords IS NOT NULL").fetchall() == [(ids[-1],)]
    found = store.viewport(ViewportQuery(seeded.image.id, Rect(0, 0, 1000, 1000)))
    nodes = {int(found.ids[i]): found.nodes_of(i).tolist() for i in range(len(found))}
    assert nodes[ids[0]] == [[10.5, 20.25], [40.5, 50.25]] and nodes[ids[300]] == [[600, 5.5], [700.75, 9]]
    assert nodes[ids[-1]] == [[800, 1], [900, 1], [850, 90]]


def _grid_entries(path) -> list[tuple[int, list[float], list[float]]]:
    """Every index entry of both trees: id, its REAL sides as float32 corners, its corners read back."""
    with sqlite3.connect(path) as raw:
        rows = [
            row
            for grid in ("annotation_grid", "plugin_result_annotation_grid")
            for row in raw.execute(f"SELECT id, min_x, min_y, max_x, max_y, corners FROM {grid}")
        ]
    return [(row[0], np.array(row[1:5], np.float32).tolist(), np.frombuffer(row[5], "<f4").tolist()) for row in rows]


def _results_on(store, seeded, boxes):
    plugin = store.create(e.Plugin("detector"))
    result = store.create(e.PluginResult(seeded.image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    made = [e.PluginResultAnnotation(seeded.box.id, entry.id, seeded.image.id, b, score=0.5) for b in boxes]
    return entry, store.bulk_create(made)


def test_every_way_of_writing_an_entry_keeps_its_corners_equal_to_its_sides(store, seeded):
    """The viewport answers with `corners`, SQL compares the REAL sides: every writer keeps both."""
    rng = np.random.default_rng(5)
    columns = [e.Annotation(seeded.box.id, seeded.image.id, box(x, y, 7.3)) for x, y in rng.uniform(0, 5e4, (300, 2))]
    ids = store.bulk_create(columns)
    polygon = store.create(e.Annotation(seeded.polygon.id, seeded.image.id, {"x1": 0.1, "y1": 1, "x2": 9e4, "y2": 1,
                                                                            "x3": 5, "y3": 3.3e4}))  # fmt: skip
    store.update(e.Annotation, ids[0], vector=box(123.456, 789.012))
    store.update_many(e.Annotation, {ids[1]: {"vector": box(1e-3, 2e-3, 1e6)}})
    store.delete(e.Annotation, ids[2])
    _results_on(store, seeded, [box(10.1 * i, 3.7 * i, 12.9) for i in range(50)])
    entries = _grid_entries(store.path)
    assert len(entries) == 300 - 1 + 1 + 50
    assert all(sides == corners for _, sides, corners in entries)
    found = store.viewport(ViewportQuery(seeded.image.id, Rect(-1, -1, 1e7, 1e7), annotation_types=(seeded.box.id,)))
    assert found.bboxes.dtype == np.float32 and found.bboxes.flags.writeable
    at = found.ids.tolist().index(ids[0])
    assert found.bboxes[at].tolist() == np.array([123.456, 789.012, 143.456, 809.012], np.float32).tolist()
    assert polygon.id not in found.ids


def test_a_file_from_before_the_corners_gets_them_and_answers_as_before(tmp_path):
    """Migration 0019 fills in the corners of existing entries from their sides."""
    path = tmp_path / "p.db"
    store = SqliteStore(path)
    seeded = seed(store)
    rng = np.random.default_rng(8)
    store.bulk_create(
        [e.Annotation(seeded.box.id, seeded.image.id, box(x, y, 9.9)) for x, y in rng.uniform(0, 9e3, (400, 2))]
    )
    store.create(
        e.Annotation(seeded.polygon.id, seeded.image.id, {"x1": 5, "y1": 5, "x2": 90, "y2": 7, "x3": 40, "y3": 80})
    )
    entry, _ = _results_on(store, seeded, [box(7.7 * i, 7.7 * i) for i in range(30)])
    queries = [
        ViewportQuery(seeded.image.id, Rect(0, 0, 9e3, 9e3)),
        ViewportQuery(seeded.image.id, Rect(0, 0, 500, 500), entries=(entry.id,)),
    ]
    before = [store.viewport(q) for q in queries]
    store.close()
    engine = make_engine(path)
    command.downgrade(alembic_config(engine), "0018")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        assert "corners" not in {row[1] for row in raw.execute("PRAGMA table_info(annotation_grid)")}
    store = SqliteStore(path)
    assert all(sides == corners for _, sides, corners in _grid_entries(path))
    for q, old in zip(queries, before, strict=True):
        new = store.viewport(q)
        for name in ("ids", "types", "bboxes", "scores", "offsets", "nodes"):
            np.testing.assert_array_equal(getattr(new, name), getattr(old, name))
    store.close()
