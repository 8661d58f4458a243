"""What sync needs from the local mirror, each step one transaction (tables: migration 0007).

The outbox is written by triggers with every annotation change in a mirrored image set, so an
edit and its outbox row commit together whoever makes the edit (the window, a plugin, the
embedded API). Applying what came from the server clears the rows it caused itself; a
row is cleared after a push only while the annotation still holds the state that was pushed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, select

from exact_desktop.model import entities as e
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.annotation_batch import update_annotations
from exact_desktop.store.sqlite.bulk import bulk_insert
from exact_desktop.store.sqlite.json_pages import object_sql
from exact_desktop.store.sqlite.many_rows import insert_rows, with_rows
from exact_desktop.store.sqlite.rows import ANNOTATION_FIELDS, ANNOTATION_SELECT, annotation_from_raw, entity_from_row
from exact_desktop.store.sqlite.store import SqliteStore, driver_cursor, spatial_log
from exact_desktop.store.sqlite.tables import to_iso
from exact_desktop.store.sqlite.validation import AnnotationTypes

CHUNK = 500
SYNCED_FIELDS = ("annotation_type", "vector", "deleted", "description", "meta_data", "concealed", "blurred")
CONFLICT_KEY = "sync_conflict"  # meta_data key that marks the copy holding this side's version
# (here, agreed, base time, server time, queued) -> "new", "unchanged", "conflict", "own push" or "server"
ArrivalRule = Callable[[bool, bool, str | None, str, bool], str]


@dataclass(frozen=True)
class Mirror:
    image_set: int
    server: str
    remote_id: int
    cursor: str | None
    last_sync: str | None


@dataclass(frozen=True)
class Incoming:
    """A server annotation with its image and type already mapped to local ids."""

    annotation: e.Annotation  # id None, remote_id the server's id
    server_time: str


@dataclass(frozen=True)
class Outgoing:
    """An annotation made here and not yet on the server, as the create body it goes out as
    (None when its image or type has no server id in the frame it is pushed with)."""

    id: int
    unique_identifier: str
    stamp: str
    deleted: bool
    body: str | None


# a create body as EXACT takes it, with the server's ids for the image and type (see `outgoing`)
CREATE_BODY = {name: name for name in (
    "vector", "unique_identifier", "deleted", "description", "meta_data", "concealed", "blurred", "generated",
)}  # fmt: skip
_MAP = "MATERIALIZED (SELECT CAST(key AS INTEGER), value FROM json_each(?))"  # {"local id": server id}
_REMOTE_IDS = {"annotation_type": "coalesce(rt.value, 'null')", "image": "coalesce(ri.value, 'null')"}


@dataclass(frozen=True)
class Pending:
    """An annotation changed here since the last sync, and the edit stamp it was read with."""

    annotation: e.Annotation
    stamp: str
    base_time: str | None


@dataclass(frozen=True)
class Pushed:
    local_id: int
    remote_id: int
    server_time: str
    stamp: str


@dataclass(frozen=True)
class Conflict:
    id: int
    annotation: int
    copy: int | None
    unique_identifier: str
    local_change: str
    server_change: str
    found: str
    resolved: str | None


@dataclass
class Applied:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    refused: list[Incoming] = field(default_factory=list)  # not stored: named in `errors`


class SyncLedger:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    # --- mirrors -------------------------------------------------------------------------
    def mirror(self, image_set: int, server: str, remote_id: int) -> None:
        """Marks a local image set as the mirror of a server's (one server per project)."""
        others = {m.server for m in self.mirrors() if m.server != server}
        if others:
            raise StoreError(f"this project mirrors {others.pop()}; it cannot mirror {server} as well")

        def work(conn: Connection) -> None:
            driver_cursor(conn).execute(
                "INSERT INTO sync_image_set (image_set, server, remote_id) VALUES (?, ?, ?) "
                "ON CONFLICT (image_set) DO NOTHING",
                (image_set, server, remote_id),
            )

        self.store.transaction(work)

    def mirrors(self, server: str | None = None) -> list[Mirror]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t.sync_image_set)).fetchall()
        return [Mirror(*row) for row in rows if server is None or row.server == server]

    def mirror_of(self, server: str, remote_id: int) -> Mirror | None:
        found = [m for m in self.mirrors(server) if m.remote_id == remote_id]
        return found[0] if found else None

    def set_cursor(self, image_set: int, cursor: str | None, last_sync: str) -> None:
        def work(conn: Connection) -> None:
            driver_cursor(conn).execute(
                "UPDATE sync_image_set SET cursor = coalesce(?, cursor), last_sync = ? WHERE image_set = ?",
                (cursor, last_sync, image_set),
            )

        self.store.transaction(work)

    # --- the outbox ------------------------------------------------------------------------
    def pending(self, image_set: int, linked: bool = False) -> list[Pending]:
        """The outbox's annotations of the set in id order, each with the edit stamp as stored:
        all, or only those already on the server (`linked`; the new ones go out by `outgoing`)."""
        on_server = " AND a.remote_id IS NOT NULL" if linked else ""
        rows = self._read(
            f"SELECT {ANNOTATION_SELECT}, b.remote_time FROM sync_outbox o "
            "JOIN annotation a ON a.id = o.annotation JOIN image i ON i.id = a.image "
            f"LEFT JOIN sync_base b ON b.annotation = a.id WHERE i.image_set = ?{on_server} ORDER BY a.id",
            (image_set,),
        )
        stamp = ANNOTATION_FIELDS.index("last_edit_time")
        return [Pending(annotation_from_raw(row), row[stamp], row[-1]) for row in rows]

    def outgoing(
        self, image_set: int, remote_images: dict[int, int], remote_types: dict[int, int], after: int = 0,
        limit: int = -1,
    ) -> list[Outgoing]:  # fmt: skip
        """The outbox's annotations of the set not yet on the server, in id order from id `after`
        on, at most `limit`, each with its create body written by SQLite: reading them as
        entities to encode them again took a third of a push's time on this side. The maps
        (local id -> server id) are the ones of the frame being pushed."""
        rows = self._read(
            f"WITH rt(local, value) AS {_MAP}, ri(local, value) AS {_MAP} "
            "SELECT a.id, a.unique_identifier, a.last_edit_time, a.deleted, rt.value IS NOT NULL "
            f"AND ri.value IS NOT NULL, {object_sql(CREATE_BODY, table='a', given=_REMOTE_IDS)} "
            "FROM sync_outbox o JOIN annotation a ON a.id = o.annotation JOIN image i ON i.id = a.image "
            "LEFT JOIN rt ON rt.local = a.annotation_type LEFT JOIN ri ON ri.local = a.image "
            "WHERE i.image_set = ? AND a.id > ? AND a.remote_id IS NULL ORDER BY a.id LIMIT ?",
            (json.dumps(remote_types), json.dumps(remote_images), image_set, after, limit),
        )
        return [Outgoing(id, uuid, stamp, bool(deleted), body if mapped else None)
                for id, uuid, stamp, deleted, mapped, body in rows]  # fmt: skip

    def outbox_size(self, image_set: int | None = None) -> int:
        sql = "SELECT count(*) FROM sync_outbox"
        args: tuple[int, ...] = ()
        if image_set is not None:
            sql += " o JOIN annotation a ON a.id = o.annotation JOIN image i ON i.id = a.image WHERE i.image_set = ?"
            args = (image_set,)
        return int(self._read(sql, args)[0][0])

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        with self.store.engine.connect() as conn:
            return driver_cursor(conn).execute(sql, args).fetchall()

    def drop_pending(self, ids: Sequence[int]) -> None:
        """Forget outbox rows that need no push (created and deleted here before any sync)."""
        self.store.transaction(lambda conn: _clear_outbox(driver_cursor(conn), ids))

    def mark_pushed(self, pushed: Sequence[Pushed]) -> None:
        """Links pushed annotations to their server rows; clears the outbox rows of those not
        edited again since they were read."""

        def work(conn: Connection) -> None:
            cursor = driver_cursor(conn)
            _applying(cursor)
            _link(cursor, [(p.local_id, p.remote_id) for p in pushed])
            _set_base(cursor, [(p.local_id, p.server_time) for p in pushed])
            with_rows(
                cursor, "id, stamp", [(p.local_id, p.stamp) for p in pushed],
                "DELETE FROM sync_outbox WHERE annotation IN "
                "(SELECT p.id FROM p JOIN annotation a ON a.id = p.id WHERE a.last_edit_time = p.stamp)",
            )  # fmt: skip
            _applying(cursor, False)

        self.store.transaction(work)

    # --- applying the server's side --------------------------------------------------------
    def apply(self, incoming: Sequence[Incoming], rule: ArrivalRule) -> Applied:
        """Creates, updates or conflicts each incoming annotation as `rule` (sync's conflict rule,
        `sync/conflict_rule.py`) says, all in one transaction. A page holding an annotation the
        mirror refuses (an invalid vector) is applied again without it, and it is named in `errors`."""
        try:
            return self.store.transaction(lambda conn: _apply(conn, list(incoming), rule, check=False))
        except StoreError:
            return self.store.transaction(lambda conn: _apply(conn, list(incoming), rule, check=True))

    # --- conflicts ---------------------------------------------------------------------------
    def conflicts(self, open_only: bool = True) -> list[Conflict]:
        statement = select(t.sync_conflict).order_by(t.sync_conflict.c.id)
        if open_only:
            statement = statement.where(t.sync_conflict.c.resolved.is_(None))
        with self.store.engine.connect() as conn:
            return [Conflict(*row) for row in conn.execute(statement).fetchall()]

    def resolve(self, conflict_id: int, keep: str) -> Conflict:
        """`keep`: "server" deletes the copy of this side's version; "local" gives the original
        the copy's state and deletes the copy; "both" keeps the two. Each edit goes out at the
        next push."""
        if keep not in ("server", "local", "both"):
            raise StoreError(f"keep must be server, local or both, not {keep!r}")

        def work(conn: Connection) -> Conflict:
            cursor = driver_cursor(conn)
            row = cursor.execute("SELECT * FROM sync_conflict WHERE id = ?", (conflict_id,)).fetchone()
            if row is None:
                raise StoreError(f"there is no conflict {conflict_id}")
            conflict = Conflict(*row)
            if conflict.resolved:
                raise StoreError(f"conflict {conflict_id} was resolved already ({conflict.resolved})")
            changes: dict[int, dict[str, Any]] = {}
            if conflict.copy is not None and keep in ("server", "local"):
                copy = _annotation(conn, conflict.copy)
                changes[conflict.copy] = {"deleted": True}
                if keep == "local":
                    meta = dict(copy.meta_data or {})
                    meta.pop(CONFLICT_KEY, None)
                    changes[conflict.annotation] = {
                        **{f: getattr(copy, f) for f in SYNCED_FIELDS if f != "meta_data"},
                        "meta_data": meta or None,
                        "deleted": False,
                    }
            if changes:
                update_annotations(conn, cursor, changes, spatial_log(conn))
            stamp = f"{keep} {to_iso(e.utcnow())}"
            cursor.execute("UPDATE sync_conflict SET resolved = ? WHERE id = ?", (stamp, conflict_id))
            return replace(conflict, resolved=stamp)

        return self.store.transaction(work)


def _apply(conn: Connection, incoming: list[Incoming], rule: ArrivalRule, check: bool) -> Applied:
    cursor = driver_cursor(conn)
    _applying(cursor)
    outcome = Applied()
    valid = _valid(conn, incoming, outcome) if check else incoming
    by_remote = _column_map(cursor, "remote_id", [i.annotation.remote_id for i in valid])
    by_uuid = _uuid_map(cursor, [i for i in valid if i.annotation.remote_id not in by_remote])
    local_ids = [by_remote.get(i.annotation.remote_id) or by_uuid.get(_key(i)) for i in valid]
    known = [x for x in local_ids if x is not None]
    bases = _values(cursor, "SELECT annotation, remote_time FROM sync_base WHERE annotation IN ({})", known)
    queued = set(_values(cursor, "SELECT annotation, 1 FROM sync_outbox WHERE annotation IN ({})", known))
    fresh: list[Incoming] = []
    updates: dict[int, dict[str, Any]] = {}
    settled: list[tuple[int, str]] = []  # (local id, server time) now agreed on
    links: list[tuple[int, int]] = []  # (local id, server id) of our own pushes whose answer was lost
    clashes: list[tuple[int, Incoming]] = []
    for item, local in zip(valid, local_ids, strict=True):
        base = bases.get(local) if local is not None else None
        said = rule(local is not None, local in bases, base, item.server_time, local in queued)
        if said == "new":
            fresh.append(item)
            continue
        assert local is not None  # the rule calls "new" whatever the mirror lacks
        if said == "unchanged":
            outcome.unchanged += 1
        elif said == "conflict":
            clashes.append((local, item))
        elif said == "own push":  # the server holds our own push; later edits here still go out
            links.append((local, e.remote_id_of(item.annotation)))
            settled.append((local, item.server_time))
        else:
            updates[local] = _state(item)
            settled.append((local, item.server_time))
    cleared = [local for local, _ in settled if local in queued and local not in dict(links)]
    if fresh:
        ids = bulk_insert(conn, cursor, [item.annotation for item in fresh], spatial_log(conn))
        settled += [(i, item.server_time) for i, item in zip(ids, fresh, strict=True)]
        outcome.created = len(ids)
    outcome.updated = len(updates)
    for local, item in clashes:
        _keep_both(conn, cursor, local, item)
        updates[local] = _state(item)
        settled.append((local, item.server_time))
        cleared.append(local)
    outcome.conflicts = len(clashes)
    if updates:
        update_annotations(conn, cursor, updates, spatial_log(conn))
    _link(cursor, links)
    _set_base(cursor, settled)
    _clear_outbox(cursor, cleared)
    _applying(cursor, False)
    return outcome


def _valid(conn: Connection, incoming: list[Incoming], outcome: Applied) -> list[Incoming]:
    """The annotations whose type and vector the mirror takes; the others refused and named."""
    types, valid = AnnotationTypes(conn), []
    for item in incoming:
        a = item.annotation
        try:
            types.check(a.annotation_type, a.vector, f"annotation {a.unique_identifier} (server id {a.remote_id})")
            valid.append(item)
        except StoreError as err:
            outcome.errors.append(str(err))
            outcome.refused.append(item)
    return valid


def _applying(cursor: Any, on: bool = True) -> None:
    """Marks (inside this transaction only) that what is written now came from the server."""
    cursor.execute("INSERT OR IGNORE INTO sync_applying (id) VALUES (1)" if on else "DELETE FROM sync_applying")


def _keep_both(conn: Connection, cursor: Any, local: int, item: Incoming) -> None:
    """Both sides changed: this side's version becomes a new annotation (a new UUID, marked),
    pushed like any other, and the original takes the server's version."""
    mine = _annotation(conn, local)
    copy_id = None
    if not mine.deleted:
        meta = {**(mine.meta_data or {}), CONFLICT_KEY: {"of": mine.unique_identifier, "side": "desktop"}}
        copy = replace(mine, id=None, remote_id=None, unique_identifier=e.new_uuid(), meta_data=meta)
        copy_id = bulk_insert(conn, cursor, [copy], spatial_log(conn))[0]
        cursor.execute("INSERT OR IGNORE INTO sync_outbox (annotation) VALUES (?)", (copy_id,))  # it goes out
    cursor.execute(
        "INSERT INTO sync_conflict (annotation, copy, unique_identifier, local_change, server_change, found) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (local, copy_id, mine.unique_identifier, _describe(mine), _describe(item.annotation), to_iso(e.utcnow())),
    )


def _annotation(conn: Connection, id: int) -> e.Annotation:
    row = conn.execute(select(t.annotation).where(t.annotation.c.id == id)).first()
    if row is None:
        raise StoreError(f"annotation {id} does not exist")
    return entity_from_row(e.Annotation, row)


def _describe(a: e.Annotation) -> str:
    if a.deleted:
        return "deleted"
    return json.dumps({"annotation_type": a.annotation_type, "vector": a.vector, "description": a.description})


def _state(item: Incoming) -> dict[str, Any]:
    a = item.annotation
    return {**{f: getattr(a, f) for f in SYNCED_FIELDS}, "remote_id": a.remote_id, "last_edit_time": a.last_edit_time}


def _key(item: Incoming) -> tuple[int, str]:
    return item.annotation.image, item.annotation.unique_identifier


def _column_map(cursor: Any, column: str, values: list[Any]) -> dict[Any, int]:
    return {
        value: id
        for value, id in _rows(cursor, f"SELECT {column}, id FROM annotation WHERE {column} IN ({{}})", values)
    }


def _uuid_map(cursor: Any, items: list[Incoming]) -> dict[tuple[int, str], int]:
    """Per image, so the (image, UUID) index answers (a UUID alone has none: a scan per chunk)."""
    by_image: dict[int, list[str]] = {}
    for item in items:
        by_image.setdefault(item.annotation.image, []).append(item.annotation.unique_identifier)
    found: dict[tuple[int, str], int] = {}
    for image, uuids in by_image.items():
        sql = f"SELECT unique_identifier, id FROM annotation WHERE image = {int(image)} AND unique_identifier IN ({{}})"
        found.update(((image, uuid), id) for uuid, id in _rows(cursor, sql, uuids))
    return found


def _values(cursor: Any, sql: str, ids: list[int]) -> dict[int, Any]:
    return dict(_rows(cursor, sql, ids))


def _rows(cursor: Any, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        found += cursor.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
    return found


def _set_base(cursor: Any, rows: list[tuple[int, str]]) -> None:
    insert_rows(
        cursor, "INSERT INTO sync_base (annotation, remote_time)", rows, 2,
        "ON CONFLICT (annotation) DO UPDATE SET remote_time = excluded.remote_time",
    )  # fmt: skip


def _clear_outbox(cursor: Any, ids: Sequence[int]) -> None:
    with_rows(cursor, "id", [(i,) for i in ids], "DELETE FROM sync_outbox WHERE annotation IN (SELECT id FROM p)")


def _link(cursor: Any, pairs: Sequence[tuple[int, int]]) -> None:
    """(local id, server id): the annotations' remote_id, where it differs."""
    with_rows(
        cursor, "id, remote", pairs,
        "UPDATE annotation SET remote_id = p.remote FROM p WHERE annotation.id = p.id "
        "AND annotation.remote_id IS NOT p.remote",
    )  # fmt: skip
