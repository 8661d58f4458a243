"""Patch classifier (EXACT's "PatchClassifier" workflow): learns tissue classes from the region
annotations of the image set and classifies every tile of the image.

Training tiles are those whose centre lies inside a region annotation (a polygon of one of the
`classes` types, on any image of the image set); with `other`, tissue tiles of those same
annotated images outside every region teach an "Other tissue" class. Each tile of `tile_um`
(read at about 1 µm per pixel, glass skipped) is described by its stain densities, its nuclei
(share of nuclear pixels, how many, how large) and texture, and classified by a random forest
(scikit-learn). Results: one tile box per tile, typed by its class (the region type itself), the
class probability as score; and a class map bitmap (RGB, the class colours) over the image.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from sklearn.ensemble import RandomForestClassifier

from exact_desktop.plugins.builtin.pixels import haematoxylin, work_level
from exact_desktop.plugins.sdk import ImageHandle, JobContext, main
from exact_desktop.plugins.sdk.errors import PluginError

OTHER = "Other tissue"
DESCRIBE: dict[str, Any] = {
    "name": "Patch classifier",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.patch_classifier",
    "products": [{"name": OTHER, "vector_type": 5, "color_code": "#BCBD22"}],
    "parameters": [
        {"name": "classes", "type": "str", "default": "Tumor region,Stroma region",
         "help": "region annotation types to learn, comma-separated"},
        {"name": "tile_um", "type": "float", "default": 64.0, "min": 8.0, "max": 2000.0, "help": "tile size"},
        {"name": "other", "type": "bool", "default": True,
         "help": "learn an 'Other tissue' class from annotated images' tissue outside every region"},
        {"name": "max_training_tiles", "type": "int", "default": 3000, "min": 50, "max": 100000,
         "help": "per class, drawn at random"},
    ],
}  # fmt: skip
WORK_MPP = 1.0
GLASS = 220
BAND_TILES = 32  # tiles read at once, per side


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    class_types = _class_types(context, str(params.get("classes", "")))
    regions = _regions(context, image, class_types)
    if not regions:
        raise PluginError("no region annotations of the chosen classes in this image set to learn from")
    features_x, labels = _training_set(context, regions, params)
    names = sorted(set(labels))
    if len(names) < 2:
        raise PluginError(f"only one class to learn from ({names[0]}): annotate regions of at least two")
    model = RandomForestClassifier(n_estimators=150, min_samples_leaf=2, random_state=0, n_jobs=1)
    model.fit(features_x, labels)
    context.progress(0.3)
    tile_px, _level, ds, grid, boxes = _tile_features(image, float(params.get("tile_um", 64.0)), context, 0.3, 0.9)
    colours = {t["name"]: t["color_code"] for t in class_types.values()} | {OTHER: "#BCBD22"}
    ids = {t["name"]: t["id"] for t in class_types.values()}
    class_map = np.full((*grid.shape[:2], 3), 255, np.uint8)
    if len(boxes):
        probabilities = model.predict_proba(np.array([b[2] for b in boxes]))
        for (row, col, _f), p in zip(boxes, probabilities, strict=True):
            name = model.classes_[int(np.argmax(p))]
            x0, y0 = col * tile_px * ds, row * tile_px * ds
            x1, y1 = min(image.width, x0 + tile_px * ds), min(image.height, y0 + tile_px * ds)
            vector = {"x1": x0, "y1": y0, "x2": x1, "y2": y0, "x3": x1, "y3": y1, "x4": x0, "y4": y1}
            meta = {
                "class": name,
                "probabilities": dict(zip(model.classes_.tolist(), np.round(p, 3).tolist(), strict=True)),
            }
            context.add_annotation(
                ids.get(name, OTHER), vector, score=round(float(p.max()), 3), entry="tiles", meta_data=meta
            )
            class_map[row, col] = _rgb(colours.get(name, "#7F7F7F"))
    rect = {"x": 0.0, "y": 0.0, "w": float(grid.shape[1] * tile_px * ds), "h": float(grid.shape[0] * tile_px * ds)}
    context.add_bitmap(class_map, rect, name="class map", entry="class map")
    context.progress(1.0)


def _rgb(code: str) -> tuple[int, int, int]:
    code = code.lstrip("#")
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def _class_types(context: JobContext, names: str) -> dict[int, dict[str, Any]]:
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    listed = context.connection.iterate(
        "/api/v1/annotations/annotation_types/", fields="id,name,color_code,vector_type"
    )
    found = {k["id"]: k for k in listed if k["name"] in wanted and k["vector_type"] == 5}
    missing = set(wanted) - {k["name"] for k in found.values()}
    if missing:
        raise PluginError(f"no polygon annotation type named {', '.join(sorted(missing))} on this server")
    return found


def _regions(
    context: JobContext, image: ImageHandle, types: dict[int, dict[str, Any]]
) -> dict[int, list[tuple[str, np.ndarray]]]:
    """Per image of the image set: its region polygons as (class name, level-0 nodes)."""
    image_set = context.connection.get(f"/api/v1/images/images/{image.id}/", fields="id,image_set")["image_set"]
    listed = context.connection.iterate("/api/v1/images/images/", image_set=image_set, fields="id,image_set")
    images = [i["id"] for i in listed if i["image_set"] == image_set]
    found: dict[int, list[tuple[str, np.ndarray]]] = {}
    for image_id in images:
        for row in context.connection.iterate("/api/v1/annotations/annotations/", image=image_id,
                                              fields="image,annotation_type,vector,deleted"):  # fmt: skip
            if row.get("image") != image_id or row.get("deleted") or row["annotation_type"] not in types:
                continue
            vector = row["vector"]
            n = sum(1 for key in vector if key.startswith("x"))
            nodes = np.array([(vector[f"x{i}"], vector[f"y{i}"]) for i in range(1, n + 1)], np.float64)
            found.setdefault(image_id, []).append((types[row["annotation_type"]]["name"], nodes))
    return found


def _training_set(
    context: JobContext, regions: dict[int, list[tuple[str, np.ndarray]]], params: dict[str, Any]
) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    limit = int(params.get("max_training_tiles", 3000))
    per_class: dict[str, list[np.ndarray]] = {}
    for image_id, polygons in regions.items():
        record = context.connection.get(f"/api/v1/images/images/{image_id}/")
        handle = ImageHandle(context.connection, record)
        try:
            tile_px, _level, ds, _grid, boxes = _tile_features(handle, float(params.get("tile_um", 64.0)), None, 0, 0)
        finally:
            handle.close()
        for row, col, features in boxes:
            cx, cy = (col + 0.5) * tile_px * ds, (row + 0.5) * tile_px * ds
            name = next(
                (n for n, p in polygons if cv2.pointPolygonTest(p.astype(np.float32), (cx, cy), False) > 0), None
            )
            if name is None and params.get("other", True):
                name = OTHER
            if name is not None:
                per_class.setdefault(name, []).append(features)
    xs, ys = [], []
    for name, rows in per_class.items():
        chosen = rng.permutation(len(rows))[:limit]
        xs.extend(rows[i] for i in chosen)
        ys.extend([name] * len(chosen))
    return np.array(xs), ys


def _tile_features(
    image: Any, tile_um: float, context: JobContext | None, start: float, end: float
) -> tuple[int, int, float, np.ndarray, list[tuple[int, int, np.ndarray]]]:
    """(tile px at the level, level, downsample, tissue grid, [(row, col, features)] of tissue tiles)."""
    level, ds, level_mpp = work_level(image, WORK_MPP)
    tile_px = max(4, round(tile_um / level_mpp))
    cols, rows = math.ceil(image.width / ds / tile_px), math.ceil(image.height / ds / tile_px)
    grid = np.zeros((rows, cols), bool)
    found = []
    bands = [(r, c) for r in range(0, rows, BAND_TILES) for c in range(0, cols, BAND_TILES)]
    for done, (r0, c0) in enumerate(bands):
        nr, nc = min(BAND_TILES, rows - r0), min(BAND_TILES, cols - c0)
        width = min(nc * tile_px, math.ceil(image.width / ds) - c0 * tile_px)
        height = min(nr * tile_px, math.ceil(image.height / ds) - r0 * tile_px)
        rgb = image.read_region(round(c0 * tile_px * ds), round(r0 * tile_px * ds), width, height, level)
        h_od = haematoxylin(rgb)
        od = -np.log((rgb.astype(np.float32) + 1) / 256)
        tissue = rgb.min(axis=2) < GLASS
        for r in range(nr):
            for c in range(nc):
                ys, xs = slice(r * tile_px, (r + 1) * tile_px), slice(c * tile_px, (c + 1) * tile_px)
                if tissue[ys, xs].mean() < 0.5:
                    continue
                grid[r0 + r, c0 + c] = True
                found.append((r0 + r, c0 + c, tile_features(rgb[ys, xs], h_od[ys, xs], od[ys, xs], level_mpp)))
        if context is not None:
            context.progress(start + (end - start) * (done + 1) / len(bands))
    return tile_px, level, ds, grid, found


def tile_features(rgb: np.ndarray, h_od: np.ndarray, od: np.ndarray, mpp: float) -> np.ndarray:
    nuclear = (h_od > 0.45).astype(np.uint8)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(nuclear, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA] * mpp**2 if count > 1 else np.zeros(1)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gradient = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    pixels_mm2 = h_od.size * mpp**2 / 1e6
    return np.array([
        h_od.mean(), h_od.std(), *od.reshape(-1, 3).mean(axis=0), *od.reshape(-1, 3).std(axis=0),
        nuclear.mean(), (count - 1) / pixels_mm2, float(np.median(areas)), float(gradient.mean()),
    ])  # fmt: skip


if __name__ == "__main__":
    main(process, DESCRIBE)
