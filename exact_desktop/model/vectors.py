"""EXACT's `vector` JSON: the rules a vector must follow, checked on every write.

Vectors hold numbered corner keys in level-0 pixels: {"x1", "y1", ..., "xn", "yn"}, plus an
optional "frame". A rejected vector raises InvalidVectorError naming the annotation and the reason.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from typing import Any

import numpy as np

from exact_desktop.model.entities import VectorType

_MIN_NODES = {
    VectorType.BOUNDING_BOX: (2, 2),
    VectorType.FIXED_SIZE_BOUNDING_BOX: (2, 2),
    VectorType.POINT: (1, 1),
    VectorType.LINE: (2, 2),
    VectorType.MULTI_LINE: (2, None),
    VectorType.POLYGON: (3, None),
    VectorType.SEGMENTATION: (3, None),
}
_NAMES = {
    VectorType.BOUNDING_BOX: "box", VectorType.FIXED_SIZE_BOUNDING_BOX: "fixed-size box",
    VectorType.POINT: "point", VectorType.LINE: "line", VectorType.MULTI_LINE: "multi-line",
    VectorType.POLYGON: "polygon", VectorType.SEGMENTATION: "segmentation", VectorType.GLOBAL: "global",
}  # fmt: skip


class InvalidVectorError(ValueError):
    def __init__(self, who: str, reason: str) -> None:
        self.who, self.reason = who, reason
        super().__init__(f"{who}: {reason}")


_BOX_KEYS = frozenset(("x1", "y1", "x2", "y2"))
_NODE_KEY = re.compile(r"[xy][1-9][0-9]*", re.ASCII)
# level-0 pixels; 1e9 px is 250 m at 0.25 µm/px, and the spatial index keeps float32 (max 3.4e38)
MAX_COORDINATE = 1e9
# the numbers decided inline: Python's, and numpy's that a plugin's arithmetic leaves in its
# vectors (round(np.float64) stays np.float64); the slow path takes any finite real, and names what is wrong
_PLAIN = frozenset((int, float, np.float64, np.float32, np.int64, np.int32))
# the finite reals a vector may hold: what JSON (orjson, numpy's scalars included) carries; a
# Fraction or a numpy long double passes as a real number, and failed only on sending
_SENT = (int, float, np.integer, np.float16, np.float32, np.float64)


BEYOND = f"at most {MAX_COORDINATE:,.0f} px"


def _shown(value: float | np.number[Any]) -> str:
    """A coordinate as given, so that it differs from the limit it passed (1000000005, not 1e+09)."""
    return f"{value:.6e}" if isinstance(value, int) and abs(value) >= 10**18 else repr(value)


def _finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        return False


def validate_vector(vector: Any, vector_type: int, node_count: int = 0, who: str = "annotation") -> None:
    """Raise InvalidVectorError unless `vector` fits an annotation type of `vector_type`."""
    if vector_type == VectorType.BOUNDING_BOX and type(vector) is dict and vector.keys() == _BOX_KEYS:
        # the common case, a million times over in bulk imports: decided inline when it is fine
        # plain ints and floats only (NaN and infinities fail the range); anything else is looked at below
        x1, y1, x2, y2 = vector["x1"], vector["y1"], vector["x2"], vector["y2"]
        plain = type(x1) in _PLAIN and type(y1) in _PLAIN and type(x2) in _PLAIN and type(y2) in _PLAIN
        if plain and -MAX_COORDINATE <= x1 <= x2 <= MAX_COORDINATE and -MAX_COORDINATE <= y1 <= y2 <= MAX_COORDINATE:
            return
    try:
        kind = VectorType(vector_type)
    except ValueError:
        raise InvalidVectorError(who, f"unknown vector_type {vector_type!r} (EXACT knows 1-8)") from None
    name = _NAMES[kind]
    if kind == VectorType.GLOBAL:
        if vector not in (None, {}):
            raise InvalidVectorError(who, "a global annotation has no geometry: vector must be null")
        return
    if kind == VectorType.SEGMENTATION and vector is None:
        return  # the mask lives on the server
    if not isinstance(vector, dict):
        raise InvalidVectorError(who, f"a {name} needs a vector object, got {type(vector).__name__}")
    nodes = _plain_nodes(vector) or _count_nodes(vector, who)
    low, high = _MIN_NODES[kind]
    if nodes < low or (high is not None and nodes > high):
        want = f"exactly {low}" if low == high else f"at least {low}"
        raise InvalidVectorError(who, f"a {name} needs {want} nodes, got {nodes}")
    if node_count and kind in (VectorType.POLYGON, VectorType.MULTI_LINE) and nodes != node_count:
        raise InvalidVectorError(who, f"this annotation type requires {node_count} nodes, got {nodes}")
    if kind in (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX) and (
        vector["x2"] < vector["x1"] or vector["y2"] < vector["y1"]
    ):
        raise InvalidVectorError(who, "a box needs x1 <= x2 and y1 <= y2 (x1, y1 is the top-left corner)")


@functools.lru_cache(maxsize=1024)
def keys_in_order(nodes: int) -> tuple[str, ...]:
    """x1, y1, ..., xn, yn: the keys of a vector of `nodes` nodes, in the order this program writes them."""
    return tuple(key for i in range(1, nodes + 1) for key in (f"x{i}", f"y{i}"))


def _plain_nodes(vector: dict[str, Any]) -> int | None:
    """The node count of a vector as this program writes them (x1, y1, ... in order, plain finite
    numbers in range), decided without a look at each key; None for anything else, which
    `_count_nodes` then checks key by key (and names what is wrong). A polygon import's vectors
    are checked 5x faster so."""
    if len(vector) % 2 or tuple(vector) != keys_in_order(len(vector) // 2):
        return None
    values = vector.values()
    if not set(map(type, values)) <= _PLAIN or not _finite(sum(values)):  # NaN and infinities stay in a sum
        return None
    return len(vector) // 2 if min(values) >= -MAX_COORDINATE and max(values) <= MAX_COORDINATE else None


def _count_nodes(vector: dict[str, Any], who: str) -> int:
    indices: set[int] = set()
    for key, value in vector.items():
        if key == "frame":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidVectorError(who, f"frame must be a positive integer, got {value!r}")
            continue
        if _NODE_KEY.fullmatch(key) is None:  # ASCII digits, no leading zero: "x01" is not "x1"
            raise InvalidVectorError(who, f"unexpected key {key!r} (expected x1, y1, x2, y2, ...)")
        if not _finite(value):
            raise InvalidVectorError(who, f"{key} must be a finite number, got {value!r}")
        if not isinstance(value, _SENT):
            raise InvalidVectorError(
                who, f"{key} is a {type(value).__name__} ({value!r}), which JSON cannot carry: give an int or a float"
            )
        if abs(float(value)) > MAX_COORDINATE:  # float16 against 1e9 would overflow
            raise InvalidVectorError(who, f"{key} = {_shown(value)} is beyond any slide ({BEYOND})")
        indices.add(int(key[1:]))
    count = len(indices)
    for i in range(1, count + 1):
        if f"x{i}" not in vector or f"y{i}" not in vector:
            raise InvalidVectorError(who, f"node {i} is incomplete: both x{i} and y{i} are needed, numbered from 1")
    return count
