"""A chunk of plain boxes or polygons checked and encoded a column at a time: the bulk of any
import or plugin run, a million at once.

Each column is walked by builtins and numpy in C (types, ranges, node counts, UUID spelling,
times), so an annotation costs a few attribute reads and one JSON dump instead of a dozen
Python calls. A chunk with anything unusual in it (another vector type, a deleted row, keys out
of order, a UUID in another spelling, an odd value) is left to the object-at-a-time path,
which names the culprit.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC
from itertools import chain, repeat
from operator import attrgetter, is_, itemgetter, methodcaller
from typing import Any

import numpy as np
import orjson

from exact_desktop.model import entities as e
from exact_desktop.model.entities import VectorType
from exact_desktop.model.values import InvalidValueError, check_column, check_entities
from exact_desktop.model.vectors import MAX_COORDINATE, keys_in_order
from exact_desktop.store.annotation_columns import AnnotationColumns
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.prepared import Prepared

_NAMES = (
    "annotation_type", "image", "vector", "unique_identifier", "deleted", "description", "meta_data", "user",
    "last_editor", "time", "last_edit_time", "concealed", "blurred", "generated", "remote_id",
)  # fmt: skip
_GETTERS = tuple(map(attrgetter, _NAMES))
_RESULT_FIELDS = attrgetter(
    "annotation_type", "pluginresultentry", "image", "vector", "score", "meta_data", "unique_identifier", "time",
    "remote_id",
)  # fmt: skip
_CORNERS = itemgetter("x1", "y1", "x2", "y2")
_DASHES = [8, 13, 18, 23]
_HEX_PLACES = [k for k in range(36) if k not in _DASHES]
_HEX = np.isin(np.arange(256), np.frombuffer(b"0123456789abcdef", np.uint8))
_ISO_LENGTH = len("2026-01-01T00:00:00.000000+00:00")
_ISO = methodcaller("isoformat", timespec="microseconds")
_TZ = attrgetter("tzinfo")
_PLAIN = {int, float}
# (coords, boxes as rows of min_x, max_x, min_y, max_y) of a chunk's vectors; a box's coords
# are NULL: its index entry holds its corners, which is what the viewport reads for it
Geometry = tuple[Sequence[bytes | None], np.ndarray]


def chunk_columns(items: list[e.Annotation], types: dict[int, tuple[int, int]]) -> Prepared | None:
    """The chunk's columns in the order of `ANNOTATION_COLUMNS_SQL` (without the id) and its index
    entries, or None when the chunk is not all live boxes, or all live polygons, in the common
    form. `types`: (vector_type, node_count) by annotation type id."""
    read = [list(map(get, items)) for get in _GETTERS]  # a column at a time: each a short walk in C
    (kinds, images, vectors, uuids, deleted, descriptions, meta, users, editors, made, edited, concealed,
     blurred, generated, remote) = read  # fmt: skip
    if any(deleted) or not _ids(images, kinds):
        return None
    geometry = _geometry(vectors, kinds, types)
    if geometry is None or not _canonical_uuids(uuids):
        return None
    times = _utc_iso(made)
    edited_times = times if all(map(is_, edited, made)) else _utc_iso(edited)
    if times is None or edited_times is None:
        return None
    _checked(items, "annotation", dict(zip(_NAMES, read, strict=True)))
    coords, boxes = geometry
    columns = [kinds, images, _texts(vectors), coords, uuids, deleted, descriptions, _json_column(meta), users,
               editors, times, edited_times, concealed, blurred, generated, remote]  # fmt: skip
    return Prepared(columns, np.arange(len(items)), np.array([images, kinds], np.int64), boxes)


def result_columns(items: list[e.PluginResultAnnotation], types: dict[int, tuple[int, int]]) -> Prepared | None:
    """`chunk_columns` for result annotations (`RESULT_COLUMNS_SQL`; spatial groups are entries)."""
    kinds, entries, images, vectors, scores, meta, uuids, made, remote = zip(*map(_RESULT_FIELDS, items), strict=True)
    if not _ids(images, kinds) or set(map(type, entries)) != {int} or not set(map(type, scores)) <= _PLAIN:
        return None
    geometry = _geometry(vectors, kinds, types)
    if geometry is None or not _canonical_uuids(uuids):
        return None
    times = _utc_iso(made)
    if times is None:
        return None
    _checked(items, "result annotation")
    coords, boxes = geometry
    floats = list(map(float, scores))
    columns = [kinds, entries, images, _texts(vectors), coords, floats, _json_column(meta), uuids, times, remote]
    return Prepared(columns, np.arange(len(items)), np.array([images, entries], np.int64), boxes, floats)


def batch_columns(batch: AnnotationColumns, types: dict[int, tuple[int, int]]) -> Prepared | None:
    """`chunk_columns` for new annotations given as columns (an import's): the same checks made
    on the arrays, the vectors' JSON written from them; None when the chunk is not all boxes, or
    all polygons, in the common form."""
    kinds, nodes, counts, image, user = batch.annotation_types, batch.nodes, batch.counts, batch.image, batch.user
    if type(image) is not int or not (type(user) is int or user is None) or not _fits(batch, types):
        return None
    if not np.isfinite(nodes).all() or np.abs(nodes).max(initial=0) > MAX_COORDINATE:
        return None
    uuids = batch.unique_identifiers
    times = _utc_iso((batch.time,))
    if times is None or not _canonical_uuids(uuids):
        return None
    _checked_columns(batch)
    n = len(batch)
    coords = _coords(nodes, counts) if (counts != 2).any() else [None] * n  # boxes: none (see Geometry)
    starts = batch.offsets[:-1]
    xs, ys = nodes[:, 0], nodes[:, 1]
    boxes = np.stack([np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts),
                      np.minimum.reduceat(ys, starts), np.maximum.reduceat(ys, starts)], axis=1)  # fmt: skip
    no, time, by = [False] * n, times * n, [user] * n
    columns = [kinds.tolist(), [image] * n, vector_texts(nodes, counts), coords, uuids, no, batch.descriptions,
               _json_column(tuple(batch.meta_data)), by, by, time, time, no, no, no, [None] * n]  # fmt: skip
    return Prepared(columns, np.arange(n), np.stack([np.full(n, image, np.int64), kinds.astype(np.int64)]), boxes)


def _fits(batch: AnnotationColumns, types: dict[int, tuple[int, int]]) -> bool:
    """Boxes (x1 <= x2, y1 <= y2) of box types or polygons of polygon types, all of one of the two."""
    counts = batch.counts
    if not len(counts):
        return False
    rules = {types.get(kind, (0, 0)) for kind in set(batch.annotation_types.tolist())}
    vector_types = {vector_type for vector_type, _ in rules}
    if vector_types == {VectorType.BOUNDING_BOX}:
        corners = batch.nodes.reshape(-1, 4)
        return bool((counts == 2).all() and (corners[:, 0] <= corners[:, 2]).all()
                    and (corners[:, 1] <= corners[:, 3]).all())  # fmt: skip
    if vector_types != {VectorType.POLYGON} or counts.min() < 3:
        return False
    node_counts = {count for _, count in rules}
    return node_counts == {0} or (len(node_counts) == 1 and bool((counts == node_counts.pop()).all()))


def _coords(nodes: np.ndarray, counts: np.ndarray) -> list[bytes]:
    """Each geometry's nodes as float32 x, y pairs."""
    packed = nodes.astype("<f4").tobytes()
    ends = (np.cumsum(counts) * 8).tolist()
    return [packed[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _checked_columns(batch: AnnotationColumns) -> None:
    def who(position: int) -> str:
        return f"annotation {batch.unique_identifiers[position]}"

    try:
        check_column(batch.descriptions, "text", "description", who)
        check_column(batch.meta_data, "json", "meta_data", who)
        check_column([batch.time], "time", "time", who)
    except InvalidValueError as err:
        raise StoreError(str(err)) from None


def vector_texts(nodes: np.ndarray, counts: np.ndarray) -> list[str]:
    """Each row's vector as JSON, `{"x1":..,"y1":..,...}`, the text orjson writes of its dict:
    every number written by one orjson call and set by one formatting into the rows' templates
    (no dict a row; a formatting a row took a fifth longer)."""
    if not len(counts):
        return []
    numbers = orjson.dumps(nodes.ravel(), option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].split(b",")
    templates = b"\n".join(map(_template, counts.tolist()))
    return (templates % tuple(numbers)).decode().split("\n")


@functools.lru_cache(maxsize=256)
def _template(nodes: int) -> bytes:
    return ("{" + ",".join(f'"{key}":%s' for key in keys_in_order(nodes)) + "}").encode()


def _geometry(vectors: Sequence[Any], kinds: Sequence[int], types: dict[int, tuple[int, int]]) -> Geometry | None:
    """Boxes of box types or polygons of polygon types, all of one of the two."""
    if set(map(type, vectors)) != {dict}:
        return None
    rules = {types.get(kind, (0, 0)) for kind in set(kinds)}
    vector_types = {vector_type for vector_type, _ in rules}
    if vector_types == {VectorType.BOUNDING_BOX}:
        return _boxes(vectors)
    if vector_types == {VectorType.POLYGON}:
        return _polygons(vectors, {count for _, count in rules})
    return None


def _checked(items: list[Any], what: str, columns: dict[str, list[Any]] | None = None) -> None:
    try:
        check_entities(items, lambda x: f"{what} {x.unique_identifier}", columns)
    except InvalidValueError as err:
        raise StoreError(str(err)) from None


def _texts(vectors: Sequence[dict[str, Any]]) -> list[str]:
    return [orjson.dumps(v).decode() for v in vectors]


def _json_column(values: Sequence[Any]) -> Sequence[Any]:
    return values if values.count(None) == len(values) else [_dump(v) for v in values]


def _ids(images: Sequence[Any], kinds: Sequence[Any]) -> bool:
    return set(map(type, images)) == {int} and set(map(type, kinds)) == {int}


def _boxes(vectors: Sequence[dict[str, Any]]) -> Geometry | None:
    """Every vector exactly x1, y1, x2, y2, plain numbers, top-left before bottom-right. No
    coords: 16 bytes a row that nothing reads (the viewport takes a box's corners from the index)."""
    if set(map(len, vectors)) != {4}:
        return None
    try:
        corners = list(map(_CORNERS, vectors))
    except KeyError:
        return None
    table = _plain_table(chain.from_iterable(corners), 4 * len(vectors))
    if table is None:
        return None
    table = table.reshape(-1, 4)
    if not ((table[:, 0] <= table[:, 2]).all() and (table[:, 1] <= table[:, 3]).all()):
        return None
    return [None] * len(vectors), table[:, [0, 2, 1, 3]]


def _polygons(vectors: Sequence[dict[str, Any]], node_counts: set[int]) -> Geometry | None:
    """Every vector x1, y1, ..., xn, yn in order, n at least 3 (and the type's count where it
    sets one), plain numbers."""
    sizes = np.fromiter(map(len, vectors), np.int64, len(vectors))
    if (sizes % 2).any() or sizes.min() < 6:
        return None
    nodes = sizes // 2
    if node_counts != {0} and (len(node_counts) > 1 or not (nodes == node_counts.pop()).all()):
        return None  # the type sets a node count (several types with counts: one object at a time)
    if not all(tuple(v) == keys_in_order(len(v) // 2) for v in vectors):
        return None
    flat = _plain_table(chain.from_iterable(v.values() for v in vectors), int(sizes.sum()))
    if flat is None:
        return None
    packed = flat.astype("<f4").tobytes()
    ends = np.cumsum(sizes * 4).tolist()
    coords = [packed[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    starts = np.concatenate([[0], np.cumsum(nodes)[:-1]])
    xs, ys = flat[0::2], flat[1::2]
    boxes = np.stack([np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts),
                      np.minimum.reduceat(ys, starts), np.maximum.reduceat(ys, starts)], axis=1)  # fmt: skip
    return coords, boxes


def _plain_table(values: Any, count: int) -> np.ndarray | None:
    """The values as float64, when every one is a plain int or float, finite and within range."""
    values = list(values)
    if len(values) != count or not set(map(type, values)) <= _PLAIN:
        return None
    try:
        table = np.array(values, np.float64)
    except OverflowError:  # an integer beyond any float
        return None
    if not np.isfinite(table).all() or np.abs(table).max(initial=0) > MAX_COORDINATE:
        return None
    return table


def _utc_iso(times: Sequence[Any]) -> list[str] | None:
    """Times as the store writes them (isoformat to the microsecond), when every one is already
    in UTC (the common case): written by one orjson call (a million isoformat calls were 1.4 s).
    An import's rows share one time: written once."""
    if set(map(_TZ, times)) != {UTC}:
        return None
    if all(map(is_, times, repeat(times[0]))):
        return [_ISO(times[0])] * len(times)
    try:
        texts = orjson.dumps(times).decode()[2:-2].split('","')
    except orjson.JSONEncodeError:  # not a datetime orjson knows: the object path says what it is
        return None
    if set(map(len, texts)) != {_ISO_LENGTH}:  # orjson leaves out microseconds of 0; isoformat writes them
        texts = [text if len(text) == _ISO_LENGTH else _ISO(time) for text, time in zip(texts, times, strict=True)]
    return texts


def _canonical_uuids(uuids: Sequence[Any]) -> bool:
    """Every one a UUID in its canonical spelling (lower-case hex, dashes in place), checked on
    the bytes of all of them at once."""
    if set(map(type, uuids)) != {str} or set(map(len, uuids)) != {36}:
        return False
    try:
        table = np.frombuffer("".join(uuids).encode("ascii"), np.uint8).reshape(-1, 36)
    except UnicodeEncodeError:
        return False
    return bool((table[:, _DASHES] == ord("-")).all() and _HEX[table[:, _HEX_PLACES]].all())


def _dump(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()
