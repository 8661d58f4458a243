"""The nuclei detector on generated images whose answers are known: touching nuclei split, one
detection per nucleus across tile borders, and an ONNX network (built here, no weights fetched)."""

from __future__ import annotations

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.local_run import run_plugin
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed

NUCLEI = "exact_desktop.plugins.builtin.nuclei:process"


def stained(size: tuple[int, int], centres: list[tuple[float, float]], radius: float) -> np.ndarray:
    """White glass, pink eosin where the tissue is, haematoxylin-blue discs for nuclei (RGB)."""
    h, w = size
    rgb = np.full((h, w, 3), (235, 200, 225), np.uint8)
    for x, y in centres:
        cv2.circle(rgb, (round(x), round(y)), round(radius), (70, 50, 150), -1, cv2.LINE_AA)
    return rgb


def project_with(tmp_path, rgb: np.ndarray):
    path = tmp_path / "slide.png"
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(path), width=rgb.shape[1], height=rgb.shape[0], mpp=1.0)
    store.delete(e.Image, s.other_image.id)
    register(store, NUCLEI, s.product.id)
    return store, s


def centres_found(store, image: int) -> np.ndarray:
    boxes = np.array(
        [
            [r.vector["x1"], r.vector["y1"], r.vector["x2"], r.vector["y2"]]
            for r in store.list(e.PluginResultAnnotation, image=image)
        ]
    )
    return np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])


def assert_one_each(found: np.ndarray, truth: list[tuple[float, float]], within: float) -> None:
    assert len(found) == len(truth), (len(found), len(truth))
    distances = np.linalg.norm(found[:, None, :] - np.array(truth)[None, :, :], axis=2)
    assert (distances.min(axis=0) <= within).all() and len(set(distances.argmin(axis=1))) == len(truth)


def test_touching_nuclei_are_split_and_border_nuclei_found_once(tmp_path):
    # pairs of discs 14 px apart (radius 8: they overlap), and nuclei straddling the 1024 px tile border
    truth = [(x, y) for cx, cy in ((200, 200), (600, 300), (300, 800)) for x, y in ((cx - 7, cy), (cx + 7, cy))]
    truth += [(1024, 500), (1021, 900), (1500, 1024), (1024, 1026)]
    store, s = project_with(tmp_path, stained((1400, 1800), truth, 8))
    summary = run_plugin(store, "Nuclei detector", s.image_set.id, workers=1)
    assert summary["errors"] == [] and summary["jobs"][0]["result_annotations"] == len(truth)
    assert_one_each(
        centres_found(store, s.image.id), truth, within=4
    )  # half a radius: a split box is cut at the valley
    store.close()


def darkness_network(path) -> None:
    """1x1 convolution and a sigmoid: probability ~1 where the pixel is dark, ~0 on white and pink."""
    weights = helper.make_tensor("w", TensorProto.FLOAT, [1, 3, 1, 1], [-20 / 3] * 3)
    bias = helper.make_tensor("b", TensorProto.FLOAT, [1], [20 * 0.6])
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["rgb", "w", "b"], ["logit"]),
            helper.make_node("Sigmoid", ["logit"], ["probability"]),
        ],
        "darkness",
        [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, None, None])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [1, 1, None, None])],
        initializer=[weights, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def test_an_onnx_model_gives_the_probability_map(tmp_path):
    truth = [(150 + 90 * i, 160 + 70 * (i % 3)) for i in range(8)]
    store, s = project_with(tmp_path, stained((500, 900), truth, 9))
    model = tmp_path / "darkness.onnx"
    darkness_network(model)
    summary = run_plugin(
        store, "Nuclei detector", s.image_set.id, params={"model": str(model), "threshold": 0.5}, workers=1
    )
    assert summary["errors"] == [], summary["errors"]
    assert_one_each(centres_found(store, s.image.id), truth, within=3)
    scores = [r.score for r in store.list(e.PluginResultAnnotation, image=s.image.id)]
    assert min(scores) > 0.8  # the network's own probability
    store.close()


@pytest.mark.parametrize("content", [b"", b"not an onnx file"])
def test_a_model_that_is_not_onnx_fails_the_job_with_its_name(tmp_path, content):
    store, s = project_with(tmp_path, stained((300, 300), [(150, 150)], 9))
    model = tmp_path / "broken.onnx"
    model.write_bytes(content)
    summary = run_plugin(store, "Nuclei detector", s.image_set.id, params={"model": str(model)}, workers=1)
    (failed,) = summary["errors"]
    assert "broken.onnx" in failed["error"] and "ONNX" in failed["error"]
    store.close()
