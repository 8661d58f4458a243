"""Segmentation (EXACT's "Segmentation" workflow): nuclei outlines and tissue outlines as polygons.

Nuclei: the detector's split nuclei (watershed labels at about 0.5 µm per pixel, tile by tile
with a margin; each nucleus kept by the tile owning its centre), each traced, simplified to
`tolerance_um` and kept only as a valid polygon (shapely). Tissue: the lowest level with at least
8 µm per pixel, thresholded on how far from glass a pixel is, small holes filled, small pieces
dropped, holes in the tissue kept in `meta_data["holes"]`.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from shapely.geometry import Polygon

from exact_desktop.plugins.builtin.pixels import Tile, blobs, haematoxylin, split_nuclei, tiles, work_level
from exact_desktop.plugins.sdk import ImageHandle, JobContext, main
from exact_desktop.slides.tissue import GLASS, tissue_mask

DESCRIBE: dict[str, Any] = {
    "name": "Segmentation",
    "author": "exact-desktop",
    "package": "exact_desktop.plugins.builtin.segmentation",
    "products": [
        {"name": "Nucleus outline", "vector_type": 5, "color_code": "#17BECF"},
        {"name": "Tissue outline", "vector_type": 5, "color_code": "#2CA02C"},
    ],
    "parameters": [
        {"name": "threshold", "type": "float", "default": 0.45, "min": 0.05, "max": 3.0,
         "help": "haematoxylin optical density above which a pixel is nuclear"},
        {"name": "tolerance_um", "type": "float", "default": 0.3, "min": 0.0, "max": 20.0,
         "help": "outlines are simplified to this distance"},
        {"name": "min_diameter_um", "type": "float", "default": 4.0, "min": 0.5, "max": 50.0,
         "help": "smaller nuclei are noise"},
        {"name": "min_tissue_mm2", "type": "float", "default": 0.05, "min": 0.0, "max": 100.0,
         "help": "smaller tissue pieces are dropped"},
        {"name": "what", "type": "str", "default": "both", "choices": ["both", "nuclei", "tissue"],
         "help": "which outlines to make"},
    ],
}  # fmt: skip
TILE = 1024
MARGIN = 48
NUCLEI_MPP = 1.0  # where the detector finds nuclei reliably; outlines are traced at twice that
UPSAMPLE = 2
CONTRAST = 0.7  # of the threshold: how far above the local background a nucleus stands
EDGE = 0.7  # of the way from the background up to the nucleus's peak: where its edge is drawn

TISSUE_MPP = 8.0


def process(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    what = str(params.get("what", "both"))
    if what in ("both", "tissue"):
        _tissue(image, params, context)
    if what in ("both", "nuclei"):
        _nuclei(image, params, context)
    context.progress(1.0)


def _tissue(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    level, ds, level_mpp = work_level(image, TISSUE_MPP)
    w, h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    rgb = image.read_region(0, 0, w, h, level)  # the whole of a low level: a few megapixels at most
    mask = tissue_mask(rgb)
    min_area = float(params.get("min_tissue_mm2", 0.05)) * 1e6 / level_mpp**2
    tolerance = max(0.5, float(params.get("tolerance_um", 0.3)) / level_mpp)
    for polygon in outlines(mask, min_area, tolerance):
        vector, meta = polygon_vector(polygon, ds)
        context.add_annotation("Tissue outline", vector, score=1.0, entry="tissue", meta_data=meta)


def outlines(mask: np.ndarray, min_area: float, tolerance: float) -> list[Polygon]:
    """Valid polygons (with holes) of the mask's pieces, simplified; pieces under `min_area` dropped."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    found = []
    for i, contour in enumerate(contours):
        if hierarchy[0][i][3] != -1 or cv2.contourArea(contour) < min_area:
            continue  # a hole (handled with its outer ring) or a speck
        holes = []
        child = hierarchy[0][i][2]
        while child != -1:
            if cv2.contourArea(contours[child]) >= min_area / 50 and len(contours[child]) >= 3:
                holes.append(contours[child][:, 0, :] + 0.5)
            child = hierarchy[0][child][0]
        polygon = _valid(Polygon(contour[:, 0, :] + 0.5, holes), tolerance)
        if polygon is not None:
            found.append(polygon)
    return found


def _valid(polygon: Polygon, tolerance: float) -> Polygon | None:
    if tolerance > 0:
        polygon = polygon.simplify(tolerance, preserve_topology=True)
    if not polygon.is_valid:
        polygon = polygon.buffer(0)  # repairs a self-touching ring into a valid (multi)polygon
        if polygon.geom_type == "MultiPolygon":
            polygon = max(polygon.geoms, key=lambda p: p.area)
    if polygon.is_empty or polygon.geom_type != "Polygon" or len(polygon.exterior.coords) < 4:
        return None
    return polygon


def polygon_vector(polygon: Polygon, ds: float) -> tuple[dict[str, float], dict[str, Any] | None]:
    ring = np.asarray(polygon.exterior.coords)[:-1] * ds
    vector: dict[str, float] = {}
    for i, (x, y) in enumerate(np.round(ring, 1).tolist(), start=1):
        vector[f"x{i}"], vector[f"y{i}"] = x, y
    holes = [np.round(np.asarray(h.coords)[:-1] * ds, 1).tolist() for h in polygon.interiors]
    return vector, ({"holes": holes} if holes else None)


def _nuclei(image: ImageHandle, params: dict[str, Any], context: JobContext) -> None:
    threshold = float(params.get("threshold", 0.45))
    level, ds, level_mpp = work_level(image, NUCLEI_MPP)
    fine_mpp = level_mpp / UPSAMPLE
    min_radius = float(params.get("min_diameter_um", 4.0)) / 2 / fine_mpp
    min_area = math.pi * min_radius**2
    tolerance = float(params.get("tolerance_um", 0.3)) / fine_mpp
    level_w, level_h = math.ceil(image.width / ds), math.ceil(image.height / ds)
    plan = list(tiles(level_w, level_h, TILE, MARGIN))
    for done, tile in enumerate(plan):
        rgb = image.read_region(round(tile.x * ds), round(tile.y * ds), tile.w, tile.h, level)
        if (rgb.min(axis=2) < GLASS).any():
            fine = _fine_signal(image, rgb, tile, level, ds)
            scaled = Tile(*(UPSAMPLE * v for v in (tile.x, tile.y, tile.w, tile.h, tile.core_x0, tile.core_y0,
                                                   tile.core_x1, tile.core_y1)))  # fmt: skip
            for polygon, score in nucleus_outlines(fine, threshold, min_radius, min_area, tolerance, scaled):
                vector = {}
                ring = np.add(np.asarray(polygon.exterior.coords)[:-1], (scaled.x, scaled.y)) * (ds / UPSAMPLE)
                for i, (x, y) in enumerate(np.round(ring, 1).tolist(), start=1):
                    vector[f"x{i}"], vector[f"y{i}"] = x, y
                context.add_annotation("Nucleus outline", vector, score=score, entry="nuclei")
        context.progress(0.05 + 0.95 * (done + 1) / len(plan))


def _fine_signal(image: ImageHandle, rgb: np.ndarray, tile: Any, level: int, ds: float) -> np.ndarray:
    """Haematoxylin at UPSAMPLE times the work level's resolution: from a finer level's own pixels
    when the slide has one (sharper edges), else the work level interpolated."""
    finer = [i for i, d in enumerate(image.level_downsamples) if d <= ds / UPSAMPLE + 1e-9]
    if not finer:
        return cv2.resize(haematoxylin(rgb), None, fx=UPSAMPLE, fy=UPSAMPLE, interpolation=cv2.INTER_LINEAR)
    source = max(finer, key=lambda i: image.level_downsamples[i])
    factor = ds / image.level_downsamples[source]
    width, height = round(tile.w * factor), round(tile.h * factor)
    pixels = image.read_region(round(tile.x * ds), round(tile.y * ds), width, height, source)
    return haematoxylin(cv2.resize(pixels, (tile.w * UPSAMPLE, tile.h * UPSAMPLE), interpolation=cv2.INTER_AREA))


def nucleus_outlines(
    signal: np.ndarray, threshold: float, min_radius: float, min_area: float, tolerance: float, tile: Any
) -> list[tuple[Polygon, float]]:
    """The outline of each nucleus the tile owns (tile pixels), with its mean signal as a score.

    The watershed finds and separates the nuclei; each outline is then drawn where the signal is
    halfway between the nucleus's own peak and the background around it, so pale and dark nuclei
    (tumour cells, lymphocytes) are both outlined at their edge, not at one global threshold.
    """
    labels = split_nuclei(signal, threshold, min_radius)
    found = blobs(labels)
    keep = (
        (found.areas >= min_area)
        & (found.areas <= 400 * min_area)
        & tile.owns(found.centres[:, 0], found.centres[:, 1])
    )
    smooth = cv2.GaussianBlur(signal.astype(np.float32), (0, 0), max(1.0, min_radius / 4))
    size = 2 * round(5 * min_radius) + 1  # wider than any nucleus: the opening is the background
    background = cv2.morphologyEx(smooth, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    grow = max(1, round(min_radius / 2))
    out = []
    for label, (x0, y0, x1, y1) in zip(found.labels[keep], found.boxes[keep].astype(int), strict=True):
        x0, y0 = max(0, x0 - grow - 1), max(0, y0 - grow - 1)
        x1, y1 = min(labels.shape[1], x1 + grow + 1), min(labels.shape[0], y1 + grow + 1)
        own = labels[y0:y1, x0:x1] == label
        values = smooth[y0:y1, x0:x1]
        peak = float(np.percentile(values[own], 90))
        floor = float(np.median(background[y0:y1, x0:x1][own]))
        room = cv2.dilate(own.astype(np.uint8), np.ones((2 * grow + 1,) * 2, np.uint8)).astype(bool)
        room &= (labels[y0:y1, x0:x1] == 0) | own  # never into a neighbour
        mask = np.pad((room & (values > floor + EDGE * (peak - floor))).astype(np.uint8), 1)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if not contours:
            continue
        ring = np.add(max(contours, key=cv2.contourArea)[:, 0, :], (x0 - 0.5, y0 - 0.5))  # pixel centres
        if len(ring) < 3:
            continue
        polygon = _valid(Polygon(ring).buffer(0.5, join_style="mitre"), tolerance)  # the pixels' outer edge
        if polygon is not None and polygon.area >= min_area / 2:
            out.append((polygon, round(min(1.0, peak / (3 * threshold)), 3)))
    return out


if __name__ == "__main__":
    main(process, DESCRIBE)
