"""Polygon annotations as shapely polygons and back, for the edit tools' boolean geometry.

EXACT's vector holds one ring and no holes; the project keeps a polygon's holes in its
`meta_data["holes"]` (as GeoJSON import and the tissue plugin do), so an area cut out of the
middle of a polygon is kept as a hole, and other meta_data keys ride along untouched.
Coordinates are snapped to the vector's tenth of a pixel before the result is checked, so a
stored polygon is exactly the valid one computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from exact_desktop.model import shapes

GRID = 0.1  # level-0 px: vectors keep a tenth of a pixel
MIN_AREA = 1.0  # level-0 px²: slivers a cut leaves behind are dropped


def polygon_of(vector: dict[str, Any] | None, meta_data: dict[str, Any] | None = None) -> BaseGeometry:
    """The annotation's area, holes included; repaired when the stored ring crosses itself."""
    nodes = shapes.nodes_of(vector)
    if len(nodes) < 3:
        return Polygon()
    holes = [h for h in (meta_data or {}).get("holes") or [] if len(h) >= 3]
    return _repaired(Polygon(nodes, holes))


def area_of(points: np.ndarray | list[tuple[float, float]]) -> BaseGeometry:
    """A drawn outline as an area; one that crosses itself is repaired, not refused."""
    if len(points) < 3:
        return Polygon()
    return _repaired(Polygon(points))


def _repaired(polygon: Polygon) -> BaseGeometry:
    return polygon if polygon.is_valid else shapely.make_valid(polygon)


def pieces_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of any result (a collection, a multipolygon, lines left by a cut dropped),
    snapped to the vector's grid, largest first; slivers under MIN_AREA dropped."""
    polygons = []
    for part in shapely.get_parts(geometry):  # each part alone: snapping a collection would merge them
        if part.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
            snapped = shapely.set_precision(part, GRID)
            polygons += [q for q in shapely.get_parts(snapped) if q.geom_type == "Polygon" and q.area >= MIN_AREA]
    return sorted(polygons, key=lambda p: -p.area)


def fields_of(polygon: Polygon, meta_data: dict[str, Any] | None = None, frame: int | None = None) -> dict[str, Any]:
    """The `vector` and `meta_data` of an annotation shaped as `polygon` (holes into meta_data)."""
    ring = np.asarray(polygon.exterior.coords)[:-1]
    holes = [np.round(np.asarray(h.coords)[:-1], 1).tolist() for h in polygon.interiors]
    meta = {k: v for k, v in (meta_data or {}).items() if k != "holes"}
    if holes:
        meta["holes"] = holes
    return {"vector": shapes.vector_of(ring, frame), "meta_data": meta or None}
