"""Cell counts stay equal to a recount of the live objects through every kind of write."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from exact_desktop.model import entities as e
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import StoreError, ViewportQuery
from exact_desktop.store.sqlite import bulk
from exact_desktop.store.sqlite.density import CELL
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import box, older_file, seed

WHOLE = Rect(0, 0, 60_000, 40_000)


def recount(store: SqliteStore, image: int, rect: Rect = WHOLE, **groups) -> np.ndarray:
    """Counts per cell from the objects themselves (the viewport query), by box centre."""
    found = store.viewport(ViewportQuery(image, rect, **groups))
    grid = store.density(ViewportQuery(image, rect, **groups))
    expected = np.zeros(grid.counts.shape[1:], np.int64)
    for x0, y0, x1, y1 in found.bboxes.astype(np.float64):
        col, row = int((x0 + x1) / 2 // CELL) - grid.first_col, int((y0 + y1) / 2 // CELL) - grid.first_row
        if 0 <= row < expected.shape[0] and 0 <= col < expected.shape[1]:
            expected[row, col] += 1
    return expected


def test_counts_follow_creates_moves_retypes_deletes_and_restores(store, seeded):
    rng = np.random.default_rng(5)
    ids = store.bulk_create(
        [e.Annotation(seeded.box.id, seeded.image.id, box(x, y)) for x, y in rng.uniform(0, 9000, (2000, 2))]
    )
    one = store.create(e.Annotation(seeded.box.id, seeded.image.id, box(100, 100)))
    q = {"annotation_types": (seeded.box.id,)}
    np.testing.assert_array_equal(store.density(ViewportQuery(seeded.image.id, WHOLE, **q)).at_threshold(0),
                                  recount(store, seeded.image.id, **q))  # fmt: skip
    store.update(e.Annotation, one.id, vector=box(30_000, 20_000))  # moved far away
    store.update(e.Annotation, ids[0], annotation_type=seeded.point.id, vector={"x1": 5.0, "y1": 5.0})
    store.delete(e.Annotation, ids[1])
    store.delete_many(e.Annotation, ids[2:50])
    store.update(e.Annotation, ids[2], deleted=False)  # restored
    for groups in ({"annotation_types": (seeded.box.id,)}, {"annotation_types": (seeded.point.id,)}, {}):
        grid = store.density(ViewportQuery(seeded.image.id, WHOLE, **groups))
        np.testing.assert_array_equal(grid.at_threshold(0), recount(store, seeded.image.id, **groups))
    box_grid = store.density(ViewportQuery(seeded.image.id, WHOLE, annotation_types=(seeded.box.id,)))
    assert box_grid.at_threshold(0).sum() == 2000 + 1 - 1 - 1 - 48 + 1
    part = Rect(1000, 2000, 3000, 1500)  # a window reads only its cells
    np.testing.assert_array_equal(
        store.density(ViewportQuery(seeded.image.id, part, **q)).at_threshold(0),
        recount(store, seeded.image.id, Rect(0, 0, 60_000, 40_000), **q)[
            2000 // CELL : -(-3500 // CELL), 1000 // CELL : -(-4000 // CELL)
        ],
    )


def results_of(store, seeded, scores):
    plugin = store.create(e.Plugin("Detector", script="x.py"))
    result = store.create(e.PluginResult(seeded.image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "nuclei"))
    items = [
        e.PluginResultAnnotation(seeded.box.id, entry.id, seeded.image.id, box(100 * i, 50), score=s)
        for i, s in enumerate(scores)
    ]
    return plugin, result, entry, store.bulk_create(items)


def test_result_counts_are_kept_per_tenth_of_score_and_go_with_cascades(store, seeded):
    scores = np.linspace(0, 1, 101)
    _plugin, result, entry, ids = results_of(store, seeded, scores)
    grid = store.density(ViewportQuery(seeded.image.id, WHOLE, entries=(entry.id,)))
    for threshold in (0.0, 0.3, 0.55, 0.9, 1.0):
        buckets = np.clip(np.floor(scores * 10), 0, 9)  # [0.9, 1] is the top tenth
        expected = int((buckets >= min(9, np.floor(threshold * 10))).sum())
        assert grid.at_threshold(threshold).sum() == expected
    store.update(e.PluginResultAnnotation, ids[0], score=0.95)  # from bucket 0 to bucket 9
    grid = store.density(ViewportQuery(seeded.image.id, WHOLE, entries=(entry.id,)))
    assert grid.counts[0].sum() == 9 and grid.counts[9].sum() == 12
    store.delete(e.PluginResult, result.id)  # entries and their results go by cascade
    assert store.density(ViewportQuery(seeded.image.id, WHOLE, entries=(entry.id,))).counts.sum() == 0
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("SELECT count(*) FROM spatial_density").fetchone()[0] == 0  # annotations: none made


def test_deleting_an_image_empties_its_counts(store, seeded):
    store.bulk_create([e.Annotation(seeded.box.id, seeded.other_image.id, box(10 * i, 10)) for i in range(300)])
    store.delete(e.Image, seeded.other_image.id)
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("SELECT count(*) FROM spatial_density").fetchone()[0] == 0


def test_writes_announce_the_boxes_they_moved_after_commit(store, seeded):
    heard = []
    store.changed.connect(lambda sender, changes: heard.append(changes), weak=False)
    made = store.create(e.Annotation(seeded.box.id, seeded.image.id, box(100, 200)))
    store.update(e.Annotation, made.id, vector=box(1000, 2000))
    store.update(e.Annotation, made.id, description="no geometry change")
    store.delete(e.Annotation, made.id)
    assert len(heard) == 3
    first, moved, deleted = (changes[0] for changes in heard)
    assert (first.kind, first.image, first.group) == ("annotations", seeded.image.id, seeded.box.id)
    np.testing.assert_allclose(first.boxes, [[100, 200, 120, 220]])
    np.testing.assert_allclose(sorted(moved.boxes.tolist()), [[100, 200, 120, 220], [1000, 2000, 1020, 2020]])
    np.testing.assert_allclose(deleted.boxes, [[1000, 2000, 1020, 2020]])
    _plugin, _result, entry, _ids = results_of(store, seeded, [0.5, 0.7])
    assert heard[-1][0].kind == "results" and heard[-1][0].group == entry.id and len(heard[-1][0].boxes) == 2


def test_a_refused_write_announces_nothing_and_counts_nothing(store, seeded):
    heard = []
    store.changed.connect(lambda sender, changes: heard.append(changes), weak=False)
    bad = [e.Annotation(seeded.box.id, seeded.image.id, box(10, 10)), e.Annotation(seeded.box.id, 999, box(0, 0))]
    with pytest.raises(StoreError, match="refused, nothing written"):
        store.bulk_create(bad)
    assert heard == []
    assert store.density(ViewportQuery(seeded.image.id, WHOLE)).counts.sum() == 0


def test_an_older_file_gets_its_counts_from_its_trees(tmp_path):
    path = older_file(
        tmp_path,
        "0005",
        10_000,
        """
        INSERT INTO spatial_band (band, tree, image, grp) VALUES (1, 'annotation_rtree', 1, 1),
                                                                 (2, 'plugin_result_annotation_rtree', 1, 7);
        INSERT INTO annotation_rtree VALUES (1, 2, 3, 0, 20, 0, 20), (2, 2, 3, 100, 120, 0, 20),
                                            (3, 2, 3, 110, 130, 5, 25);
    """,
    )  # the 0005 layout: no counts table yet
    store = SqliteStore(path)
    grid = store.density(ViewportQuery(1, Rect(0, 0, 256, 256), annotation_types=(1,)))
    assert grid.at_threshold(0)[0, 0] == 1 and grid.at_threshold(0)[0, 1] == 2 and grid.counts.sum() == 3
    store.close()


def test_seed_helper_still_counts_nothing(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    assert store.density(ViewportQuery(s.image.id, WHOLE)).counts.sum() == 0
    assert store.typical_size(ViewportQuery(s.image.id, WHOLE)) == 0
    store.bulk_create([e.Annotation(s.box.id, s.image.id, box(10 * i, 10, 30)) for i in range(10)])
    assert store.typical_size(ViewportQuery(s.image.id, WHOLE)) == 30
    store.close()


def test_an_older_file_s_r_tree_entries_are_found_in_the_grid_after_the_upgrade(tmp_path):
    """Migration 0008 moves each R*Tree's entries into its grid table, under the same bands."""
    path = older_file(
        tmp_path,
        "0007",
        100_000,
        """
        INSERT INTO spatial_band (band, tree, image, grp) VALUES (1, 'annotation_rtree', 1, 1);
        INSERT INTO annotation_rtree VALUES (1, 2, 3, 0, 20, 0, 20), (2, 2, 3, 50000, 50030, 700, 730),
                                            (3, 2, 3, 1000, 61000, 2000, 9000);
    """,
    )
    store = SqliteStore(path)
    found = store.viewport(ViewportQuery(1, Rect(49_990, 600, 100, 2000), nodes=False))  # boxes: no rows needed
    assert sorted(found.ids.tolist()) == [2, 3]
    assert sorted(store.viewport(ViewportQuery(1, Rect(0, 0, 10, 10), nodes=False)).ids.tolist()) == [1]
    with sqlite3.connect(path) as raw:
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert "annotation_rtree" not in names and "annotation_grid" in names
    store.close()


def test_a_batch_refused_in_its_last_chunk_writes_nothing(store, seeded, monkeypatch):
    """Chunks are prepared on a second thread ahead of their write: a bad one still refuses the
    whole batch, by name, after the chunks before it went in."""
    monkeypatch.setattr(bulk, "CHUNK", 40)
    items = [e.Annotation(seeded.box.id, seeded.image.id, box(10 * i, 10)) for i in range(100)]
    items[-1] = e.Annotation(seeded.box.id, seeded.image.id, {"x1": 1, "y1": 2})
    with pytest.raises(StoreError, match=items[-1].unique_identifier):
        store.bulk_create(items)
    assert store.count(e.Annotation) == 0
    assert store.density(ViewportQuery(seeded.image.id, WHOLE)).counts.sum() == 0


def test_a_batch_of_several_chunks_counts_each_cell_once_at_its_end(store, seeded, monkeypatch):
    """The chunks' counts are added by one change at the end of the batch (each density chunk
    read and written once, not once per chunk of rows), equal to a recount, global annotations
    among them counting nowhere."""
    monkeypatch.setattr(bulk, "CHUNK", 40)
    rng = np.random.default_rng(9)
    items = [e.Annotation(seeded.box.id, seeded.image.id, box(x, y)) for x, y in rng.uniform(0, 9000, (150, 2))]
    label = store.create(e.AnnotationType("Label", e.VectorType.GLOBAL, seeded.product.id))
    items[60:100] = [e.Annotation(label.id, seeded.image.id, None) for _ in range(40)]  # a chunk of no geometry
    writes = []
    changed = bulk.density.change
    monkeypatch.setattr(bulk.density, "change", lambda *args: writes.append(len(args[1])) or changed(*args))
    store.bulk_create(items)
    assert writes == [110]
    grid = store.density(ViewportQuery(seeded.image.id, WHOLE)).at_threshold(0)
    np.testing.assert_array_equal(grid, recount(store, seeded.image.id))
    assert grid.sum() == 110
