"""Run model with a user's own networks (built here with onnx helpers, no weights fetched): a
segmentation network's probability map becomes polygons where the map says, a patch classifier
types tissue tiles; and a model or card that does not fit is refused with one line naming both."""

from __future__ import annotations

import json

import cv2
import onnx
import pytest
from onnx import TensorProto, helper
from shapely.geometry import Point, Polygon

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.local_run import run_plugin
from tests.plugins.test_nuclei_known_answers import project_with, stained

RUN_MODEL = "exact_desktop.plugins.builtin.run_model:process"


def darkness_nodes(output: str) -> list:
    """1x1 convolution and a sigmoid: ~1 where the pixel is dark (a nucleus), ~0 on white and pink."""
    return [
        helper.make_node("Conv", ["rgb", "w", "b"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], [output]),
    ]


def darkness_weights() -> list:
    return [
        helper.make_tensor("w", TensorProto.FLOAT, [1, 3, 1, 1], [-20 / 3] * 3),
        helper.make_tensor("b", TensorProto.FLOAT, [1], [20 * 0.6]),
    ]


def save(graph, path, card: dict) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    path.with_suffix(".card.json").write_text(json.dumps(card), encoding="utf-8")


def segmentation_network(path, input_shape=(1, 3, None, None)) -> None:
    graph = helper.make_graph(
        darkness_nodes("map"), "segment",
        [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info("map", TensorProto.FLOAT, [1, 1, None, None])],
        initializer=darkness_weights(),
    )  # fmt: skip
    save(graph, path, {
        "kind": "segmentation", "classes": ["Tissue"], "scale_um_per_px": 1.0,
        "input": {"name": "rgb", "shape": [1, 3, None, None]}, "output": {"name": "map", "shape": [1, 1, None, None]},
    })  # fmt: skip


def patch_network(path, side: int) -> None:
    """Mean darkness of the tile: p(dark), 1 - p(dark) over classes [Tissue, none]."""
    nodes = [
        *darkness_nodes("dark"),
        helper.make_node("GlobalAveragePool", ["dark"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["p"]),
        helper.make_node("Sub", ["one", "p"], ["q"]),
        helper.make_node("Concat", ["p", "q"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "patches", [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 2])],
        initializer=[*darkness_weights(), helper.make_tensor("one", TensorProto.FLOAT, [1, 1], [1.0])],
    )  # fmt: skip
    save(graph, path, {
        "kind": "patches", "classes": ["Tissue", None], "scale_um_per_px": 1.0,
        "input": {"name": "rgb", "shape": [1, 3, side, side]}, "output": {"name": "probabilities", "shape": [1, 2]},
    })  # fmt: skip


def results(store, image: int) -> list[e.PluginResultAnnotation]:
    return store.list(e.PluginResultAnnotation, image=image)


def ring(vector: dict) -> Polygon:
    n = sum(1 for k in vector if k.startswith("x"))
    return Polygon([(vector[f"x{i}"], vector[f"y{i}"]) for i in range(1, n + 1)])


def test_a_users_segmentation_network_gives_polygons_where_its_map_says(tmp_path):
    # dark discs (one across the 512 px tile border) and a dark square: the map is ~1 there only
    discs = [(120, 130, 14), (300, 420, 20), (515, 200, 16), (700, 560, 12)]
    rgb = stained((700, 900), [], 0)
    for x, y, r in discs:
        cv2.circle(rgb, (x, y), r, (40, 30, 60), -1)
    cv2.rectangle(rgb, (760, 60), (840, 140), (40, 30, 60), -1)
    store, s = project_with(tmp_path, rgb)
    register(store, RUN_MODEL, s.product.id)
    model = tmp_path / "segment.onnx"
    segmentation_network(model)
    summary = run_plugin(store, "Run model", s.image_set.id, params={"model": str(model)}, workers=1)
    assert summary["errors"] == [], summary["errors"]
    found = [ring(r.vector) for r in results(store, s.image.id)]
    assert len(found) == len(discs) + 1  # the disc across the tile border found once
    shapes = [Point(x, y).buffer(r) for x, y, r in discs] + [Polygon([(760, 60), (841, 60), (841, 141), (760, 141)])]
    for shape in shapes:
        (match,) = [p for p in found if p.intersects(shape)]
        assert match.intersection(shape).area / match.union(shape).area > 0.85
    tissue = store.list(e.AnnotationType, name="Tissue")[0].id
    assert {r.annotation_type for r in results(store, s.image.id)} == {tissue}
    assert min(r.score for r in results(store, s.image.id)) > 0.9
    store.close()


def test_a_users_patch_classifier_types_the_dark_tiles(tmp_path):
    rgb = stained((256, 256), [], 0)
    rgb[:128, 128:] = (40, 30, 60)  # the top right tile is dark
    store, s = project_with(tmp_path, rgb)
    register(store, RUN_MODEL, s.product.id)
    model = tmp_path / "patches.onnx"
    patch_network(model, 128)
    summary = run_plugin(store, "Run model", s.image_set.id, params={"model": str(model)}, workers=1)
    assert summary["errors"] == [], summary["errors"]
    (tile,) = results(store, s.image.id)
    assert ring(tile.vector).bounds == (128, 0, 256, 128) and tile.meta_data["class"] == "Tissue"
    store.close()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda m: m.with_suffix(".card.json").unlink(), "no card beside it (expected segment.card.json)"),
        (lambda m: m.with_suffix(".card.json").write_text("{kind: segm", encoding="utf-8"), "card segment.card.json is not JSON"),
        (lambda m: m.write_bytes(b"not an onnx file"), "model segment.onnx cannot be read as ONNX"),
        (lambda m: edit_card(m, input={"name": "pixels", "shape": [1, 3, None, None]}),
         "model segment.onnx has inputs rgb [1, 3, ?, ?], but its card says pixels [1, 3, ?, ?]"),
        (lambda m: segmentation_network(m, input_shape=(1, 3, 64, 64)),
         "model segment.onnx has input rgb [1, 3, 64, 64], but its card says [1, 3, ?, ?]"),
        (lambda m: edit_card(m, classes=["Stroma"]), "class 'Stroma' names no annotation type on this server"),
        (lambda m: edit_card(m, scale_um_per_px=None), "field 'scale_um_per_px' is missing"),
        (lambda m: edit_card(m, kind="magic"), "kind 'magic' is none of candidates, patches, segmentation"),
        (lambda m: edit_card(m, metrics=[1, 2, 3]), "metrics must be an object of names and numbers"),
    ],
)  # fmt: skip
def test_a_model_or_card_that_does_not_fit_fails_the_job_with_one_line(tmp_path, spoil, message):
    store, s = project_with(tmp_path, stained((200, 200), [(100, 100)], 9))
    register(store, RUN_MODEL, s.product.id)
    model = tmp_path / "segment.onnx"
    segmentation_network(model)
    spoil(model)
    summary = run_plugin(store, "Run model", s.image_set.id, params={"model": str(model)}, workers=1)
    (failed,) = summary["errors"]
    assert message in failed["error"] and "\n" not in failed["error"].strip()
    assert results(store, s.image.id) == []
    store.close()


def edit_card(model, **fields) -> None:
    path = model.with_suffix(".card.json")
    card = json.loads(path.read_text(encoding="utf-8"))
    for key, value in fields.items():
        if value is None:
            del card[key]
        else:
            card[key] = value
    path.write_text(json.dumps(card), encoding="utf-8")


def strided_segmentation_network(path) -> None:
    """A map of half the input's size: the card says the map is the input's size."""
    nodes = [
        *darkness_nodes("full"),
        helper.make_node("MaxPool", ["full"], ["map"], kernel_shape=[2, 2], strides=[2, 2]),
    ]
    graph = helper.make_graph(
        nodes, "segment", [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, None, None])],
        [helper.make_tensor_value_info("map", TensorProto.FLOAT, [1, 1, None, None])], initializer=darkness_weights(),
    )  # fmt: skip
    save(graph, path, {
        "kind": "segmentation", "classes": ["Tissue"], "scale_um_per_px": 1.0,
        "input": {"name": "rgb", "shape": [1, 3, None, None]}, "output": {"name": "map", "shape": [1, 1, None, None]},
    })  # fmt: skip


def infinite_patch_network(path) -> None:
    """The tile's mean colour over zero: probabilities of inf."""
    nodes = [
        helper.make_node("GlobalAveragePool", ["rgb"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["mean"]),
        helper.make_node("MatMul", ["mean", "w"], ["p"]),
        helper.make_node("Div", ["p", "zero"], ["probabilities"]),
    ]
    graph = helper.make_graph(
        nodes, "patches", [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, 128, 128])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 2])],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, [3, 2], [1.0] * 6),
                     helper.make_tensor("zero", TensorProto.FLOAT, [1, 2], [0.0, 0.0])],
    )  # fmt: skip
    save(graph, path, {
        "kind": "patches", "classes": ["Tissue", None], "scale_um_per_px": 1.0,
        "input": {"name": "rgb", "shape": [1, 3, 128, 128]}, "output": {"name": "probabilities", "shape": [1, 2]},
    })  # fmt: skip


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (strided_segmentation_network,
         "model model.onnx gave output of shape [1, 1, 128, 128] for input [1, 3, 256, 256], not [?, 256, 256]"),
        (infinite_patch_network, "model model.onnx gave non-finite probabilities (inf or NaN) for input [1, 3, 128, 128]"),
    ],
)  # fmt: skip
def test_a_model_whose_output_is_not_what_its_card_says_fails_the_job_with_one_line(tmp_path, build, message):
    rgb = stained((256, 256), [], 0)
    rgb[:, :] = (40, 30, 60)  # all dark: every tile is tissue
    store, s = project_with(tmp_path, rgb)
    register(store, RUN_MODEL, s.product.id)
    model = tmp_path / "model.onnx"
    build(model)
    summary = run_plugin(store, "Run model", s.image_set.id, params={"model": str(model)}, workers=1)
    (failed,) = summary["errors"]
    assert message in failed["error"] and "\n" not in failed["error"].strip()
    assert results(store, s.image.id) == []
    store.close()
