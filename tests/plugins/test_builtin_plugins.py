"""The plugins the demo registers, run through the local queue on a small demo, scored against
the ground truth written with the slide."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.project.local_run import run_plugin
from exact_desktop.store.sqlite.store import SqliteStore


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    slides = ensure_demo_slides(folder, size=(6000, 4000))
    store = SqliteStore(folder / "p.db")
    image_set = ensure_demo_project(store, slides)
    truth = json.loads(slides[0].ground_truth.read_text(encoding="utf-8"))
    yield store, image_set, truth
    store.close()


def test_demo_registers_the_built_in_plugins(demo):
    store, _, _ = demo
    assert {p.name for p in store.list(e.Plugin)} == {
        "Nuclei detector", "Segmentation", "Annotation map", "Cluster cells", "Patch classifier", "Mitosis candidates",
        "Run model", "Tissue finder (exact-sync)",
    }  # fmt: skip


def test_plain_exact_sync_plugin_outlines_the_tissue(demo):
    store, image_set, truth = demo
    summary = run_plugin(store, "Tissue finder (exact-sync)", image_set.id, workers=1)
    assert summary["errors"] == [] and all(j["status"] == "done" for j in summary["jobs"])
    main_image = store.list(e.Image, image_set=image_set.id)[0]
    found = store.list(e.PluginResultAnnotation, image=main_image.id)
    assert len(found) == len(truth["tissue"])
    drawn, true = np.zeros((400, 600), np.uint8), np.zeros((400, 600), np.uint8)
    for r in found:
        n = len(r.vector) // 2
        cv2.fillPoly(
            drawn, [np.array([(r.vector[f"x{i}"] / 10, r.vector[f"y{i}"] / 10) for i in range(1, n + 1)], np.int32)], 1
        )
    for polygon in truth["tissue"]:
        cv2.fillPoly(true, [(np.array(polygon) / 10).astype(np.int32)], 1)
    iou = (drawn & true).sum() / (drawn | true).sum()
    print(f"tissue IoU {iou:.3f}")
    assert iou > 0.9


def test_nuclei_detector_finds_the_nuclei_of_the_ground_truth(demo):
    store, image_set, truth = demo
    summary = run_plugin(store, "Nuclei detector", image_set.id, workers=2)
    assert summary["errors"] == [] and len(summary["jobs"]) == 2
    main_image = store.list(e.Image, image_set=image_set.id)[0]
    boxes = np.array([[r.vector["x1"], r.vector["y1"], r.vector["x2"], r.vector["y2"]]
                      for r in store.list(e.PluginResultAnnotation, image=main_image.id, annotation_type__in=[t.id for t in store.list(e.AnnotationType, name="Nucleus")])])  # fmt: skip
    centres = np.array([(x, y) for x, y, *_ in truth["nuclei"]])
    found = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    matched = match_one_to_one(centres, found, radius=8 / truth["mpp"])  # 8 µm
    recall, precision = matched / len(centres), matched / len(found)
    print(f"nuclei recall {recall:.3f} precision {precision:.3f} (found {len(found)}, truth {len(centres)})")
    assert recall > 0.5 and precision > 0.7, (recall, precision)


def match_one_to_one(truth: np.ndarray, found: np.ndarray, radius: float) -> int:
    """Greedy matching by distance: each true nucleus and each detection used at most once."""
    distances = np.linalg.norm(truth[:, None, :] - found[None, :, :], axis=2)
    pairs = np.argwhere(distances <= radius)
    pairs = pairs[np.argsort(distances[pairs[:, 0], pairs[:, 1]])]
    used_truth, used_found = set(), set()
    for t, f in pairs:
        if t not in used_truth and f not in used_found:
            used_truth.add(t)
            used_found.add(f)
    return len(used_truth)
