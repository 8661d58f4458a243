"""Many annotation edits in one transaction with a few statements, not a few per row: deleting
or moving 10,000 selected annotations (and undoing it) must not take as many round trips.

Same rules as one `update`: the type exists and the vector fits it, the state before each
change goes to `annotation_version`, the spatial index and its counts follow the geometry.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.store.base import NotFoundError, StoreError
from exact_desktop.store.sqlite import spatial
from exact_desktop.store.sqlite import tables as t
from exact_desktop.store.sqlite.rows import bbox_of, checked, column_values, entity_from_row
from exact_desktop.store.sqlite.validation import AnnotationTypes

VERSIONED_FIELDS = ("annotation_type", "vector", "deleted", "description", "meta_data")
_SPATIAL = ("vector", "annotation_type", "deleted", "image")
_CHUNK = 500  # ids per IN (...) list, well under SQLite's parameter limit


def update_annotations(
    conn: Connection, cursor: Any, changes: dict[int, dict[str, Any]], log: spatial.ChangeLog | None
) -> list[e.Annotation]:
    ids = list(changes)
    olds = _read(conn, ids)
    fields = set(vars(next(iter(olds.values())))) if olds else set()
    types = AnnotationTypes(conn)
    now = e.utcnow()
    news: dict[int, e.Annotation] = {}
    versions: list[tuple[e.Annotation, e.Annotation]] = []
    for id in ids:
        unknown = set(changes[id]) - fields
        if unknown or "id" in changes[id]:
            raise StoreError(f"cannot change {sorted(unknown | ({'id'} & set(changes[id])))} of Annotation")
        old = olds[id]
        new = replace(old, **changes[id])
        new = replace(new, last_edit_time=changes[id].get("last_edit_time", now))
        if "vector" in changes[id] or "annotation_type" in changes[id]:
            types.check(new.annotation_type, new.vector, f"Annotation {new.unique_identifier}")
        if any(getattr(old, f) != getattr(new, f) for f in VERSIONED_FIELDS):
            versions.append((old, new))
        news[id] = new
    moved = [id for id in ids if any(getattr(olds[id], f) != getattr(news[id], f) for f in _SPATIAL)]
    for start in range(0, len(moved), _CHUNK):
        chunk = moved[start : start + _CHUNK]
        spatial.unindex(cursor, t.ANNOTATION_GRID, ",".join("?" * len(chunk)), tuple(chunk), log)
    write_versions(conn, versions, now)
    _write_rows(conn, list(news.values()), {name for fields in changes.values() for name in fields})
    rows = []
    for id in moved:
        new = news[id]
        box = None if new.deleted else bbox_of(new.vector)
        if box is not None:
            rows.append((id, new.image, new.annotation_type, *box))
    spatial.index_rows(cursor, t.ANNOTATION_GRID, rows, None, log)
    return [news[id] for id in ids]


def _read(conn: Connection, ids: list[int]) -> dict[int, e.Annotation]:
    found: dict[int, e.Annotation] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in conn.execute(select(t.annotation).where(t.annotation.c.id.in_(chunk))):
            found[row.id] = entity_from_row(e.Annotation, row)
    missing = [id for id in ids if id not in found]
    if missing:
        raise NotFoundError(f"Annotation {missing[0]} does not exist")
    return found


def write_versions(conn: Connection, pairs: list[tuple[e.Annotation, e.Annotation]], now: Any) -> None:
    """The state before each (old, new) change, as the next version of its annotation."""
    if not pairs:
        return
    last: dict[int, int] = {}
    ids = [old.id for old, _new in pairs]
    v = t.annotation_version
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(v.c.annotation, func.max(v.c.version)).where(v.c.annotation.in_(chunk)).group_by(v.c.annotation)
        last.update({row[0]: row[1] for row in conn.execute(query)})
    rows = []
    for old, new in pairs:
        if new.deleted and not old.deleted:
            action = "delete"
        elif old.deleted and not new.deleted:
            action = "restore"
        else:
            action = "update"
        rows.append({
            "annotation": stored_id(old), "version": last.get(stored_id(old), 0) + 1,
            "action": action, "annotation_type": old.annotation_type, "vector": old.vector, "deleted": old.deleted,
            "description": old.description, "meta_data": old.meta_data, "editor": new.last_editor, "time": now,
        })  # fmt: skip
    conn.execute(insert(v), rows)


def _write_rows(conn: Connection, news: list[e.Annotation], changed: set[str]) -> None:
    """One UPDATE of the columns some change names (and the edit time), executed for many rows
    (bound names differ from the columns, as SQLAlchemy requires). Rewriting every column made
    an undone import of 50,000 encode and bind 50,000 vectors that had not changed: most of
    its time went there."""
    if not news:
        return
    names = {*changed, "last_edit_time"}
    if "vector" in names:
        names.add("coords")
    plain = names <= {"deleted", "last_editor", "last_edit_time"}
    values = []
    for new in news:
        row = vars(checked(new)) if plain else column_values(new)
        values.append({"v_id": new.id, **{f"v_{name}": row[name] for name in names}})
    statement = (
        update(t.annotation)
        .where(t.annotation.c.id == bindparam("v_id"))
        .values({name: bindparam(f"v_{name}", type_=t.annotation.c[name].type) for name in sorted(names)})
    )
    conn.execute(statement, values)
