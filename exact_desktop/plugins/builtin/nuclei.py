"""Nuclei detection (EXACT's "inference" workflow): a box with a confidence per nucleus.

Works at about 1 µm per pixel (the slide level closest to it), tile by tile with a margin so a
nucleus on a tile border is seen whole and kept by exactly one tile (the one whose core holds
its centre). The nuclear signal is haematoxylin by colour deconvolution, or, with `model`, the
probability map of an ONNX network run through OpenCV's DNN module (input 1x3xHxW RGB in 0..1,
output 1x1xHxW in 0..1, any size). Touching nuclei are split by a seeded watershed on the
distance transform.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from exact_desktop.plugins.builtin.pixels import blobs_with_strength, haematoxylin, tiles, work_level
from exact_desktop.plugins.sdk import ImageHandle, JobContext, main
from exact_desktop.plugins.sdk.errors import PluginError

DESCRIBE: dict[str, Any] = {
    "name": "Nuclei detector",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.nuclei",
    "products": [{"name": "Nucleus", "vector_type": 1, "color_code": "#1F77B4"}],
    "parameters": [
        {"name": "threshold", "type": "float", "default": 0.45, "min": 0.05, "max": 3.0,
         "help": "haematoxylin optical density (or, with a model, probability) above which a pixel is nuclear"},
        {"name": "min_diameter_um", "type": "float", "default": 4.0, "min": 0.5, "max": 50.0,
         "help": "smaller blobs are noise"},
        {"name": "model", "type": "str", "default": "",
         "help": "an ONNX network giving a nucleus probability map (empty: the classical pipeline)"},
    ],
}  # fmt: skip
TILE = 1024
MARGIN = 32  # level pixels read around each tile: more than a nucleus is wide
WORK_MPP = 1.0
GLASS = 220  # a pixel brighter than this in every channel is glass


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    model = str(params.get("model") or "")
    threshold = float(params.get("threshold", 0.5 if model else 0.45))
    signal_of = _network(model) if model else haematoxylin
    level, ds, level_mpp = work_level(image, WORK_MPP)
    min_radius = float(params.get("min_diameter_um", 4.0)) / 2 / level_mpp
    min_area = math.pi * min_radius**2
    level_w, level_h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    plan = list(tiles(level_w, level_h, TILE, MARGIN))
    for done, tile in enumerate(plan):
        rgb = image.read_region(round(tile.x * ds), round(tile.y * ds), tile.w, tile.h, level)
        if (rgb.min(axis=2) < GLASS).any():  # all glass: nothing to find
            signal = signal_of(rgb)
            scale = 1.0 if model else 3 * threshold  # a probability is its own confidence
            for vector, score in detect(signal, threshold, min_radius, min_area, tile, ds, scale):
                context.add_annotation("Nucleus", vector, score=score)
        context.progress((done + 1) / len(plan))


def detect(
    signal: np.ndarray, threshold: float, min_radius: float, min_area: float, tile: Any, ds: float, scale: float
) -> list[tuple[dict[str, float], float]]:
    """Boxes (level-0 vectors) and scores of the nuclei this tile owns."""
    found, mean = blobs_with_strength(signal, threshold, min_radius)
    if not len(found.areas):
        return []
    keep = (
        (found.areas >= min_area)
        & (found.areas <= 400 * min_area)
        & tile.owns(found.centres[:, 0], found.centres[:, 1])
    )
    out = []
    for (x0, y0, x1, y1), value in zip(found.boxes[keep], mean[keep], strict=True):
        vector = {
            "x1": round((tile.x + x0) * ds, 1), "y1": round((tile.y + y0) * ds, 1),
            "x2": round((tile.x + x1) * ds, 1), "y2": round((tile.y + y1) * ds, 1),
        }  # fmt: skip
        out.append((vector, round(min(1.0, float(value) / scale), 3)))
    return out


def _network(path: str) -> Any:
    """The ONNX model as a function RGB tile -> probability map of the tile's size."""
    if not Path(path).is_file():
        raise PluginError(f"model {path!r}: no such file")
    try:
        net = cv2.dnn.readNetFromONNX(path)
    except cv2.error as err:
        raise PluginError(f"model {path!r} cannot be read as ONNX: {str(err).strip().splitlines()[-1]}") from None

    def run(rgb: np.ndarray) -> np.ndarray:
        net.setInput(cv2.dnn.blobFromImage(rgb, scalefactor=1 / 255.0, swapRB=False))
        return _squeeze(net.forward(), rgb)

    return run


def _squeeze(output: Any, rgb: np.ndarray) -> np.ndarray:
    probability = np.asarray(output, np.float32)
    probability = probability.reshape(probability.shape[-2:])
    if probability.shape != rgb.shape[:2]:
        probability = cv2.resize(probability, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    return probability


if __name__ == "__main__":
    main(process, DESCRIBE)
