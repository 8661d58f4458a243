"""The segmentation plugin on generated images: nuclei outlines against the discs drawn, touching
ones apart, every polygon valid; a tissue piece with a hole keeps its hole."""

from __future__ import annotations

import cv2
import numpy as np
from shapely.geometry import Point, Polygon

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.local_run import run_plugin
from tests.plugins.test_nuclei_known_answers import project_with, stained

SEGMENTATION = "exact_desktop.plugins.builtin.segmentation:process"


def outlines(store, image: int, type_name: str) -> list[e.PluginResultAnnotation]:
    types = [t.id for t in store.list(e.AnnotationType, name=type_name)]
    return store.list(e.PluginResultAnnotation, image=image, annotation_type__in=types)


def polygon_of(vector) -> Polygon:
    n = len(vector) // 2
    return Polygon([(vector[f"x{i}"], vector[f"y{i}"]) for i in range(1, n + 1)])


def test_nucleus_outlines_match_the_discs_and_stay_apart(tmp_path):
    truth = [(150, 150), (164, 150), (400, 300), (700, 200), (705, 500), (300, 520)]
    store, s = project_with(tmp_path, stained((700, 900), truth, 9))
    register(store, SEGMENTATION, s.product.id)
    summary = run_plugin(store, "Segmentation", s.image_set.id, params={"what": "nuclei"}, workers=1)
    assert summary["errors"] == []
    found = [polygon_of(r.vector) for r in outlines(store, s.image.id, "Nucleus outline")]
    assert len(found) == len(truth) and all(p.is_valid for p in found)
    discs = [Point(x, y).buffer(9) for x, y in truth]
    for disc in discs[2:]:  # the free-standing ones: outline close to the disc
        best = max(found, key=lambda p: p.intersection(disc).area)
        assert best.intersection(disc).area / best.union(disc).area > 0.8
    pair = [max(found, key=lambda p, d=d: p.intersection(d).area) for d in discs[:2]]
    assert pair[0] is not pair[1] and pair[0].intersection(pair[1]).area < 1.0  # split, not overlapping
    store.close()


def test_tissue_outline_keeps_its_hole_and_drops_specks(tmp_path):
    rgb = np.full((800, 800, 3), 245, np.uint8)
    cv2.circle(rgb, (400, 400), 300, (225, 150, 200), -1)
    cv2.circle(rgb, (400, 400), 90, (245, 245, 245), -1)  # a hole in the tissue
    cv2.circle(rgb, (40, 40), 4, (225, 150, 200), -1)  # a speck
    store, s = project_with(tmp_path, rgb)
    store.update(e.Image, s.image.id, mpp=4.0)  # 3.2 mm across: the 8 µm level is the image itself
    register(store, SEGMENTATION, s.product.id)
    summary = run_plugin(
        store, "Segmentation", s.image_set.id, params={"what": "tissue", "min_tissue_mm2": 0.01}, workers=1
    )
    assert summary["errors"] == []
    (tissue,) = outlines(store, s.image.id, "Tissue outline")
    (hole,) = tissue.meta_data["holes"]
    shape = Polygon(polygon_of(tissue.vector).exterior.coords, [hole])
    truth = Point(400, 400).buffer(300).difference(Point(400, 400).buffer(90))
    assert shape.is_valid and shape.intersection(truth).area / shape.union(truth).area > 0.95
    store.close()
