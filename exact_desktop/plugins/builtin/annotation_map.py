"""Annotation map (EXACT's "AnnotationMap" workflow): a density heatmap of chosen annotation types,
or of result entries' annotations, as one result bitmap over the whole image.

Objects are counted per cell of `cell_um` by their centre, smoothed by `smooth_um`, and given as
objects per mm², from 0 (`scale_min`) to the densest cell (`scale_max`). The image's annotations
are read from the server a page at a time (only their type and vector): the map is bounded by
the number of cells, never the number of objects.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from exact_desktop.plugins.sdk import ImageHandle, JobContext, main
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.rest.processing import RESULT_ANNOTATIONS

DESCRIBE: dict[str, Any] = {
    "name": "Annotation map",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.annotation_map",
    "products": [],
    "parameters": [
        {"name": "types", "type": "str", "default": "",
         "help": "annotation type names to count, comma-separated (empty: every type with geometry)"},
        {"name": "source", "type": "str", "default": "annotations", "choices": ["annotations", "results"],
         "help": "count the image's annotations, or plugin result annotations of those types"},
        {"name": "cell_um", "type": "float", "default": 50.0, "min": 5.0, "max": 5000.0,
         "help": "size of one map cell"},
        {"name": "smooth_um", "type": "float", "default": 100.0, "min": 0.0, "max": 10000.0,
         "help": "Gaussian smoothing of the map"},
    ],
}  # fmt: skip
MAX_CELLS = 4096  # per side: a finer cell is made coarser


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    mpp = image.mpp or 0.25
    cell = max(float(params.get("cell_um", 50.0)) / mpp, image.width / MAX_CELLS, image.height / MAX_CELLS)
    cols, rows = math.ceil(image.width / cell), math.ceil(image.height / cell)
    counts = np.zeros((rows, cols), np.float64)
    wanted = _type_ids(context, str(params.get("types", "")))
    path = RESULT_ANNOTATIONS if params.get("source") == "results" else "/api/v1/annotations/annotations/"
    seen = 0
    for row in context.connection.iterate(path, image=image.id, fields="image,annotation_type,vector,deleted"):
        if row.get("image") != image.id or row.get("deleted") or (wanted and row["annotation_type"] not in wanted):
            continue  # a server that ignored a filter still gives the right answer
        centre = _centre(row.get("vector"))
        if centre is not None:
            c, r = int(centre[0] // cell), int(centre[1] // cell)
            if 0 <= r < rows and 0 <= c < cols:
                counts[r, c] += 1
                seen += 1
        if seen % 5000 == 0:
            context.check_cancelled()
    context.progress(0.8)
    sigma = float(params.get("smooth_um", 100.0)) / mpp / cell
    density = cv2.GaussianBlur(counts, (0, 0), sigma) if sigma > 0 else counts
    density = density / (cell * mpp / 1000) ** 2  # objects per mm²
    top = float(density.max()) or 1.0
    rect = {"x": 0.0, "y": 0.0, "w": float(cols * cell), "h": float(rows * cell)}
    context.add_bitmap(density, rect, name="density", entry="density", scale_min=0.0, scale_max=round(top, 3))
    context.progress(1.0)


def _type_ids(context: JobContext, names: str) -> set[int]:
    wanted = {n.strip() for n in names.split(",") if n.strip()}
    if not wanted:
        return set()
    kinds = [k for k in context.connection.iterate("/api/v1/annotations/annotation_types/", fields="id,name")
             if k["name"] in wanted]  # fmt: skip
    missing = wanted - {k["name"] for k in kinds}
    if missing:
        raise PluginError(f"no annotation type named {', '.join(sorted(missing))} on this server")
    return {k["id"] for k in kinds}


def _centre(vector: Any) -> tuple[float, float] | None:
    if not isinstance(vector, dict):
        return None
    xs = [v for k, v in vector.items() if k.startswith("x")]
    ys = [v for k, v in vector.items() if k.startswith("y")]
    if not xs or len(xs) != len(ys):
        return None
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


if __name__ == "__main__":
    main(process, DESCRIBE)
