"""Editing EXACT vectors: nodes out and in, moving, handles, vertices. Pure functions, level-0 px.

A box's handles are its four corners (top-left, top-right, bottom-right, bottom-left); every
other shape's handles are its nodes. Coordinates are kept to a tenth of a pixel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from exact_desktop.model.entities import VectorType

BOXES = (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX)
CLOSED = (VectorType.POLYGON, VectorType.SEGMENTATION)
MIN_NODES = {VectorType.POLYGON: 3, VectorType.SEGMENTATION: 3, VectorType.MULTI_LINE: 2, VectorType.LINE: 2}
NAMES: dict[int, str] = {
    VectorType.BOUNDING_BOX: "box", VectorType.FIXED_SIZE_BOUNDING_BOX: "fixed box", VectorType.POINT: "point",
    VectorType.LINE: "line", VectorType.MULTI_LINE: "multi-line", VectorType.POLYGON: "polygon",
    VectorType.SEGMENTATION: "segmentation", VectorType.GLOBAL: "image label",
}  # fmt: skip


def name_of(vector_type: int) -> str:
    """How a person calls the shape of a vector type ("box", "polygon")."""
    return NAMES.get(vector_type, "?")


def nodes_of(vector: dict[str, Any] | None) -> np.ndarray:
    """(n, 2) float64 nodes x1, y1 ... xn, yn in order; empty for a global annotation."""
    if not vector:
        return np.empty((0, 2))
    count = sum(1 for key in vector if key.startswith("x"))
    return np.array([(vector[f"x{i}"], vector[f"y{i}"]) for i in range(1, count + 1)], dtype=np.float64)


def vector_of(nodes: np.ndarray | list[tuple[float, float]], frame: int | None = None) -> dict[str, Any]:
    vector: dict[str, Any] = {}
    for i, (x, y) in enumerate(np.round(np.asarray(nodes, dtype=np.float64), 1).tolist(), start=1):
        vector[f"x{i}"], vector[f"y{i}"] = x, y
    if frame is not None:
        vector["frame"] = frame
    return vector


def box_vector(x0: float, y0: float, x1: float, y1: float, frame: int | None = None) -> dict[str, Any]:
    """The box between two corners, in either order (EXACT wants x1 <= x2, y1 <= y2)."""
    return vector_of([(min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1))], frame)


def circle_vector(cx: float, cy: float, radius: float, frame: int | None = None) -> dict[str, Any]:
    """A circle as EXACT keeps it: the box around it (NOTES: circles are boxes with a radius)."""
    return box_vector(cx - radius, cy - radius, cx + radius, cy + radius, frame)


def circle_polygon(cx: float, cy: float, radius: float, nodes: int, frame: int | None = None) -> dict[str, Any]:
    """A circle as a polygon of `nodes` nodes on it."""
    angles = np.linspace(0, 2 * np.pi, nodes, endpoint=False)
    return vector_of(np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)]), frame)


def _frame(vector: dict[str, Any]) -> int | None:
    return vector.get("frame")


def moved(vector: dict[str, Any], dx: float, dy: float) -> dict[str, Any]:
    return vector_of(np.add(nodes_of(vector), (dx, dy)), _frame(vector))


def handles(vector: dict[str, Any] | None, vector_type: int) -> np.ndarray:
    nodes = nodes_of(vector)
    if vector_type in BOXES and len(nodes) == 2:
        (x0, y0), (x1, y1) = nodes
        return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], dtype=np.float64)
    return nodes


def nearest(points: np.ndarray, x: float, y: float) -> tuple[int, float]:
    """Index of the point nearest (x, y) and its distance; (-1, inf) when there are none."""
    if len(points) == 0:
        return -1, math.inf
    d = np.hypot(points[:, 0] - x, points[:, 1] - y)
    i = int(np.argmin(d))
    return i, float(d[i])


def drag_handle(vector: dict[str, Any], vector_type: int, index: int, x: float, y: float) -> dict[str, Any]:
    """The vector with handle `index` at (x, y); a box keeps the opposite corner where it is."""
    if vector_type in BOXES:
        corners = handles(vector, vector_type)
        ox, oy = corners[(index + 2) % 4]
        return box_vector(ox, oy, x, y, _frame(vector))
    nodes = nodes_of(vector)
    nodes[index] = (x, y)
    return vector_of(nodes, _frame(vector))


def nearest_edge(nodes: np.ndarray, x: float, y: float, closed: bool) -> tuple[int, float]:
    """(i, distance) of the edge from node i to node i + 1 nearest (x, y); (-1, inf) if none."""
    if len(nodes) < 2:
        return -1, math.inf
    a = nodes if closed else nodes[:-1]
    b = np.roll(nodes, -1, axis=0) if closed else nodes[1:]
    d = b - a
    length = np.maximum((d * d).sum(axis=1), 1e-12)
    t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / length, 0, 1)
    dist = np.hypot(a[:, 0] + t * d[:, 0] - x, a[:, 1] + t * d[:, 1] - y)
    i = int(np.argmin(dist))
    return i, float(dist[i])


def insert_vertex(vector: dict[str, Any], after: int, x: float, y: float) -> dict[str, Any]:
    nodes = nodes_of(vector)
    return vector_of(np.insert(nodes, after + 1, (x, y), axis=0), _frame(vector))


def delete_vertex(vector: dict[str, Any], vector_type: int, index: int) -> dict[str, Any] | None:
    """The vector without node `index`, or None when the shape would have too few nodes."""
    nodes = nodes_of(vector)
    if vector_type not in MIN_NODES or len(nodes) - 1 < MIN_NODES[VectorType(vector_type)]:
        return None
    return vector_of(np.delete(nodes, index, axis=0), _frame(vector))


def bounds(vector: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    nodes = nodes_of(vector)
    if len(nodes) == 0:
        return None
    (x0, y0), (x1, y1) = nodes.min(axis=0), nodes.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
