"""The spatial index (same transaction as the rows) and the viewport query.

A hierarchical grid in an ordinary table, one row per live object: (band, cell, id, box, corners).
- A band is one (image, group) pair, numbered in `spatial_band`; group is the annotation type
  for annotations and the result entry for result annotations. So a viewport of boxes is
  answered from the index alone, without touching the annotation rows.
- The box twice: as four REALs that SQL compares, and as `corners`, the float32 (x0, y0, x1, y1)
  the viewport answers with, 16 bytes that a query concatenates and numpy takes as they are.
  Read as text, the four REALs were most of a query's time: SQLite printing 2,000 boxes' 8,000
  doubles and numpy parsing them back, 3.3 ms of a 4.7 ms query of the bench's viewports.
- The cell: an object goes to the smallest level whose cells (256 px at level 0, doubling
  each level) are at least as large as the object, into the cell holding its top-left
  corner, so it lies within that cell and its right and lower neighbours. A query reads, per
  level in use, the rows of cells under the viewport widened by one cell up and left: one
  primary-key range per row of cells.
- Why not SQLite's R*Tree: an R*Tree insert rewrites whole nodes, 18-26 us per object on this
  machine against 2 us for these B-tree rows (100,000 boxes: 1.8-2.6 s against 0.2 s), which
  was the largest single cost of a sync pull, a push into `serve` and any import.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import DensityGrid, SpatialChange, ViewportObjects, ViewportQuery
from exact_desktop.store.sqlite import density
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.many_rows import BoundInserts, bound_inserts, column_rows, insert_columns
from exact_desktop.store.sqlite.rows import bbox_of

BOX_TYPES = (1, 6)  # vector types whose bounding box is the whole geometry
TREE_KINDS = {t.ANNOTATION_GRID: "annotations", t.RESULT_GRID: "results"}
CELL = 256  # level-0 cell side, px
TOP = 19  # the top level is a single cell holding whatever is larger than the level below's cells
_HALF = 1 << 22  # cell numbers are offset by this into 23 bits: x in bits 0-22, y in 23-45, level above
_PACKED = 1 << 31  # an (image, group) pair packs into one int64 while both ids are below this
_GRID_COLUMNS = ("band", "cell", "id", "min_x", "max_x", "min_y", "max_y", "corners")
CORNERS = np.dtype("<f4")  # of `corners`: x0, y0, x1, y1 as little-endian float32
_ROWS_APART = 64  # more rows of cells under a viewport than this: one range over the level


def cell_keys(boxes: np.ndarray) -> np.ndarray:
    """The cell of each box, boxes as rows of (min_x, max_x, min_y, max_y)."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    size = np.maximum(np.maximum(boxes[:, 1] - boxes[:, 0], boxes[:, 3] - boxes[:, 2]), 1.0)
    level = np.clip(np.ceil(np.log2(size / CELL)), 0, TOP).astype(np.int64)
    level += (CELL * np.exp2(level) < size) & (level < TOP)  # log2's rounding, either way
    side = CELL * np.exp2(level)
    cx, cy = _cells(boxes[:, 0] / side), _cells(boxes[:, 2] / side)
    top = level == TOP
    cx[top] = cy[top] = _HALF
    return np.asarray((level << 46) | (cy << 23) | cx)


def _cells(position: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(np.floor(position), -_HALF, _HALF - 1).astype(np.int64) + _HALF)


def _cell(position: float) -> int:
    return min(max(int(np.floor(position)), -_HALF), _HALF - 1) + _HALF


def _ranges(cursor: sqlite3.Cursor, tree: str, band: int, r: Rect) -> str:
    """The key ranges under `r` at the levels the band uses, as a JSON list of [low, high]."""
    low, high = cursor.execute(
        f"SELECT (SELECT min(cell) FROM {tree} WHERE band = ?), (SELECT max(cell) FROM {tree} WHERE band = ?)",
        (band, band),
    ).fetchone()
    ranges: list[tuple[int, int]] = []
    if low is None:
        return "[]"
    for level in range(low >> 46, (high >> 46) + 1):
        base = level << 46
        if level == TOP:
            ranges.append((base | _HALF << 23 | _HALF,) * 2)
            continue
        side = float(CELL << level)
        x0, x1 = _cell(r.x / side - 1), _cell(r.right / side)
        y0, y1 = _cell(r.y / side - 1), _cell(r.bottom / side)
        if y1 - y0 >= _ROWS_APART:
            ranges.append((base | y0 << 23 | x0, base | y1 << 23 | x1))
        else:
            ranges += [(base | y << 23 | x0, base | y << 23 | x1) for y in range(y0, y1 + 1)]
    return json.dumps(ranges)


class Bands:
    """Band numbers of (image, group) pairs for one tree, made on first use."""

    def __init__(self, cursor: sqlite3.Cursor, tree: str) -> None:
        self.cursor, self.tree = cursor, tree
        self._known: dict[tuple[int, int], int] = {}

    def __call__(self, image: int, group: int) -> int:
        key = (image, group)
        band = self._known.get(key)
        if band is None:
            sql = "SELECT band FROM spatial_band WHERE tree = ? AND image = ? AND grp = ?"
            row = self.cursor.execute(sql, (self.tree, image, group)).fetchone()
            if row is None:
                self.cursor.execute(
                    "INSERT INTO spatial_band (tree, image, grp) VALUES (?, ?, ?)", (self.tree, image, group)
                )
                band = int(self.cursor.lastrowid or 0)
            else:
                band = int(row[0])
            self._known[key] = band
        return band


class ChangeLog:
    """What one transaction changed in the trees, announced once it has committed."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, int, np.ndarray]] = []  # (tree, band, boxes as min_x, max_x, min_y, max_y)
        self._owners: dict[int, tuple[int, int]] = {}  # band -> (image, group), read while the band exists

    def add(self, cursor: sqlite3.Cursor, tree: str, bands: np.ndarray, boxes: np.ndarray) -> None:
        for band in np.unique(bands).tolist():
            if band not in self._owners:
                row = cursor.execute("SELECT image, grp FROM spatial_band WHERE band = ?", (band,)).fetchone()
                self._owners[band] = (int(row[0]), int(row[1]))
            self.parts.append((tree, int(band), boxes[bands == band]))

    def changes(self) -> list[SpatialChange]:
        """One change per (tree, image, group), boxes as (x0, y0, x1, y1)."""
        merged: dict[tuple[str, int], list[np.ndarray]] = {}
        for tree, band, boxes in self.parts:
            merged.setdefault((tree, band), []).append(boxes)
        found = []
        for (tree, band), pieces in merged.items():
            image, group = self._owners[band]
            joined = np.concatenate(pieces)[:, [0, 2, 1, 3]].astype(np.float32)
            found.append(SpatialChange(TREE_KINDS[tree], image, group, joined))
        return found


def index_rows(
    cursor: sqlite3.Cursor,
    tree: str,
    rows: Sequence[tuple[Any, ...]],
    scores: list[float] | None = None,
    log: ChangeLog | None = None,
) -> None:
    """rows: (id, image, group, min_x, max_x, min_y, max_y); scores of result annotations."""
    if not rows:
        return
    ids, images, groups, *sides = zip(*rows, strict=True)  # columns, without a Python step per row
    boxes = np.array(sides, np.float64).T.reshape(-1, 4)
    index_columns(cursor, tree, np.array(ids, np.int64), np.array([images, groups], np.int64), boxes, scores, log)


def index_columns(
    cursor: sqlite3.Cursor, tree: str, ids: np.ndarray, owners: np.ndarray, boxes: np.ndarray,
    scores: list[float] | None = None, log: ChangeLog | None = None,
) -> None:  # fmt: skip
    """`index_rows` from columns: ids, owners (2 rows: image, group), boxes as rows of (min_x,
    max_x, min_y, max_y)."""
    write_entries(cursor, tree, entries(ids, owners, boxes, scores), log)


@dataclass(frozen=True)
class Entries:
    """A chunk's index entries made ready to write (pure work: the bulk path makes them on its
    preparing thread), in the tree's order: the distinct (image, group) pairs and each entry's
    pair, the boxes, score buckets and the grid's columns after the band."""

    pairs: np.ndarray
    which: np.ndarray
    boxes: np.ndarray
    buckets: np.ndarray
    columns: list[list[Any]]


def entries(ids: np.ndarray, owners: np.ndarray, boxes: np.ndarray, scores: list[float] | None = None) -> Entries:
    """Entries ordered by (pair, cell), the tree's own order within a band: pages are filled one
    after another instead of all over the tree (a third of the cost at 100,000)."""
    pairs, which = _distinct_pairs(owners)
    which = which.reshape(-1)
    cells = cell_keys(boxes)
    order = np.lexsort((ids, cells, which))
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)[order]
    buckets = density.score_buckets(scores, len(ids))[order]
    columns = [cells[order].tolist(), ids[order].tolist(), *boxes.T.tolist(), corners(boxes)]
    return Entries(pairs, which[order], boxes, buckets, columns)


def corners(boxes: np.ndarray) -> list[bytes]:
    """The `corners` value of each box given as rows of (min_x, max_x, min_y, max_y)."""
    packed = np.ascontiguousarray(np.asarray(boxes, np.float64).reshape(-1, 4)[:, [0, 2, 1, 3]], CORNERS)
    return list(packed.view(f"V{4 * CORNERS.itemsize}").ravel().tolist())


def grid_inserts(tree: str, found: Entries, limit: int) -> BoundInserts | None:
    """The entries' grid rows as statements ready to run, their band bound when they run (pure
    work, for the bulk path's preparing thread); None when they fall in more than one band."""
    if len(found.pairs) != 1:
        return None
    return bound_inserts(tree, column_rows(_GRID_COLUMNS[1:], found.columns), leading=_GRID_COLUMNS[:1], limit=limit)


def write_entries(
    cursor: sqlite3.Cursor, tree: str, found: Entries, log: ChangeLog | None = None, counted: bool = True,
    ready: BoundInserts | None = None,
) -> np.ndarray:  # fmt: skip
    """The entries into the grid, the density counts (unless `counted` is False: the caller
    counts several chunks' at once) and `log`; their bands. `ready`: their `grid_inserts`."""
    if not len(found.which):
        return np.empty(0, np.int64)
    bands = Bands(cursor, tree)
    numbers = [bands(image, group) for image, group in found.pairs.tolist()]
    band_ids: np.ndarray = np.array(numbers, np.int64)[found.which]
    try:
        if ready is not None:
            ready.run(cursor, numbers)
        else:  # the common case, one band: its number bound once a statement
            band_column = [numbers[0]] * len(band_ids) if len(numbers) == 1 else band_ids.tolist()
            insert_columns(cursor, tree, column_rows(_GRID_COLUMNS, [band_column, *found.columns]))
    except sqlite3.IntegrityError as err:
        raise sqlite3.IntegrityError(f"{tree}: an object indexed twice ({err})") from None
    if counted:
        density.change(cursor, band_ids, found.buckets, found.boxes, 1)
    if log is not None:
        log.add(cursor, tree, band_ids, found.boxes)
    return band_ids


def _distinct_pairs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of `ids` (2 rows: image, group) and each column's place among them.
    Ids below 2**31 (any project's) are packed into one key a pair: unique over rows (axis=0)
    took 1.6 ms per 2,000 against 0.2 ms."""
    if ids.size and ids.min() >= 0 and ids.max() < _PACKED:
        keys, which = np.unique(ids[0] * _PACKED + ids[1], return_inverse=True)
        return np.stack([keys // _PACKED, keys % _PACKED], axis=1), which
    return np.unique(ids.T, axis=0, return_inverse=True)


def unindex(
    cursor: sqlite3.Cursor, tree: str, ids_sql: str, params: tuple[Any, ...], log: ChangeLog | None = None
) -> None:
    """Remove the entries of the ids that `ids_sql` selects (their rows must still exist)."""
    score = "o.score" if tree == t.RESULT_GRID else "NULL"
    join = "JOIN plugin_result_annotation o ON o.id = r.id" if tree == t.RESULT_GRID else ""
    found = cursor.execute(
        f"SELECT r.id, r.band, r.min_x, r.max_x, r.min_y, r.max_y, {score} FROM {tree} r {join} "
        f"WHERE r.id IN ({ids_sql})",
        params,
    ).fetchall()
    if not found:
        return
    cursor.execute(f"DELETE FROM {tree} WHERE id IN ({ids_sql})", params)
    table = np.array([row[:6] for row in found], np.float64)
    band_ids = table[:, 1].astype(np.int64)
    scores = [row[6] for row in found] if tree == t.RESULT_GRID else None
    density.change(cursor, band_ids, density.score_buckets(scores, len(found)), table[:, 2:6], -1)
    if log is not None:
        log.add(cursor, tree, band_ids, table[:, 2:6])


def index_one(
    cursor: sqlite3.Cursor, tree: str, row_id: int, image: int, group: int, vector: Any,
    score: float | None = None, log: ChangeLog | None = None,
) -> None:  # fmt: skip
    """Index one live object from its vector (nothing for one without geometry)."""
    box = bbox_of(vector)
    if box is not None:
        index_rows(cursor, tree, [(row_id, image, group, *box)], None if score is None else [score], log)


def query(cursor: sqlite3.Cursor, q: ViewportQuery) -> ViewportObjects:
    if q.entries is None:
        return _annotations(cursor, q)
    return _results(cursor, q)


def _bands(cursor: sqlite3.Cursor, tree: str, image: int, groups: tuple[int, ...] | None) -> list[tuple[int, int]]:
    sql = "SELECT band, grp FROM spatial_band WHERE tree = ? AND image = ?"
    params: list[Any] = [tree, image]
    if groups is not None:
        sql += f" AND grp IN ({','.join('?' * len(groups))})"
        params += list(groups)
    return cursor.execute(sql, params).fetchall()


# the rows of one band in the key ranges of `_ranges` (a JSON list), then the boxes that meet the viewport
_IN_BAND = "json_each(?) q CROSS JOIN {tree} r ON r.band = ? AND r.cell BETWEEN q.value ->> 0 AND q.value ->> 1"
_MEETS = "r.max_x >= ? AND r.min_x <= ? AND r.max_y >= ? AND r.min_y <= ?"


def _annotations(cursor: sqlite3.Cursor, q: ViewportQuery) -> ViewportObjects:
    bands = _bands(cursor, t.ANNOTATION_GRID, q.image, q.annotation_types)
    if not bands:
        return ViewportObjects()
    kinds = dict(cursor.execute(
        f"SELECT id, vector_type FROM annotation_type WHERE id IN ({','.join('?' * len(bands))})",
        [group for _, group in bands],
    ).fetchall())  # fmt: skip
    r = q.rect
    parts = []
    for band, group in bands:
        params = (_ranges(cursor, t.ANNOTATION_GRID, band, r), band, r.x, r.right, r.y, r.bottom)
        rows = f"FROM {_IN_BAND.format(tree=t.ANNOTATION_GRID)}"
        limit = "" if q.limit is None else f" LIMIT {int(q.limit)}"
        if kinds.get(group) in BOX_TYPES or not q.nodes:
            parts.append(_read_at_once(cursor, f"{rows} WHERE {_MEETS}{limit}", params, group))
        else:
            rows += f" CROSS JOIN annotation o ON o.id = r.id WHERE {_MEETS}{limit}"
            parts.append(_read_at_once(cursor, rows, params, group, coords="o.coords", holes=_HOLES))
    return _joined(parts)


def _results(cursor: sqlite3.Cursor, q: ViewportQuery) -> ViewportObjects:
    bands = _bands(cursor, t.RESULT_GRID, q.image, q.entries)
    r = q.rect
    parts = []
    for band, _entry in bands:
        rows = (
            f"FROM {_IN_BAND.format(tree=t.RESULT_GRID)} CROSS JOIN plugin_result_annotation o ON o.id = r.id "
            f"WHERE {_MEETS} AND o.score >= ?"
        )
        params: list[Any] = [_ranges(cursor, t.RESULT_GRID, band, r), band, r.x, r.right, r.y, r.bottom, q.min_score]
        if q.annotation_types is not None:
            rows += f" AND o.annotation_type IN ({','.join('?' * len(q.annotation_types))})"
            params += list(q.annotation_types)
        shapes = {"coords": "o.coords", "holes": _HOLES} if q.nodes else {}
        parts.append(_read_at_once(cursor, rows, params, None, kinds="o.annotation_type", scores="o.score", **shapes))
    return _joined(parts)


# Every column of the rows as one value: the whole query runs inside a single sqlite3_step.
# Python's sqlite3 lets go of the GIL around each step and must win it back for the next, so a
# row-by-row fetch beside any busy Python thread (the window painting, another tile) crawls:
# 11,651 polygons took 36 ms alone and 10 s beside one spinning thread; read this way, 76 ms.
# Each aggregate reads one column the rows select (kind, score, coords, holes), left out (NULL)
# when the query has every row NULL there: an annotation's kind and score, a box's coords.
_AT_ONCE = "SELECT count(*), group_concat(id), CAST(group_concat(corners, '') AS BLOB), {read} FROM ({rows})"
_AGGREGATES = (
    ("kind", "group_concat(kind)"),
    ("score", "group_concat(ifnull(score, 'nan'))"),
    ("coords", "group_concat(ifnull(length(coords), 0))"),
    ("coords", "CAST(group_concat(coords, '') AS BLOB)"),
    ("holes", "group_concat(holes, char(30))"),
)
# a polygon's holes as 'id:[[[x, y], ...], ...]', NULL (left out of group_concat) for the many
# without: the cheap instr() spares parsing the JSON of every row that has no holes
_HOLES = "CASE WHEN instr(o.meta_data, '\"holes\"') THEN r.id || ':' || (o.meta_data ->> '$.holes') END"


def _read_at_once(
    cursor: sqlite3.Cursor, rows: str, params: Any, kind: int | None, *, kinds: str | None = None,
    scores: str | None = None, coords: str | None = None, holes: str | None = None,
) -> ViewportObjects:  # fmt: skip
    """The objects of `rows` (the FROM and WHERE of grid entries `r`) as arrays: ids and corners,
    and the kinds, scores, coords and holes whose SQL a row is given (None: NULL for every row).
    `kind`: the type every row has (one annotation band, whose rows give no kinds)."""
    given = {"kind": kinds, "score": scores, "coords": coords, "holes": holes}
    select = ", ".join(["r.id AS id", "r.corners AS corners", *(f"{v} AS {k}" for k, v in given.items() if v)])
    read = ", ".join(sql if given[column] else "NULL" for column, sql in _AGGREGATES)
    row = cursor.execute(_AT_ONCE.format(read=read, rows=f"SELECT {select} {rows}"), params).fetchone()
    n = int(row[0])
    if n == 0:
        return ViewportObjects()
    ids, corners_read, kinds_read, scores_read, lengths, blob, holes_read = row[1:]
    if len(corners_read) != n * 4 * CORNERS.itemsize:
        raise sqlite3.DatabaseError("spatial index entries without their corners")

    def numbers(text: str, dtype: type) -> np.ndarray:
        return np.fromstring(text, dtype=dtype, sep=",")

    bboxes = np.frombuffer(corners_read, CORNERS).astype(np.float32).reshape(n, 4)
    blob_bytes = numbers(lengths, np.int64) if lengths is not None else np.zeros(n, np.int64)
    has_blob = blob_bytes > 0
    counts = np.where(has_blob, blob_bytes // 8, 2)  # boxes carry no coords: their corners are their box
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    nodes = np.empty((int(offsets[-1]), 2), np.float32)
    if has_blob.any():
        nodes[np.repeat(has_blob, counts)] = np.frombuffer(blob, "<f4").reshape(-1, 2)
    if not has_blob.all():
        starts = offsets[:-1][~has_blob]
        nodes[starts], nodes[starts + 1] = bboxes[~has_blob, :2], bboxes[~has_blob, 2:]
    return ViewportObjects(
        ids=numbers(ids, np.int64),
        types=np.full(n, kind, np.int32) if kinds_read is None else numbers(kinds_read, np.int32),
        bboxes=bboxes,
        scores=np.full(n, np.nan, np.float32) if scores_read is None else numbers(scores_read, np.float32),
        offsets=offsets,
        nodes=nodes,
        holes=_holes(holes_read),
    )


def _holes(text: str | None) -> dict[int, list[np.ndarray]]:
    """The hole rings of `_HOLES`'s rows, by object id (rings of fewer than 3 nodes left out)."""
    found: dict[int, list[np.ndarray]] = {}
    for item in text.split("\x1e") if text else []:
        object_id, rings = item.split(":", 1)
        kept = [ring for ring in map(_ring, json.loads(rings) or []) if ring is not None]
        if kept:
            found[int(object_id)] = kept
    return found


def _ring(nodes: Any) -> np.ndarray | None:
    """A hole's nodes as an (n, 2) array; None for fewer than 3 or for anything not x, y pairs."""
    try:
        ring = np.asarray(nodes, np.float32)
    except (TypeError, ValueError):
        return None
    return ring if ring.ndim == 2 and ring.shape[0] >= 3 and ring.shape[1] == 2 else None


def _joined(parts: list[ViewportObjects]) -> ViewportObjects:
    parts = [part for part in parts if len(part)]
    if len(parts) <= 1:
        return parts[0] if parts else ViewportObjects()
    starts = np.cumsum([0] + [len(part.nodes) for part in parts[:-1]])
    return ViewportObjects(
        ids=np.concatenate([part.ids for part in parts]),
        types=np.concatenate([part.types for part in parts]),
        bboxes=np.concatenate([part.bboxes for part in parts]),
        scores=np.concatenate([part.scores for part in parts]),
        offsets=np.concatenate([[0], *[part.offsets[1:] + start for part, start in zip(parts, starts, strict=True)]]),
        nodes=np.concatenate([part.nodes for part in parts]),
        holes={object_id: rings for part in parts for object_id, rings in part.holes.items()},
    )


def density_grid(cursor: sqlite3.Cursor, q: ViewportQuery) -> DensityGrid:
    """Counts per cell under q.rect, per score bucket for results (all buckets: the caller thresholds)."""
    tree = t.ANNOTATION_GRID if q.entries is None else t.RESULT_GRID
    groups = q.annotation_types if q.entries is None else q.entries
    bands = [band for band, _ in _bands(cursor, tree, q.image, groups)]
    buckets = 1 if q.entries is None else density.BUCKETS
    r = q.rect
    c0, r0, counts = density.read(cursor, bands, r.x, r.y, r.right, r.bottom, buckets)
    return DensityGrid(density.CELL, c0, r0, counts)


def typical_size(cursor: sqlite3.Cursor, q: ViewportQuery, sample: int = 256) -> float:
    """The median longer side of some objects of the query's groups (0 when there are none)."""
    tree = t.ANNOTATION_GRID if q.entries is None else t.RESULT_GRID
    groups = q.annotation_types if q.entries is None else q.entries
    sides: list[float] = []
    for band, _ in _bands(cursor, tree, q.image, groups):
        sides += [row[0] for row in cursor.execute(
            f"SELECT max(r.max_x - r.min_x, r.max_y - r.min_y) FROM {tree} r WHERE r.band = ? LIMIT ?", (band, sample)
        )]  # fmt: skip
    return float(np.median(sides)) if sides else 0.0
