"""Annotation map, cluster cells and patch classifier on generated images with known answers,
each run through the real job path (local queue, embedded API, plugin process)."""

from __future__ import annotations

import cv2
import numpy as np

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.local_run import run_plugin
from tests.plugins.test_nuclei_known_answers import project_with, stained

BUILTIN = "exact_desktop.plugins.builtin"


def box(x, y, r=8):
    return {"x1": x - r, "y1": y - r, "x2": x + r, "y2": y + r}


def test_annotation_map_is_densest_where_the_annotations_are(tmp_path):
    store, s = project_with(tmp_path, stained((1000, 2000), [], 1))
    rng = np.random.default_rng(1)
    cluster = rng.uniform(100, 300, (300, 2))
    spread = rng.uniform(0, [2000, 1000], (40, 2))
    store.bulk_create([e.Annotation(s.box.id, s.image.id, box(x, y)) for x, y in np.vstack([cluster, spread])])
    store.create(e.Annotation(s.point.id, s.image.id, {"x1": 1800.0, "y1": 900.0}))  # another type: not counted
    register(store, f"{BUILTIN}.annotation_map:process", s.product.id)
    summary = run_plugin(
        store, "Annotation map", s.image_set.id, params={"types": "Nucleus", "cell_um": 50, "smooth_um": 0}, workers=1
    )
    assert summary["errors"] == [] and summary["jobs"][0]["result_bitmaps"] == 1
    (bitmap,) = store.list(e.PluginResultBitmap, image=s.image.id)
    picture = cv2.imread(str(store.bitmap_folder / bitmap.bitmap), cv2.IMREAD_GRAYSCALE)
    assert picture.shape == (20, 40) and bitmap.location_rect == {"x": 0.0, "y": 0.0, "w": 2000.0, "h": 1000.0}
    row, col = np.unravel_index(np.argmax(picture), picture.shape)
    assert 2 <= row <= 5 and 2 <= col <= 5  # the cluster's cells (100-300 px, 50 px cells)
    counts = np.zeros((20, 40))
    for x, y in np.vstack([cluster, spread]):
        counts[int(y // 50), int(x // 50)] += 1
    assert abs(bitmap.scale_max - counts.max() / 0.05**2) < 1e-6 * bitmap.scale_max  # per mm²
    store.close()


def test_cluster_cells_separates_two_kinds_of_nuclei(tmp_path):
    rng = np.random.default_rng(2)
    grid = [
        (80.0 + 90 * i + rng.uniform(-15, 15), 80.0 + 90 * j + rng.uniform(-15, 15))
        for i in range(10)
        for j in range(6)
    ]
    dark, pale = grid[::2], grid[1::2]  # apart from each other, as nuclei are
    rgb = stained((1000, 1000), [], 1)
    for x, y in dark:
        cv2.circle(rgb, (round(x), round(y)), 5, (40, 20, 110), -1)  # small and dark: lymphocyte-like
    for x, y in pale:
        cv2.circle(rgb, (round(x), round(y)), 11, (150, 120, 200), -1)  # large and pale
    store, s = project_with(tmp_path, rgb)
    store.update(e.Image, s.image.id, mpp=0.5)
    store.bulk_create([e.Annotation(s.box.id, s.image.id, box(x, y, 6)) for x, y in dark]
                      + [e.Annotation(s.box.id, s.image.id, box(x, y, 12)) for x, y in pale])  # fmt: skip
    register(store, f"{BUILTIN}.cluster_cells:process", s.product.id)
    summary = run_plugin(store, "Cluster cells", s.image_set.id, params={"k": 2, "types": "Nucleus"}, workers=1)
    assert summary["errors"] == [] and summary["jobs"][0]["result_annotations"] == 60
    results = store.list(e.PluginResultAnnotation, image=s.image.id)
    names = {t.id: t.name for t in store.list(e.AnnotationType)}
    by_cluster: dict[str, set[bool]] = {}
    for r in results:
        small = r.vector["x2"] - r.vector["x1"] < 20
        by_cluster.setdefault(names[r.annotation_type], set()).add(small)
    assert set(by_cluster) == {"Cluster 1", "Cluster 2"} and all(len(kinds) == 1 for kinds in by_cluster.values())
    meta = results[0].meta_data
    assert set(meta["features"]) == set(meta["cluster_mean"]) and "area_um2" in meta["features"]
    store.close()


def test_patch_classifier_learns_regions_and_classifies_the_rest(tmp_path):
    rng = np.random.default_rng(3)
    rgb = np.full((1200, 2400, 3), (240, 240, 240), np.uint8)
    rgb[100:1100, 100:1150] = (225, 160, 205)  # left tissue: crowded with nuclei
    for x, y in rng.uniform([110, 110], [1140, 1090], (1500, 2)):
        cv2.circle(rgb, (round(x), round(y)), 6, (80, 55, 150), -1)
    rgb[100:1100, 1250:2300] = (230, 130, 185)  # right tissue: fibrous eosin, few nuclei
    for y in range(100, 1100, 9):
        cv2.line(rgb, (1250, y), (2300, y + 40), (205, 90, 160), 2)
    store, s = project_with(tmp_path, rgb)
    tumour = store.create(e.AnnotationType("Tumor region", 5, s.product.id, color_code="#D62728"))
    stroma = store.create(e.AnnotationType("Stroma region", 5, s.product.id, color_code="#17BECF"))
    square = lambda x0, y0, x1, y1: {"x1": x0, "y1": y0, "x2": x1, "y2": y0, "x3": x1, "y3": y1, "x4": x0, "y4": y1}  # noqa: E731
    store.create(e.Annotation(tumour.id, s.image.id, square(150, 150, 600, 1050)))  # only part of each side is taught
    store.create(e.Annotation(stroma.id, s.image.id, square(1300, 150, 1750, 1050)))
    register(store, f"{BUILTIN}.patch_classifier:process", s.product.id)
    summary = run_plugin(store, "Patch classifier", s.image_set.id, params={"tile_um": 64, "other": False}, workers=1)
    assert summary["errors"] == [] and summary["jobs"][0]["result_bitmaps"] == 1
    tiles = store.list(e.PluginResultAnnotation, image=s.image.id)
    unseen_left = [t for t in tiles if t.vector["x1"] >= 640 and t.vector["x3"] <= 1150]
    unseen_right = [t for t in tiles if t.vector["x1"] >= 1790 and t.vector["x3"] <= 2300]
    assert unseen_left and unseen_right
    assert np.mean([t.annotation_type == tumour.id for t in unseen_left]) > 0.9
    assert np.mean([t.annotation_type == stroma.id for t in unseen_right]) > 0.9
    assert all(
        0 < t.score <= 1 and set(t.meta_data["probabilities"]) == {"Tumor region", "Stroma region"} for t in tiles
    )
    store.close()
