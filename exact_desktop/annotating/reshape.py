"""The boolean geometry of EXACT's polygon edit tools, on shapely areas: pure functions.

Each returns the pieces the edited polygon becomes, largest first (the first stays the edited
annotation, the rest become new ones of its type), or None when the gesture changes nothing,
so the caller can say why instead of storing an identical polygon.
"""

from __future__ import annotations

from shapely.geometry import LineString, Polygon
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


def split(area: BaseGeometry, line: LineString) -> list[Polygon] | None:
    """Knife: the pieces a line drawn across the area cuts it into; None unless it crosses."""
    if line.length == 0 or not area.intersects(line):
        return None
    pieces = pieces_of(split_by_line(area, line)) if area.geom_type == "Polygon" else []
    return pieces if len(pieces) > 1 else None
