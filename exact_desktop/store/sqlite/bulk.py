"""Bulk creation in one transaction: the path for imports, plugin results and sync.

Annotations and result annotations skip SQLAlchemy's per-row work (a million boxes must go
in within seconds): rows are validated and encoded a chunk at a time and handed to SQLite in
multi-row statements, and the spatial index rows go in the same transaction. Ids are handed out after
max(id): the transaction holds the write lock (BEGIN IMMEDIATE), so no other writer can take
them. A batch of one chunk (a server's list create) can be checked and encoded before the
lock is taken (`prepare`), so one request's Python work overlaps another's SQLite work.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, insert

from exact_desktop.model import entities as e
from exact_desktop.store.annotation_columns import AnnotationColumns
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite import density, spatial
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.column_chunk import batch_columns, chunk_columns, result_columns
from exact_desktop.store.sqlite.hand_over import quick_hand_over
from exact_desktop.store.sqlite.many_rows import BoundInserts, bound_inserts, column_rows
from exact_desktop.store.sqlite.prepared import Prepared
from exact_desktop.store.sqlite.rows import LINKS, checked_all, column_values, dumps, geometry, normalised, table_of
from exact_desktop.store.sqlite.tables import to_iso
from exact_desktop.store.sqlite.validation import AnnotationTypes

T = TypeVar("T")
CHUNK = 16_384  # rows prepared at a time: whole statements of BULK_ROWS
FIRST_CHUNK = 4_096  # the first: the writing thread waits for it alone, so it is small
GRID_GROUP = 100_000  # index entries sorted and written together (their lists cost about 200 bytes an entry)
SET_BASED_OUTBOX_FROM = 200  # rows; below that the trigger costs less than the schema change


@dataclass(frozen=True)
class Ready:
    """A batch of one chunk checked and encoded outside the write transaction, and the
    annotation types it was checked against (if they changed meanwhile, it is done again)."""

    entities: list[Any]
    prepared: Prepared
    types: dict[int, tuple[int, int]]


def preparable(entities: list[Any]) -> bool:
    """Annotations or result annotations of at most one chunk: what `prepare` takes (anything
    else is prepared inside the write transaction)."""
    return bool(entities) and type(entities[0]) in _PREPARERS and len(entities) <= CHUNK


def prepare(conn: Connection, entities: list[Any]) -> Ready:
    """`entities` (`preparable`) checked and encoded ahead of their write."""
    types = AnnotationTypes(conn)
    return Ready(entities, _PREPARERS[type(entities[0])](types)(entities), types.known)


def bulk_insert(
    conn: Connection, cursor: sqlite3.Cursor, entities: list[Any], log: spatial.ChangeLog | None = None,
    ready: Ready | None = None,
) -> list[int]:  # fmt: skip
    """`ready`, if given, is `entities` prepared: used when the types it was checked against are unchanged."""
    kind = type(entities[0])
    table = table_of(kind)
    first = cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{table.name}"').fetchone()[0]
    ids = list(range(first, first + len(entities)))
    try:
        if kind is e.Annotation:
            with _outbox_in_one_statement(cursor, ids):
                _pipeline(cursor, "annotation", t.ANNOTATION_COLUMNS_SQL, t.ANNOTATION_GRID,
                          *_preparer(conn, entities, ready), entities, ids, log)  # fmt: skip
        elif kind is e.PluginResultAnnotation:
            _pipeline(cursor, "plugin_result_annotation", t.RESULT_COLUMNS_SQL, t.RESULT_GRID,
                      *_preparer(conn, entities, ready), entities, ids, log)  # fmt: skip
        else:
            conn.execute(insert(table), [{**column_values(x), "id": i} for x, i in zip(entities, ids, strict=True)])
            if kind in LINKS:
                field, link, owner, member = LINKS[kind]
                pairs = [
                    {owner: i, member: m} for x, i in zip(entities, ids, strict=True) for m in set(getattr(x, field))
                ]
                if pairs:
                    conn.execute(insert(link), pairs)
    except sqlite3.IntegrityError as err:
        raise StoreError(f"bulk create of {len(entities)} {kind.__name__} refused, nothing written: {err}") from None
    return ids


def insert_annotation_columns(
    conn: Connection, cursor: sqlite3.Cursor, batch: AnnotationColumns, log: spatial.ChangeLog | None = None
) -> list[int]:
    """`bulk_insert` of new annotations given as columns: a chunk of boxes or polygons goes in
    as it came, any other (points, lines, polygons with holes) as objects. The rows are written,
    and numbered, in UUID order, so the (image, UUID) index takes them in its own order instead
    of all over its pages (an import's UUIDs are hashes): 100,000 polygons onto an image of
    1,000,000 boxes, 0.30 s of SQLite's time against 0.63 (loaded machine). Numbering them in the
    batch's order instead scatters the id tree's writes: 1.65 s. The ids are returned in the
    batch's order."""
    first = cursor.execute('SELECT coalesce(max(id), 0) + 1 FROM "annotation"').fetchone()[0]
    order = np.argsort(np.array(batch.unique_identifiers), kind="stable")
    written = list(range(first, first + len(batch)))
    types = AnnotationTypes(conn)
    as_objects = _annotation_rows(types)

    def prepare(chunk: AnnotationColumns) -> Prepared:
        return batch_columns(chunk, types.known) or as_objects(chunk.annotations())

    try:
        with _outbox_in_one_statement(cursor, written):
            _pipeline(cursor, "annotation", t.ANNOTATION_COLUMNS_SQL, t.ANNOTATION_GRID, prepare, FIRST_CHUNK,
                      batch.rows(order), written, log)  # fmt: skip
    except sqlite3.IntegrityError as err:
        raise StoreError(f"bulk create of {len(batch)} annotations refused, nothing written: {err}") from None
    _all_stored(cursor, written, len(batch))
    return (first + np.argsort(order)).tolist()  # type: ignore[no-any-return]


def _all_stored(cursor: sqlite3.Cursor, ids: list[int], sent: int) -> None:
    """The rows the batch was given, counted in the table before the transaction ends: fewer
    (a trigger that skips rows, say) refuse the batch, so nothing is written. A range of row
    ids, not the image's rows: 100,000 of them take milliseconds where the image may hold millions."""
    sql = 'SELECT count(*) FROM "annotation" WHERE id BETWEEN ? AND ?'
    (stored,) = cursor.execute(sql, (ids[0], ids[-1])).fetchone()
    if stored != sent:
        raise StoreError(f"bulk create of {sent} annotations refused, nothing written: {stored:,} of them were stored")


@contextlib.contextmanager
def _outbox_in_one_statement(cursor: sqlite3.Cursor, ids: list[int]) -> Iterator[None]:
    """For a large batch, the insert trigger of migration 0007 is dropped inside this transaction
    and made again from its own text before the transaction ends; the outbox rows it would have
    written go in by one statement with the same condition. An insert trigger, even one that does
    nothing, makes SQLite give up its fast path for the table's indexes: measured on 100,000 boxes
    with the annotation table's five indexes, 1.83 s with the trigger (held off or not) and 0.54 s
    without. The schema change costs every other connection one schema read (about 0.4 ms)."""
    trigger = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'sync_outbox_insert'"
    ).fetchone()
    if len(ids) < SET_BASED_OUTBOX_FROM or trigger is None:
        yield  # small: the trigger's own business
        return
    from_server = cursor.execute("SELECT 1 FROM sync_applying").fetchone() is not None
    cursor.execute("DROP TRIGGER sync_outbox_insert")
    try:
        yield
    finally:
        cursor.execute(trigger[0])
    if not from_server:
        cursor.execute(
            "INSERT OR IGNORE INTO sync_outbox (annotation) SELECT a.id FROM annotation a "
            "JOIN image i ON i.id = a.image JOIN sync_image_set s ON s.image_set = i.image_set "
            "WHERE a.id BETWEEN ? AND ?",
            (ids[0], ids[-1]),
        )


def _pipeline(
    cursor: sqlite3.Cursor, table: str, columns_sql: str, tree: str,
    prepare: Callable[[Any], Prepared], first: int, entities: list[Any] | AnnotationColumns, ids: list[int],
    log: spatial.ChangeLog | None,
) -> None:  # fmt: skip
    """Chunk by chunk, the rows in multi-row statements (many_rows.py: no GIL hand-over per row).
    The next chunk is prepared on a second thread meanwhile: SQLite lets go of the GIL while it
    steps, so on two cores a chunk's Python work (checks, encoding) overlaps the SQLite work of
    the one before. The index entries of up to GRID_GROUP rows are sorted together (on that
    thread too) and written after their rows: sorted over 100,000 instead of each 20,000, the
    grid's pages take several entries a visit (1,000,000 entries: 2.9 s of SQLite against 4.0).
    `prepare` reads nothing from the database: it runs apart from the cursor; `first` is the size
    of the first chunk."""
    names = columns_sql.split(", ")
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    def ready(start: int, end: int) -> tuple[BoundInserts, _Places]:
        chunk = prepare(entities[start:end])
        chunk_ids = ids[start:end]
        rows = bound_inserts(table, column_rows(names, [chunk_ids, *chunk.columns]), limit=limit)
        owned = np.asarray(chunk_ids, np.int64)[chunk.positions]
        return rows, _Places(owned, chunk.owners, chunk.boxes, chunk.scores)

    def entries_ready(parts: list[_Places]) -> tuple[spatial.Entries, BoundInserts | None]:
        scores = None if parts[0].scores is None else [s for part in parts for s in part.scores or ()]
        found = spatial.entries(
            np.concatenate([part.ids for part in parts]), np.concatenate([part.owners for part in parts], axis=1),
            np.concatenate([part.boxes for part in parts]), scores,
        )  # fmt: skip
        return found, spatial.grid_inserts(tree, found, limit)

    counts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # every group's, counted at the end

    def write(group: Future[tuple[spatial.Entries, BoundInserts | None]]) -> None:
        found, grid = group.result()
        counts.append((spatial.write_entries(cursor, tree, found, log, counted=False, ready=grid), found.buckets,
                       found.boxes))  # fmt: skip

    bounds = _chunks(len(entities), first)
    with ThreadPoolExecutor(1) if len(bounds) > 1 else contextlib.nullcontext() as ahead, quick_hand_over():
        upcoming = _later(ahead, ready, *bounds[0])
        parts: list[_Places] = []
        groups: list[Future[tuple[spatial.Entries, BoundInserts | None]]] = []
        for k, (_, end) in enumerate(bounds):
            rows, places = upcoming.result()
            if end < len(entities):
                upcoming = _later(ahead, ready, *bounds[k + 1])
            parts.append(places)
            if end >= len(entities) or sum(len(part.ids) for part in parts) >= GRID_GROUP:
                groups.append(_later(ahead, entries_ready, parts))
                parts = []
            rows.run(cursor)
            while len(groups) > 1 or (groups and groups[0].done()):  # written as they are ready: memory stays bounded
                write(groups.pop(0))
        for group in groups:
            write(group)
    bands, buckets, boxes = (np.concatenate(column) for column in zip(*counts, strict=True))
    density.change(cursor, bands, buckets, boxes, 1)


def _chunks(count: int, first: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk of `count` rows: `first` rows first (small, so the writing thread
    starts as soon as it can: the first chunk's preparation is the one nothing overlaps), then CHUNK each."""
    starts = [0, *range(min(first, CHUNK, count), count, CHUNK)]
    return list(zip(starts, [*starts[1:], count], strict=True))


@dataclass(frozen=True)
class _Places:
    """A chunk's rows with geometry: their ids, owners (2 rows: image, group), boxes, scores."""

    ids: np.ndarray
    owners: np.ndarray
    boxes: np.ndarray
    scores: list[float] | None


def _later(ahead: ThreadPoolExecutor | None, work: Callable[..., T], *args: Any) -> Future[T]:
    """`work(*args)` done on the second thread (its failure raised when its result is taken), or here."""
    if ahead is not None:
        return ahead.submit(work, *args)
    done: Future[T] = Future()
    done.set_result(work(*args))
    return done


def _preparer(
    conn: Connection, entities: list[Any], ready: Ready | None
) -> tuple[Callable[[list[Any]], Prepared], int]:
    """What prepares each chunk, and the first chunk's size: a ready batch is taken as it is, as
    one chunk, while the types are still the ones it was checked against."""
    types = AnnotationTypes(conn)
    if ready is not None and ready.entities is entities and ready.types == types.known:
        return (lambda _items: ready.prepared), len(entities)
    return _PREPARERS[type(entities[0])](types), FIRST_CHUNK


def _annotation_rows(types: AnnotationTypes) -> Callable[[list[e.Annotation]], Prepared]:
    iso = functools.lru_cache(maxsize=64)(to_iso)  # a batch's rows mostly share one or a few times

    def prepare(items: list[e.Annotation]) -> Prepared:
        columns = chunk_columns(items, types.known)
        if columns is not None:
            return columns
        rows, entries = [], []
        items = [normalised(a) for a in items]
        checked_all(items, lambda a: f"annotation {a.unique_identifier}")
        for position, a in enumerate(items):
            types.check(a.annotation_type, a.vector, f"annotation {a.unique_identifier}")
            coords, box = geometry(a.vector)
            coords = _kept(types, a.annotation_type, coords)
            created = iso(a.time)
            edited = created if a.last_edit_time == a.time else iso(a.last_edit_time)
            rows.append((
                a.annotation_type, a.image, dumps(a.vector), coords, a.unique_identifier, a.deleted,
                a.description, dumps(a.meta_data), a.user, a.last_editor, created, edited, a.concealed,
                a.blurred, a.generated, a.remote_id,
            ))  # fmt: skip
            if box is not None and not a.deleted:
                entries.append((position, a.image, a.annotation_type, *box))
        return Prepared.of_rows(rows, entries, None)

    return prepare


def _result_rows(types: AnnotationTypes) -> Callable[[list[e.PluginResultAnnotation]], Prepared]:
    def prepare(items: list[e.PluginResultAnnotation]) -> Prepared:
        columns = result_columns(items, types.known)
        if columns is not None:
            return columns
        rows, entries, scores = [], [], []
        items = [normalised(r) for r in items]
        checked_all(items, lambda r: f"result annotation {r.unique_identifier}")
        for position, r in enumerate(items):
            types.check(r.annotation_type, r.vector, f"result annotation {r.unique_identifier}")
            coords, box = geometry(r.vector)
            coords = _kept(types, r.annotation_type, coords)
            rows.append((
                r.annotation_type, r.pluginresultentry, r.image, dumps(r.vector), coords,
                float(r.score), dumps(r.meta_data), r.unique_identifier, to_iso(r.time), r.remote_id,
            ))  # fmt: skip
            if box is not None:
                entries.append((position, r.image, r.pluginresultentry, *box))
                scores.append(float(r.score))
        return Prepared.of_rows(rows, entries, scores)

    return prepare


def _kept(types: AnnotationTypes, kind: int, coords: bytes | None) -> bytes | None:
    """None for a box type's: its index entry holds its corners (column_chunk.Geometry)."""
    return None if types.known[kind][0] in spatial.BOX_TYPES else coords


_PREPARERS: dict[type, Callable[[AnnotationTypes], Callable[[list[Any]], Prepared]]] = {
    e.Annotation: _annotation_rows,
    e.PluginResultAnnotation: _result_rows,
}
