"""The boolean geometry of EXACT's polygon edit tools, on shapely areas: pure functions.

Each returns the pieces the edited polygon becomes, largest first (the first stays the edited
annotation, the rest become new ones of its type), or None when the gesture changes nothing,
so the caller can say why instead of storing an identical polygon.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LinearRing, LineString, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by_line

from exact_desktop.model.regions import pieces_of


def cut(area: BaseGeometry, drawn: BaseGeometry) -> list[Polygon] | None:
    """Scissor: the area without what was drawn ([] when nothing is left)."""
    if drawn.is_empty or not area.intersects(drawn):
        return None
    return pieces_of(area.difference(drawn))


def glue(area: BaseGeometry, drawn: BaseGeometry) -> list[Polygon] | None:
    """Glue: the area with what was drawn; the drawn area must touch it (else it would be a new
    annotation, not a part of this one)."""
    if drawn.is_empty or not area.intersects(drawn):
        return None
    return pieces_of(area.union(drawn))


SLIVER = 0.01  # of the area: a piece the knife cuts off smaller than this goes back to its neighbour


def split(area: BaseGeometry, line: LineString) -> list[Polygon] | None:
    """Knife: the pieces a line drawn across the area cuts it into; None unless it crosses.
    A sliver (a hand's wobble where the line crosses the outline) is no piece of its own: it
    goes back to the piece it shares the longest edge with, so no area is lost."""
    if line.length == 0 or not area.intersects(line):
        return None
    pieces = pieces_of(split_by_line(area, line)) if area.geom_type == "Polygon" else []
    pieces = _slivers_merged(pieces, SLIVER * area.area)
    return pieces if len(pieces) > 1 else None


def _slivers_merged(pieces: list[Polygon], least: float) -> list[Polygon]:
    kept = [p for p in pieces if p.area >= least]
    if not kept or len(kept) == len(pieces):
        return pieces
    parts: list[list[Polygon]] = [[p] for p in kept]
    for sliver in (p for p in pieces if p.area < least):
        shared = [k.boundary.intersection(sliver.boundary).length for k in kept]
        parts[int(np.argmax(shared))].append(sliver)
    merged = [piece for group in parts for piece in pieces_of(shapely.union_all(group))]
    return sorted(merged, key=lambda p: -p.area)


# --- whole outlines, for a selection (menu actions) -------------------------------------------
def fill_holes(area: BaseGeometry) -> list[Polygon] | None:
    """The polygon without its holes, its outline untouched; None when it has none."""
    polygons = [p for p in shapely.get_parts(area) if p.geom_type == "Polygon"]
    if not any(p.interiors for p in polygons):
        return None
    return sorted((Polygon(p.exterior) for p in polygons), key=lambda p: -p.area)


def simplify(area: BaseGeometry, tolerance: float) -> list[Polygon] | None:
    """Fewer vertices, none moved farther than `tolerance` (Douglas-Peucker, topology kept)."""
    simpler = pieces_of(shapely.simplify(area, tolerance, preserve_topology=True))
    if sum(len(p.exterior.coords) for p in simpler) >= shapely.get_num_coordinates(area):
        return None
    return simpler


def smooth(area: BaseGeometry, step: float) -> list[Polygon] | None:
    """Each ring resampled every `step` and smoothed by a circular Gaussian of SMOOTH_SIGMA steps:
    jags of a few steps go, the shape stays."""
    polygons = [p for p in shapely.get_parts(area) if p.geom_type == "Polygon"]
    if not polygons or step <= 0:
        return None
    smoothed = [Polygon(_smooth_ring(p.exterior, step), [_smooth_ring(h, step) for h in p.interiors]) for p in polygons]
    made = [p if p.is_valid else shapely.make_valid(p) for p in smoothed]
    return pieces_of(shapely.simplify(shapely.union_all(made), step / 8, preserve_topology=True))


SMOOTH_SIGMA = 2.0  # resampling steps


def _smooth_ring(ring: LinearRing, step: float) -> np.ndarray:
    count = max(8, int(ring.length / step))
    points = np.array([ring.interpolate(d).coords[0] for d in np.linspace(0, ring.length, count, endpoint=False)])
    radius = int(3 * SMOOTH_SIGMA)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / SMOOTH_SIGMA) ** 2)
    kernel /= kernel.sum()
    if count <= radius:
        return points
    wrapped = np.concatenate([points[-radius:], points, points[:radius]])
    return np.column_stack([np.convolve(wrapped[:, i], kernel, mode="valid") for i in (0, 1)])
