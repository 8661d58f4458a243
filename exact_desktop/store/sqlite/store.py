"""The local mirror: a Store over one SQLite file (one project)."""

from __future__ import annotations

import builtins
import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, delete, func, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError

from exact_desktop.model import entities as e
from exact_desktop.model.values import INT_MAX, INT_MIN, canonical_uuid
from exact_desktop.store.annotation_columns import AnnotationColumns
from exact_desktop.store.base import (
    DensityGrid,
    NotFoundError,
    SpatialChange,
    Store,
    StoreError,
    ViewportObjects,
    ViewportQuery,
)
from exact_desktop.store.many_objects import gc_paused
from exact_desktop.store.sqlite import spatial
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.annotation_batch import VERSIONED_FIELDS, update_annotations, write_versions
from exact_desktop.store.sqlite.bulk import bulk_insert, insert_annotation_columns, preparable, prepare
from exact_desktop.store.sqlite.carried_decisions import carry_decisions
from exact_desktop.store.sqlite.engine import checkpoint_passive, make_engine, reading, write
from exact_desktop.store.sqlite.json_pages import annotation_page_json
from exact_desktop.store.sqlite.outside_writes import OutsideWrites
from exact_desktop.store.sqlite.rows import (
    CASCADED_BANDS,
    CASCADED_FILES,
    CASCADED_SPATIAL,
    LINKS,
    SPATIAL,
    SPATIAL_GROUP,
    column_values,
    entity_from_row,
    normalised,
    table_of,
)
from exact_desktop.store.sqlite.schema import upgrade
from exact_desktop.store.sqlite.validation import AnnotationTypes

E = TypeVar("E")
T = TypeVar("T")
_VERSIONED_FIELDS = VERSIONED_FIELDS
# image sets of up to this many images are listed as merged per-image branches; SQLite allows
# 500 parts in one compound SELECT, and the merge's tree of comparisons deepens with each
MERGED_IMAGES = 64
LATE_CHECKPOINT_FROM = 10_000  # rows of one bulk write
# fields whose change moves an object in (or out of) the spatial index
_SPATIAL_FIELDS = ("vector", "annotation_type", "deleted", "score", "image", "pluginresultentry")


def driver_cursor(conn: Connection) -> sqlite3.Cursor:
    return cast(sqlite3.Connection, conn.connection.driver_connection).cursor()


class SqliteStore(Store):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.path)
        upgrade(self.engine, self.path)
        self._outside: OutsideWrites | None = None
        self._checkpoints: ThreadPoolExecutor | None = None  # after large writes, off their path

    def outside_writes(self) -> OutsideWrites:
        """Asks whether another process wrote to the file since (for a window that shows it)."""
        if self._outside is None:
            self._outside = OutsideWrites(self.path)
        return self._outside

    @property
    def bitmap_folder(self) -> Path:
        """Result bitmaps live in files beside the database, named in their rows."""
        return self.path.with_name(self.path.name + ".bitmaps")

    def close(self) -> None:
        if self._outside is not None:
            self._outside.close()
        if self._checkpoints is not None:
            self._checkpoints.shutdown(wait=True)
        self.engine.dispose()

    # --- reads ------------------------------------------------------------------------------
    def list(self, kind: type[E], limit: int | None = None, offset: int = 0, **filters: Any) -> list[E]:
        """In id order. A page deep in a large table is found by its ids first (a sort of ids
        from an index), then read: sorting whole rows to skip most of them cost 100+ ms a page."""
        table = table_of(kind)
        where = self._where(table, filters)
        order = id_order(table, filters)
        with reading(self.engine) as conn:
            if offset:
                ids = select(table.c.id).where(*where).order_by(order).offset(offset)
                ids = ids.limit(limit) if limit is not None else ids
                selected = select(table).where(table.c.id.in_(ids.scalar_subquery())).order_by(table.c.id)
                rows = conn.execute(selected).fetchall()
            else:
                statement = select(table).where(*where).order_by(order)
                rows = conn.execute(statement.limit(limit) if limit is not None else statement).fetchall()
            links = self._links(conn, kind, [row.id for row in rows])
        return [entity_from_row(kind, row, links.get(row.id)) for row in rows]

    def count(self, kind: type[Any], **filters: Any) -> int:
        table = table_of(kind)
        with reading(self.engine) as conn:
            return int(
                conn.execute(select(func.count()).select_from(table).where(*self._where(table, filters))).scalar_one()
            )

    def annotation_page_json(
        self, shape: dict[str, str], constants: dict[str, Any], limit: int, offset: int = 0, **filters: Any
    ) -> tuple[bytes, int]:
        """A page of annotations as JSON text written by SQLite (see json_pages.py), and how
        many annotations the filters select, from one snapshot."""
        where = self._where(t.annotation, filters)
        images = sorted(set(filters.get("image__in", ())))
        branches = [where]
        if 1 < len(images) <= MERGED_IMAGES and not by_uuid(filters):  # an id-ordered branch per image
            rest = {name: value for name, value in filters.items() if name != "image__in"}
            branches = [self._where(t.annotation, {**rest, "image": image}) for image in images]
        with reading(self.engine) as conn:
            order = id_order(t.annotation, filters)
            body = annotation_page_json(conn, branches, shape, constants, limit, offset, order)
            count = conn.execute(select(func.count()).select_from(t.annotation).where(*where)).scalar_one()
        return body, int(count)

    def get(self, kind: type[E], id: int) -> E:
        with reading(self.engine) as conn:
            return self._get(conn, kind, id)

    def ids_by(
        self, kind: type[Any], field: str, values: Sequence[int], **filters: Any
    ) -> dict[int, builtins.list[int]]:
        """Ids of `kind` grouped by `field` (EXACT's reverse lists: an image's annotations, ...)."""
        table = table_of(kind)
        found: dict[int, list[int]] = {value: [] for value in values}
        if not values:
            return found
        statement = (
            select(table.c[field], table.c.id)
            .where(table.c[field].in_(list(values)), *self._where(table, filters))
            .order_by(table.c.id)
        )
        with reading(self.engine) as conn:
            for owner, row_id in conn.execute(statement):
                found[owner].append(row_id)
        return found

    def linked(self, kind: type[Any], field: str, values: Sequence[int]) -> dict[int, builtins.list[int]]:
        """For link tables: owners of each member (a product's image sets, a type's plugins)."""
        for owner_kind, (link_field, link, owner, member) in LINKS.items():
            if owner_kind is kind and link_field == field:
                found: dict[int, list[int]] = {value: [] for value in values}
                statement = select(link.c[member], link.c[owner]).where(link.c[member].in_(list(values)))
                with reading(self.engine) as conn:
                    for member_id, owner_id in conn.execute(statement):
                        found[member_id].append(owner_id)
                return found
        raise StoreError(f"{kind.__name__}.{field} is not a link")

    def password_hash(self, user_id: int) -> str | None:
        with reading(self.engine) as conn:
            return conn.execute(select(t.user.c.password_hash).where(t.user.c.id == user_id)).scalar()

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        write(
            self.engine,
            lambda conn: conn.execute(update(t.user).where(t.user.c.id == user_id).values(password_hash=password_hash)),
        )

    def viewport(self, query: ViewportQuery) -> ViewportObjects:
        with self.engine.connect() as conn:
            return spatial.query(driver_cursor(conn), query)

    def density(self, query: ViewportQuery) -> DensityGrid:
        with self.engine.connect() as conn:
            return spatial.density_grid(driver_cursor(conn), query)

    def typical_size(self, query: ViewportQuery) -> float:
        with self.engine.connect() as conn:
            return spatial.typical_size(driver_cursor(conn), query)

    # --- writes -----------------------------------------------------------------------------
    def create(self, entity: E) -> E:
        kind = type(entity)
        if kind is e.Annotation:
            return self._write(lambda conn: self._upsert_annotation(conn, entity))  # type: ignore[arg-type,return-value]
        return self._write(lambda conn: self._insert(conn, entity))

    def update(self, kind: type[E], id: int, **changes: Any) -> E:
        return self._write(lambda conn: self._update(conn, kind, id, changes))

    def update_with(self, kind: type[E], id: int, change: Callable[[E], dict[str, Any]]) -> E:
        """`change(row)`'s fields written in the transaction that read the row: for a change that
        depends on what is stored (a job's state), which no other write may slip in between."""
        return self._write(lambda conn: self._update(conn, kind, id, change(self._get(conn, kind, id))))

    def update_many(self, kind: type[E], changes: dict[int, dict[str, Any]]) -> builtins.list[E]:
        if not changes:
            return []
        if kind is e.Annotation:
            for id in changes:
                _existing_id(kind, id)

            def batch(conn: Connection) -> builtins.list[E]:
                with self._integrity("cannot update annotations"):
                    return update_annotations(conn, driver_cursor(conn), changes, spatial_log(conn))  # type: ignore[return-value]

            return self._write(batch)
        return self._write(lambda conn: [self._update(conn, kind, id, dict(c)) for id, c in changes.items()])

    def change_and_create(self, changes: dict[int, dict[str, Any]], created: Sequence[Any]) -> builtins.list[int]:
        for id in changes:
            _existing_id(e.Annotation, id)

        def work(conn: Connection) -> builtins.list[int]:
            cursor, log = driver_cursor(conn), spatial_log(conn)
            with self._integrity("cannot update annotations"):
                if changes:
                    update_annotations(conn, cursor, changes, log)
                return bulk_insert(conn, cursor, list(created), log) if created else []

        return self._write(work)

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in one write transaction (retried whole when the file is busy), for the
        store's own helpers that write several tables at once (the sync ledger)."""
        return self._write(work)

    def _write(self, work: Callable[[Connection], T], rows: int = 0) -> T:
        """One write transaction; what it moved in the spatial trees is announced after the commit.
        A write of `LATE_CHECKPOINT_FROM` rows or more returns before the WAL is copied into the
        file: that checkpoint runs next, on the store's own thread (100,000 polygons leave 76 MB
        of WAL: 0.2-0.4 s, mostly waiting on the disk, which the commit used to take)."""
        found: builtins.list[SpatialChange] = []

        def run(conn: Connection) -> T:
            log = conn.info["spatial_log"] = spatial.ChangeLog()
            try:
                result = work(conn)
                found[:] = log.changes()
                return result
            finally:
                conn.info.pop("spatial_log", None)

        later = rows >= LATE_CHECKPOINT_FROM
        result = write(self.engine, run, checkpoint=not later)
        if later:
            self._checkpoints = self._checkpoints or ThreadPoolExecutor(1, thread_name_prefix="checkpoint")
            self._checkpoints.submit(checkpoint_passive, self.engine)
        if self._outside is not None:
            self._outside.ours()
        if found:
            self.changed.send(self, changes=found)
        return result

    def delete(self, kind: type[Any], id: int) -> None:
        self.delete_many(kind, [id])

    def delete_many(self, kind: type[Any], ids: Sequence[int]) -> None:
        """All of them in one transaction, or none: an id that does not exist deletes nothing.
        Bitmap files the rows took with them go once the transaction has committed."""
        if kind is e.Annotation:  # soft, as EXACT's web client does; the history keeps them
            self.update_many(kind, {id: {"deleted": True} for id in dict.fromkeys(ids)})
            return
        self.delete_chosen(lambda conn: [(kind, ids)])

    def delete_chosen(self, choose: Callable[[Connection], Sequence[tuple[type, Sequence[int]]]]) -> None:
        """Deletes what `choose(conn)` picks, (kind, ids) in turn, in the transaction that it read
        them in (and wrote what goes with the deletes, if anything): all or none, and nothing
        picked changes between the reading and the deleting (records that mean something only
        together: a plugin test's and the types made for it)."""
        files: builtins.list[str] = []

        def work(conn: Connection) -> None:
            files.clear()  # a retried transaction starts again
            for kind, ids in choose(conn):
                for id in dict.fromkeys(ids):
                    files.extend(self._delete(conn, kind, id))

        self._write(work)
        for name in files:
            (self.bitmap_folder / name).unlink(missing_ok=True)

    def create_with(
        self, entities: Sequence[Any], then: Callable[[Connection, builtins.list[Any]], None]
    ) -> builtins.list[Any]:
        """The entities, of any kinds but annotations (which `create` upserts) and in order, and
        what `then(conn, created)` writes with them, in one transaction: records that mean
        something only together."""

        def work(conn: Connection) -> builtins.list[Any]:
            created = [self._insert(conn, entity) for entity in entities]
            then(conn, created)
            return created

        return self._write(work)

    def move_job_results(
        self, job_id: int, job_changes: dict[str, Any], set_aside: bool = False, relink: Sequence[int] = (),
        drop: Sequence[int] = (), carry: bool = False,
    ) -> e.PluginJob:  # fmt: skip
        files: builtins.list[str] = []
        result = t.plugin_result

        def work(conn: Connection) -> e.PluginJob:
            files.clear()  # a retried transaction starts again
            changes = dict(job_changes)
            if carry:
                carry_decisions(driver_cursor(conn), job_id, list(dict.fromkeys(drop)))
            for id in dict.fromkeys(drop):
                if conn.execute(select(result.c.id).where(result.c.id == id)).first() is not None:
                    files.extend(self._delete(conn, e.PluginResult, id))
            if set_aside:
                held = select(result.c.id).where(result.c.job == job_id).order_by(result.c.id)
                changes["set_aside"] = list(conn.execute(held).scalars())
                conn.execute(update(result).where(result.c.job == job_id).values(job=None))
            if relink:
                conn.execute(update(result).where(result.c.id.in_(list(relink))).values(job=job_id))
            return self._update(conn, e.PluginJob, job_id, changes)

        job = self._write(work)
        for name in files:
            (self.bitmap_folder / name).unlink(missing_ok=True)
        return job

    def _delete(self, conn: Connection, kind: type[Any], id: int) -> builtins.list[str]:
        """Deletes one row; the bitmap files that went with it, to remove after the commit."""
        if kind is e.Annotation:  # soft, as EXACT's web client does; the history keeps it
            self._update(conn, e.Annotation, id, {"deleted": True})
            return []
        _existing_id(kind, id)
        table = table_of(kind)
        cursor = driver_cursor(conn)
        files = [row[0] for sql in CASCADED_FILES.get(kind, []) for row in cursor.execute(sql, (id,)).fetchall()]
        # index rows of what the cascade takes, found before the rows are gone
        for tree, doomed in CASCADED_SPATIAL.get(kind, []):
            spatial.unindex(cursor, tree, doomed, (id,), spatial_log(conn))
        if kind in SPATIAL:
            spatial.unindex(cursor, SPATIAL[kind], "?", (id,), spatial_log(conn))
        if kind in CASCADED_BANDS:  # emptied above; left, they would pile up with every result set removed
            tree, groups = CASCADED_BANDS[kind]
            bands = f"SELECT band FROM spatial_band WHERE tree = ? AND grp IN ({groups})"
            cursor.execute(f"DELETE FROM spatial_density WHERE band IN ({bands})", (tree, id))
            cursor.execute(f"DELETE FROM spatial_band WHERE band IN ({bands})", (tree, id))
        if conn.execute(delete(table).where(table.c.id == id)).rowcount == 0:
            raise NotFoundError(f"{kind.__name__} {id} does not exist")
        return files

    def bulk_create(self, entities: Sequence[E]) -> builtins.list[int]:
        if not entities:
            return []
        kinds = {type(x) for x in entities}
        if len(kinds) != 1:
            raise StoreError("bulk_create takes entities of one kind at a time")
        batch, ready = list(entities), None
        with gc_paused():
            if preparable(batch):
                with reading(self.engine) as conn:  # checked and encoded before the write lock is taken
                    ready = prepare(conn, batch)
            return self._write(
                lambda conn: bulk_insert(conn, driver_cursor(conn), batch, spatial_log(conn), ready), len(batch)
            )

    def present_uuids(self, image: int, uuids: Sequence[str], chunk: int = 500) -> set[str]:
        """Straight from the (image, UUID) index: an import asks for 100,000 at a time, where
        SQLAlchemy's compiling of 200 statements cost more than SQLite's lookups."""
        return {row[0] for row in self._by_uuid(image, uuids, chunk, "unique_identifier", "")}

    def deleted_uuids(self, image: int, uuids: Sequence[str], chunk: int = 500) -> dict[str, int]:
        return dict(self._by_uuid(image, uuids, chunk, "unique_identifier, id", " AND deleted"))

    def _by_uuid(self, image: int, uuids: Sequence[str], chunk: int, columns: str, where: str) -> builtins.list[Any]:
        found: builtins.list[Any] = []
        with reading(self.engine) as conn:
            cursor = driver_cursor(conn)
            for start in range(0, len(uuids), chunk):
                picked = uuids[start : start + chunk]
                marks = ",".join("?" * len(picked))
                sql = f"SELECT {columns} FROM annotation WHERE image = ? AND unique_identifier IN ({marks}){where}"
                found.extend(cursor.execute(sql, (image, *picked)))
        return found

    def create_columns(self, batch: AnnotationColumns) -> builtins.list[int]:
        if not len(batch):
            return []
        with gc_paused():
            return self._write(
                lambda conn: insert_annotation_columns(conn, driver_cursor(conn), batch, spatial_log(conn)), len(batch)
            )

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _where(table: Any, filters: dict[str, Any]) -> builtins.list[Any]:
        clauses = []
        picked = by_uuid(filters)  # a range of images would hide the UUID from its index: kept as a list
        for key, value in filters.items():
            name, _, op = key.partition("__")
            if name not in table.c:
                raise StoreError(f"unknown filter {key!r} for {table.name}")
            column = table.c[name]
            for number in _ends(value) if isinstance(value, range) else value if op == "in" else [value]:
                if type(number) is int and not INT_MIN <= number <= INT_MAX:
                    raise StoreError(f"filter {key}: {number} is out of range (64-bit integers)")
            if name == "unique_identifier":  # any spelling of a UUID finds its row
                value = [normalised_uuid(v) for v in value] if op == "in" else normalised_uuid(value)
            if op == "in" and _is_run(value) and not picked:  # a bulk create's ids: one range, not 500 values
                clauses.append(column.between(value[0], value[-1]))
            elif op == "in":
                clauses.append(column.in_(list(value)))
            elif op == "":
                clauses.append(column.is_(None) if value is None else column == value)
            elif op == "gte":
                clauses.append(column >= value)
            else:
                raise StoreError(f"unknown filter operator {op!r} in {key!r}")
        return clauses

    def _links(self, conn: Connection, kind: type, ids: builtins.list[int]) -> dict[int, builtins.list[int]]:
        if kind not in LINKS or not ids:
            return {}
        _field, link, owner, member = LINKS[kind]
        found: dict[int, list[int]] = {}
        rows = conn.execute(
            select(link.c[owner], link.c[member]).where(link.c[owner].in_(ids)).order_by(link.c[member])
        )
        for owner_id, member_id in rows:
            found.setdefault(owner_id, []).append(member_id)
        return found

    def _get(self, conn: Connection, kind: type[E], id: int) -> E:
        _existing_id(kind, id)
        table = table_of(kind)
        row = conn.execute(select(table).where(table.c.id == id)).first()
        if row is None:
            raise NotFoundError(f"{kind.__name__} {id} does not exist")
        return entity_from_row(kind, row, self._links(conn, kind, [id]).get(id))

    def _set_links(self, conn: Connection, entity: Any, id: int) -> None:
        field, link, owner, member = LINKS[type(entity)]
        conn.execute(delete(link).where(link.c[owner] == id))
        members = sorted(set(getattr(entity, field)))
        if members:
            conn.execute(insert(link), [{owner: id, member: m} for m in members])

    @contextmanager
    def _integrity(self, what: str) -> Iterator[None]:
        try:
            yield
        except IntegrityError as err:
            raise StoreError(f"{what}: {_integrity_reason(err)}") from None

    def _insert(self, conn: Connection, entity: E) -> E:
        entity = normalised(entity)
        kind = type(entity)
        values = column_values(entity)
        values.pop("id", None)
        if isinstance(entity, e.PluginResultAnnotation):
            AnnotationTypes(conn).check(
                entity.annotation_type, entity.vector, f"result annotation {entity.unique_identifier}"
            )
        with self._integrity(f"cannot create {kind.__name__}"):
            new_id = conn.execute(insert(table_of(kind)).values(values)).inserted_primary_key[0]  # type: ignore[index]
        if kind in LINKS:
            with self._integrity(f"cannot link {kind.__name__} {new_id}"):
                self._set_links(conn, entity, new_id)
        if kind in SPATIAL and not getattr(entity, "deleted", False):
            self._index(conn, replace(entity, id=new_id))  # type: ignore[type-var]
        return replace(entity, id=new_id)  # type: ignore[type-var]

    @staticmethod
    def _index(conn: Connection, entity: Any) -> None:
        kind = type(entity)
        group = getattr(entity, SPATIAL_GROUP[kind])
        spatial.index_one(
            driver_cursor(conn), SPATIAL[kind], entity.id, entity.image, group, entity.vector,
            getattr(entity, "score", None), spatial_log(conn),
        )  # fmt: skip

    def _upsert_annotation(self, conn: Connection, annotation: e.Annotation) -> e.Annotation:
        """EXACT's create: upsert on (image, unique_identifier)."""
        annotation = normalised(annotation)
        existing = conn.execute(
            select(t.annotation.c.id).where(
                t.annotation.c.image == annotation.image,
                t.annotation.c.unique_identifier == annotation.unique_identifier,
            )
        ).scalar()
        if existing is not None:
            changes = {
                name: getattr(annotation, name) for name in (*_VERSIONED_FIELDS, "last_editor", "concealed", "blurred")
            }
            return self._update(conn, e.Annotation, existing, changes)
        AnnotationTypes(conn).check(
            annotation.annotation_type, annotation.vector, f"annotation {annotation.unique_identifier}"
        )
        return self._insert(conn, annotation)

    def _update(self, conn: Connection, kind: type[E], id: int, changes: dict[str, Any]) -> E:
        old = self._get(conn, kind, id)
        unknown = set(changes) - set(vars(old))
        if unknown or "id" in changes:
            raise StoreError(f"cannot change {sorted(unknown | ({'id'} & set(changes)))} of {kind.__name__}")
        new = replace(old, **changes)  # type: ignore[type-var]
        if kind is e.Annotation:
            self._version_annotation(conn, old, new)  # type: ignore[arg-type]
            new = replace(new, last_edit_time=changes.get("last_edit_time", e.utcnow()))  # type: ignore[type-var]
        if kind in SPATIAL and ("vector" in changes or "annotation_type" in changes):
            AnnotationTypes(conn).check(new.annotation_type, new.vector, f"{kind.__name__} {new.unique_identifier}")  # type: ignore[attr-defined]
        values = column_values(new)
        values.pop("id")
        moved = kind in SPATIAL and any(getattr(old, f) != getattr(new, f) for f in _SPATIAL_FIELDS if hasattr(old, f))
        if moved:  # the old entry goes while the row still says what it was
            spatial.unindex(driver_cursor(conn), SPATIAL[kind], "?", (id,), spatial_log(conn))
        with self._integrity(f"cannot update {kind.__name__} {id}"):
            conn.execute(update(table_of(kind)).where(table_of(kind).c.id == id).values(values))
        if kind in LINKS:
            self._set_links(conn, new, id)
        if moved and not getattr(new, "deleted", False):
            self._index(conn, new)
        return new

    @staticmethod
    def _version_annotation(conn: Connection, old: e.Annotation, new: e.Annotation) -> None:
        """Keep the state before this change; the newest version is what undo restores."""
        if any(getattr(old, f) != getattr(new, f) for f in _VERSIONED_FIELDS):
            write_versions(conn, [(old, new)], e.utcnow())


def by_uuid(filters: dict[str, Any]) -> bool:
    """The filters pick rows by UUID: a few rows, found through the (image, UUID) index."""
    return any(key.partition("__")[0] == "unique_identifier" for key in filters)


def id_order(table: Any, filters: dict[str, Any]) -> Any:
    """What orders a list: the id, except where rows are picked by UUID. There `+id` (the same
    order, but not one an index can give) keeps SQLite from walking the image's whole range of
    its `image` index (migration 0009) only to skip sorting a few rows: 0.2 s for a lookup of
    500 UUIDs among 1,000,000 annotations of one image (0.9 s on a loaded machine), against 10 ms
    through the UUID index."""
    return literal_column(f'+"{table.name}".id') if by_uuid(filters) else table.c.id


def _ends(values: range) -> list[int]:
    """A range's first and last (its least and greatest, either way round): every number of it
    is in 64 bits when they are. Not min() and max(): they walk the range."""
    return [values[0], values[-1]] if values else []


def _is_run(values: Any) -> bool:
    """Consecutive integers, each one more than the last (so BETWEEN selects exactly them); a
    range of step 1 is one without a look at each number."""
    if isinstance(values, range):
        return values.step == 1 and len(values) > 1
    return (
        isinstance(values, list | tuple | range) and len(values) > 1 and all(type(v) is int for v in values)
        and values[-1] - values[0] == len(values) - 1 and all(b - a == 1 for a, b in itertools.pairwise(values))
    )  # fmt: skip


def spatial_log(conn: Connection) -> spatial.ChangeLog | None:
    found: spatial.ChangeLog | None = conn.info.get("spatial_log")
    return found


def _existing_id(kind: type, id: int) -> None:
    """An id SQLite cannot even hold names no row (rather than overflowing in the driver)."""
    if not INT_MIN <= id <= INT_MAX:
        raise NotFoundError(f"{kind.__name__} {id} does not exist")


def normalised_uuid(value: Any) -> Any:
    """The canonical spelling, or the value as given when it is no UUID (then it matches nothing)."""
    try:
        return canonical_uuid(value)
    except ValueError:
        return value


def _integrity_reason(err: IntegrityError) -> str:
    text = str(err.orig)
    if "FOREIGN KEY" in text:
        return "it refers to a row that does not exist"
    if "UNIQUE" in text:
        return f"a row with the same {text.split(':')[-1].strip()} exists already"
    if "NOT NULL" in text:
        return f"{text.split(':')[-1].strip()} is required"
    return text
