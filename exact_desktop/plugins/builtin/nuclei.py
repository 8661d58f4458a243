"""A simple nuclei detector: haematoxylin by colour deconvolution, threshold, connected components.

Works at about 1 µm per pixel (the slide level closest to it), tile by tile, skipping glass.
Each nucleus becomes a box with a score from how dark it is.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from exact_desktop.plugins.sdk import ImageHandle, JobContext, main

DESCRIBE: dict[str, Any] = {
    "name": "Nuclei detector",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.nuclei",
    "products": [{"name": "Nucleus", "vector_type": 1, "color_code": "#1F77B4"}],
    "parameters": [
        {"name": "threshold", "type": "float", "default": 0.45, "min": 0.05, "max": 3.0,
         "help": "haematoxylin optical density above which a pixel is nuclear"},
        {"name": "min_diameter_um", "type": "float", "default": 4.0, "min": 0.5, "max": 50.0,
         "help": "smaller blobs are noise"},
    ],
}  # fmt: skip
TILE = 2048
WORK_MPP = 1.0
# Ruifrok & Johnston: haematoxylin, eosin, residual; rows are optical-density colour vectors
_STAINS = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
_UNMIX = np.linalg.inv(_STAINS / np.linalg.norm(_STAINS, axis=1, keepdims=True))


def haematoxylin(rgb: np.ndarray) -> np.ndarray:
    od = -np.log((rgb.astype(np.float32) + 1) / 256)
    return (od.reshape(-1, 3) @ _UNMIX[:, 0]).reshape(rgb.shape[:2])


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    threshold = float(params.get("threshold", 0.45))
    mpp = image.mpp or 0.25
    downsamples = image.level_downsamples
    level = min(range(len(downsamples)), key=lambda i: abs(math.log(downsamples[i] * mpp / WORK_MPP)))
    ds = downsamples[level]
    min_area = math.pi * (float(params.get("min_diameter_um", 4.0)) / 2 / (mpp * ds)) ** 2
    level_w, level_h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    tiles = [(x, y) for y in range(0, level_h, TILE) for x in range(0, level_w, TILE)]
    for done, (x, y) in enumerate(tiles):
        w, h = min(TILE, level_w - x), min(TILE, level_h - y)
        rgb = image.read_region(round(x * ds), round(y * ds), w, h, level)
        if rgb.mean() < 235:  # glass has nothing to find
            _detect(rgb, x, y, ds, threshold, min_area, context)
        context.progress((done + 1) / len(tiles))


def _detect(
    rgb: np.ndarray, x0: int, y0: int, ds: float, threshold: float, min_area: float, context: JobContext
) -> None:
    h_od = haematoxylin(rgb)
    mask = (h_od > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for i in range(1, count):
        left, top, width, height, area = stats[i]
        if area < min_area or area > 400 * min_area:
            continue
        darkness = float(h_od[labels == i].mean())
        vector = {
            "x1": (x0 + left) * ds, "y1": (y0 + top) * ds,
            "x2": (x0 + left + width) * ds, "y2": (y0 + top + height) * ds,
        }  # fmt: skip
        context.add_annotation("Nucleus", vector, score=min(1.0, darkness / (3 * threshold)))


if __name__ == "__main__":
    main(process, DESCRIBE)
