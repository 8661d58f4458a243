"""Mitosis candidates: every dark nuclear figure, boxed, with a score, for a person to review.

A mitotic count starts from a detector with high recall: it proposes the very dark figures
(haematoxylin by colour deconvolution above a high threshold) at about 0.5 µm per pixel. Its
score is only how dark a figure is, which apoptotic bodies, dark lymphocytes and pyknotic nuclei
share with mitoses: telling them apart is left to the reviewer, and to what is learnt from them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from exact_desktop.plugins.builtin.pixels import blobs_with_strength, haematoxylin, tiles, work_level
from exact_desktop.plugins.sdk import ImageHandle, JobContext, main

DESCRIBE: dict[str, Any] = {
    "name": "Mitosis candidates",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.mitosis_candidates",
    "products": [{"name": "Mitotic figure", "vector_type": 1, "color_code": "#D62728"}],
    "parameters": [
        {"name": "threshold", "type": "float", "default": 1.75, "min": 0.1, "max": 5.0,
         "help": "haematoxylin optical density above which a pixel belongs to a dark figure"},
        {"name": "min_diameter_um", "type": "float", "default": 2.5, "min": 0.5, "max": 50.0,
         "help": "smaller dark specks are noise"},
    ],
}  # fmt: skip
TILE = 1024
MARGIN = 48  # level pixels read around each tile: more than a figure is long
WORK_MPP = 0.5
DARKEST = 3.0  # the optical density scored 1


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    threshold = float(params.get("threshold", 1.75))
    level, ds, level_mpp = work_level(image, WORK_MPP)
    min_radius = float(params.get("min_diameter_um", 2.5)) / 2 / level_mpp
    min_area = math.pi * min_radius**2
    level_w, level_h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    plan = list(tiles(level_w, level_h, TILE, MARGIN))
    for done, tile in enumerate(plan):
        rgb = image.read_region(round(tile.x * ds), round(tile.y * ds), tile.w, tile.h, level)
        signal = haematoxylin(rgb)
        if (signal > threshold).any():
            for vector, score in candidates(signal, threshold, min_radius, min_area, tile, ds):
                context.add_annotation("Mitotic figure", vector, score=score)
        context.progress((done + 1) / len(plan))


def candidates(
    signal: np.ndarray, threshold: float, min_radius: float, min_area: float, tile: Any, ds: float
) -> list[tuple[dict[str, float], float]]:
    """Boxes (level-0 vectors, a margin around the figure) and darkness scores of the figures this tile owns."""
    found, mean = blobs_with_strength(signal, threshold, min_radius)
    if not len(found.areas):
        return []
    keep = (found.areas >= min_area) & tile.owns(found.centres[:, 0], found.centres[:, 1])
    out = []
    for (x0, y0, x1, y1), value in zip(found.boxes[keep], mean[keep], strict=True):
        pad = 0.25 * max(x1 - x0, y1 - y0)
        vector = {
            "x1": round((tile.x + x0 - pad) * ds, 1), "y1": round((tile.y + y0 - pad) * ds, 1),
            "x2": round((tile.x + x1 + pad) * ds, 1), "y2": round((tile.y + y1 + pad) * ds, 1),
        }  # fmt: skip
        out.append((vector, round(min(1.0, float(value) / DARKEST), 3)))
    return out


if __name__ == "__main__":
    main(process, DESCRIBE)
