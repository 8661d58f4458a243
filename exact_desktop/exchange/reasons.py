"""Why a geometry is refused, in a person's words: GEOS says "Self-intersection[22837.12 24747.85]";
a person reads "its outline crosses itself at (22,837, 24,748) px". Reasons GEOS gives that the
table does not know are passed on as they are, never dropped."""

from __future__ import annotations

import re

_AT = re.compile(r"^(?P<reason>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")

NOT_A_NUMBER = "a coordinate of it is not a number"

INVALID = {  # shapely's is_valid_reason (GEOS's TopologyValidationError) -> what is wrong, in words
    "Self-intersection": "its outline crosses itself",
    "Ring Self-intersection": "its outline touches itself",
    "Too few points in geometry component": "its outline has too few distinct points",
    "Hole lies outside shell": "a hole lies outside its outline",
    "Holes are nested": "a hole lies inside another hole",
    "Interior is disconnected": "its holes cut it apart",
    "Nested shells": "one of its parts lies inside another",
    "Duplicate Rings": "a ring of it is there twice",
    "Repeated Point": "a point of it is repeated",
    "Invalid Coordinate": NOT_A_NUMBER,
    "Ring is not closed": "its outline is not closed",
}

UNREADABLE = {  # GEOS's reason for a geometry it cannot make at all -> in words
    "Points of LinearRing do not form a closed linestring":
        "its outline is not closed (the last position must repeat the first)",
    "point array must contain 0 or >1 elements": "a line needs at least 2 positions",
    "Invalid number of points in LinearRing":
        "its outline has too few positions (a ring needs at least 4, the last repeating the first)",
}  # fmt: skip


_UNREPAIRED = {"Too few points in geometry component", "Invalid Coordinate"}  # make_valid leaves nothing of these
COLLAPSED = "its outline encloses no area: nothing of it is left once repaired"


class Repairable(str):
    """A reason `--make-valid` takes away (shapely's make_valid repairs the outline)."""


def invalid(reason: str) -> str:
    """shapely's `is_valid_reason` in words, with its place in pixels; `Repairable` where
    `--make-valid` mends it."""
    found = _AT.match(reason)
    text, at = (found["reason"], _place(found["x"], found["y"])) if found else (reason, "")
    words = INVALID.get(text)
    said = f"{words}{at}" if words else f"invalid outline: {reason}"
    return said if text in _UNREPAIRED else Repairable(said)


def unreadable(message: str) -> str:
    """GEOS's message for a geometry it cannot read, in words where the table knows it."""
    detail = message.split(": ", 1)[-1].strip()  # "IllegalArgumentException: ..."
    for known, words in UNREADABLE.items():
        if detail.startswith(known):
            return words
    return f"malformed geometry ({message})"


def _place(x: str, y: str) -> str:
    try:
        return f" at ({float(x):,.0f}, {float(y):,.0f}) px"
    except ValueError:
        return f" at ({x}, {y})"
