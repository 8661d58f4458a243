"""Run model: an ONNX model with its card (learnt_model/card.py) over an image, the way its
card says, through the ordinary plugin system (locally, through Celery, or `plugin work` on an
EXACT server, unchanged). onnxruntime runs it; the card is checked first and a model whose
inputs or outputs do not match its card is refused naming both.

- candidates: rescores the image's objects of the card's candidate types (plugin results, or
  annotations) from features of their pixels, the way the review learnt them; each object the
  model keeps is a result of the class it gives, scored by its probability.
- patches: tiles of the input's size at the card's scale, 1x3xHxW RGB in 0..1, each given the
  class of highest probability (a tile polygon per class that names a type).
- segmentation: a probability map per class (1xCxHxW) over tiles of the image, thresholded and
  traced into polygons (each kept by the tile that owns its centre).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from shapely.affinity import translate

from exact_desktop.learnt_model.card import CardError, Model
from exact_desktop.learnt_model.features import FEATURES, candidate_features
from exact_desktop.plugins.builtin.pixels import tiles, work_level
from exact_desktop.plugins.builtin.segmentation import outlines, polygon_vector
from exact_desktop.plugins.sdk import ImageHandle, JobContext, main
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.rest.processing import RESULT_ANNOTATIONS
from exact_desktop.slides.tissue import GLASS

DESCRIBE: dict[str, Any] = {
    "name": "Run model",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.run_model",
    "products": [],
    "parameters": [
        {"name": "model", "type": "str", "default": "", "file": "ONNX models (*.onnx)",
         "help": "an ONNX model file with its card (model.card.json) beside it"},
        {"name": "threshold", "type": "float", "default": 0.5, "min": 0.0, "max": 1.0,
         "help": "least probability of a class for a result"},
        {"name": "source", "type": "str", "default": "results", "choices": ["results", "annotations"],
         "help": "candidates models: rescore the image's plugin results, or its annotations"},
        {"name": "min_area_um2", "type": "float", "default": 10.0, "min": 0.0, "max": 1e6,
         "help": "segmentation models: smaller pieces are dropped"},
    ],
}  # fmt: skip
SEGMENT_TILE = 512  # level pixels, when the model takes any size
SEGMENT_MARGIN = 32
CHUNK = 4096  # candidates scored at once


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    path = str(params.get("model") or "")
    if not path:
        raise PluginError("no model given: set the model parameter to an ONNX file with its card beside it")
    try:
        model = Model(Path(path))
    except CardError as err:
        raise PluginError(str(err)) from None
    types = _types(context)
    missing = [name for name in (*model.card.type_names, *model.card.candidate_types) if name not in types]
    if missing:
        raise PluginError(f"card of {model.path.name}: class {missing[0]!r} names no annotation type on this server")
    threshold = float(params.get("threshold", 0.5))
    try:
        {"candidates": _candidates, "patches": _patches, "segmentation": _segmentation}[model.card.kind](
            image, model, types, threshold, params, context
        )
    except CardError as err:  # the model's output is not what its card says
        raise PluginError(str(err)) from None
    context.progress(1.0)


def _types(context: JobContext) -> dict[str, tuple[int, int]]:
    """Annotation type name -> (id, vector_type): the lowest id of a name wins."""
    found: dict[str, tuple[int, int]] = {}
    listed = context.connection.iterate("/api/v1/annotations/annotation_types/", fields="id,name,vector_type")
    for kind in sorted(listed, key=lambda k: k["id"]):
        found.setdefault(kind["name"], (kind["id"], kind["vector_type"]))
    return found


class _HandleSlide:
    """An ImageHandle seen as the SlideSource the review's features read (local file or server patches)."""

    def __init__(self, image: ImageHandle) -> None:
        self.image = image
        self.level_downsamples = image.level_downsamples

    def get_best_level_for_downsample(self, downsample: float) -> int:
        fitting = [i for i, d in enumerate(self.level_downsamples) if d <= downsample * 1.0001]
        return max(fitting) if fitting else 0

    def read_region(self, location: tuple[int, int], level: int, size: tuple[int, int]) -> np.ndarray:
        return self.image.read_region(location[0], location[1], size[0], size[1], level)


def _candidates(
    image: ImageHandle, model: Model, types: dict[str, tuple[int, int]], threshold: float,
    params: dict[str, Any], context: JobContext,
) -> None:  # fmt: skip
    card = model.card
    if card.features != FEATURES:
        raise PluginError(
            f"card of {model.path.name}: features {', '.join(card.features)} are not the ones this version computes"
        )
    wanted = {types[name][0] for name in card.candidate_types}
    path = RESULT_ANNOTATIONS if params.get("source", "results") == "results" else "/api/v1/annotations/annotations/"
    listed = context.connection.iterate(path, image=image.id, fields="image,annotation_type,vector,score,deleted")
    rows = [
        row
        for row in listed
        if row.get("image") == image.id
        and not row.get("deleted")
        and row["annotation_type"] in wanted
        and _box(row.get("vector")) is not None
    ]  # fmt: skip; a server that ignored a filter still gives the right answer
    slide = _HandleSlide(image)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        boxes = np.array([_box(r["vector"]) for r in chunk], np.float64)
        scores = np.array([float(r.get("score", 1.0) if r.get("score") is not None else 1.0) for r in chunk])
        features = candidate_features(slide, boxes, scores, image.mpp or None)  # type: ignore[arg-type]
        probabilities = model.run(features.astype(np.float32), (len(chunk), len(card.classes)))
        for row, p in zip(chunk, probabilities, strict=True):
            best = int(np.argmax(p))
            name = card.classes[best] if best < len(card.classes) else None
            if name and p[best] >= threshold:
                context.add_annotation(types[name][0], row["vector"], score=round(float(p[best]), 4), entry="model")
        context.progress((start + len(chunk)) / max(1, len(rows)))


def _box(vector: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(vector, dict):
        return None
    xs = [float(v) for k, v in vector.items() if k.startswith("x")]
    ys = [float(v) for k, v in vector.items() if k.startswith("y")]
    if not xs or len(xs) != len(ys):
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _patches(
    image: ImageHandle, model: Model, types: dict[str, tuple[int, int]], threshold: float,
    params: dict[str, Any], context: JobContext,
) -> None:  # fmt: skip
    card = model.card
    _, _, height, width = card.input.shape
    if height is None or width is None:
        raise PluginError(f"card of {model.path.name}: a patches model needs a fixed input size, not any")
    level, ds, _mpp = work_level(image, card.scale_um_per_px)
    level_w, level_h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    plan = [(x, y) for y in range(0, level_h, height) for x in range(0, level_w, width)]
    for done, (x, y) in enumerate(plan):
        rgb = image.read_region(round(x * ds), round(y * ds), width, height, level)
        if (rgb.min(axis=2) < GLASS).mean() >= 0.5:  # at least half tissue
            p = model.run(_blob(rgb), (len(card.classes),))
            best = int(np.argmax(p))
            name = card.classes[best] if best < len(card.classes) else None
            if name and p[best] >= threshold:
                x0, y0 = x * ds, y * ds
                x1, y1 = min(image.width, x0 + width * ds), min(image.height, y0 + height * ds)
                type_id, vector_type = types[name]
                vector = (
                    {"x1": x0, "y1": y0, "x2": x1, "y2": y1}
                    if vector_type == 1
                    else {"x1": x0, "y1": y0, "x2": x1, "y2": y0, "x3": x1, "y3": y1, "x4": x0, "y4": y1}
                )
                meta = {
                    "class": name,
                    "probabilities": {str(c): round(float(v), 3) for c, v in zip(card.classes, p, strict=False)},
                }
                context.add_annotation(type_id, vector, score=round(float(p[best]), 4), entry="patches", meta_data=meta)
        context.progress((done + 1) / len(plan))


def _segmentation(
    image: ImageHandle, model: Model, types: dict[str, tuple[int, int]], threshold: float,
    params: dict[str, Any], context: JobContext,
) -> None:  # fmt: skip
    card = model.card
    _, _, fixed_h, fixed_w = card.input.shape
    size = (fixed_h or SEGMENT_TILE) - (2 * SEGMENT_MARGIN if fixed_h else 0)
    if fixed_h != fixed_w or size <= 0:
        raise PluginError(
            f"card of {model.path.name}: a segmentation model's input must be square, over {2 * SEGMENT_MARGIN} px"
        )
    level, ds, level_mpp = work_level(image, card.scale_um_per_px)
    min_area = float(params.get("min_area_um2", 10.0)) / level_mpp**2
    level_w, level_h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    plan = list(tiles(level_w, level_h, size, SEGMENT_MARGIN))
    for done, tile in enumerate(plan):
        w, h = (fixed_w, fixed_h) if fixed_h else (tile.w, tile.h)
        rgb = image.read_region(round(tile.x * ds), round(tile.y * ds), w, h, level)
        if (rgb.min(axis=2) < GLASS).any():
            maps = model.run(_blob(rgb), (None, h, w))
            for channel, name in enumerate(card.classes[: len(maps)]):
                if not name:
                    continue
                for polygon in outlines((maps[channel] >= threshold).astype(np.uint8), min_area, 0.5):
                    centre = polygon.representative_point()
                    if not tile.owns(np.array([centre.x]), np.array([centre.y]))[0]:
                        continue
                    vector, meta = polygon_vector(translate(polygon, tile.x, tile.y), ds)
                    score = _mean_inside(maps[channel], polygon)
                    context.add_annotation(types[name][0], vector, score=score, entry="segmentation", meta_data=meta)
        context.progress((done + 1) / len(plan))


def _mean_inside(values: np.ndarray, polygon: Any) -> float:
    """The map's mean over a polygon's pixels: how sure the model is of the piece."""
    mask = np.zeros(values.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon.exterior.coords) - 0.5).astype(np.int32)], 1)
    inside = values[mask > 0]
    return round(float(inside.mean()), 4) if inside.size else 1.0


def _blob(rgb: np.ndarray) -> np.ndarray:
    """1x3xHxW float32 RGB in 0..1."""
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None].astype(np.float32) / 255)


if __name__ == "__main__":
    main(process, DESCRIBE)
