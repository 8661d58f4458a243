"""Which object is under the cursor: candidates from the spatial index, then the exact shape.

Boxes and polygons are hit inside their area (EXACT's area hit test), lines and points near
their outline. Of several hits the smallest wins, so a nucleus inside a region is reachable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exact_desktop.model.entities import VectorType
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import ANNOTATIONS, Layer
from exact_desktop.store.base import Store, ViewportObjects, ViewportQuery

_AREA = (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX, VectorType.POLYGON, VectorType.SEGMENTATION)


@dataclass(frozen=True)
class Hit:
    layer: tuple[str, int]
    id: int
    area: float


def hit_test(
    store: Store, image: int, layers: list[Layer], x: float, y: float, tolerance: float, shape_of: object
) -> Hit | None:
    """The smallest object of the visible `layers` at level-0 (x, y); `tolerance` in level-0 px.

    `shape_of(type_id)` gives an annotation type's vector type.
    """
    best: Hit | None = None
    near = Rect(x - tolerance, y - tolerance, 2 * tolerance, 2 * tolerance)
    for layer in layers:
        if not layer.visible:
            continue
        groups = {"annotation_types": (layer.group,)} if layer.kind == ANNOTATIONS else {"entries": (layer.group,)}
        found = store.viewport(ViewportQuery(image, near, min_score=layer.threshold, **groups))  # type: ignore[arg-type]
        for i in range(len(found)):
            area = _hit(found, i, shape_of(int(found.types[i])), x, y, tolerance)  # type: ignore[operator]
            if area is not None and (best is None or area < best.area):
                best = Hit(layer.key, int(found.ids[i]), area)
    return best


def _hit(found: ViewportObjects, i: int, shape: int, x: float, y: float, tolerance: float) -> float | None:
    x0, y0, x1, y1 = (float(v) for v in found.bboxes[i])
    area = max(1.0, (x1 - x0) * (y1 - y0))
    nodes = found.nodes_of(i).astype(np.float64)
    if shape in (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX):
        inside = x0 - tolerance <= x <= x1 + tolerance and y0 - tolerance <= y <= y1 + tolerance
        return area if inside else None
    if shape in _AREA and len(nodes) >= 3 and _inside(nodes, x, y):
        return area
    closed = shape in _AREA
    if _distance_to_path(nodes, x, y, closed) <= tolerance:
        return area if shape != VectorType.POINT else 0.0
    return None


def _inside(nodes: np.ndarray, x: float, y: float) -> bool:
    """Even-odd rule over all edges at once."""
    xs, ys = nodes[:, 0], nodes[:, 1]
    xn, yn = np.roll(xs, -1), np.roll(ys, -1)
    crosses = (ys > y) != (yn > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = xs + (y - ys) * (xn - xs) / (yn - ys)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


def _distance_to_path(nodes: np.ndarray, x: float, y: float, closed: bool) -> float:
    if len(nodes) == 1:
        return float(np.hypot(nodes[0, 0] - x, nodes[0, 1] - y))
    a = nodes if closed else nodes[:-1]
    b = np.roll(nodes, -1, axis=0) if closed else nodes[1:]
    d = b - a
    length = np.maximum((d * d).sum(axis=1), 1e-12)
    t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / length, 0, 1)
    px, py = a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1]
    return float(np.hypot(px - x, py - y).min())
