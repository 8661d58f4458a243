"""Entities to rows and back, and the geometry columns derived from a vector."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any, TypeVar

import orjson
from sqlalchemy import Table

from exact_desktop.model import entities as e
from exact_desktop.model.values import InvalidValueError, canonical_uuid, check_entities, check_entity
from exact_desktop.model.vectors import keys_in_order
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite import tables as t

TABLE_OF: dict[type, Table] = {
    e.Team: t.team, e.User: t.user, e.TeamMembership: t.team_membership, e.Product: t.product,
    e.ImageSet: t.image_set, e.Image: t.image, e.AnnotationType: t.annotation_type,
    e.Annotation: t.annotation, e.AnnotationVersion: t.annotation_version, e.Verification: t.verification,
    e.Plugin: t.plugin,
    e.PluginJob: t.plugin_job, e.PluginResult: t.plugin_result, e.PluginResultEntry: t.plugin_result_entry,
    e.PluginResultAnnotation: t.plugin_result_annotation, e.PluginResultBitmap: t.plugin_result_bitmap,
    e.ScreeningMode: t.screening_mode,
}  # fmt: skip

# list-valued fields kept in link tables: field -> (link table, owner column, member column)
LINKS: dict[type, tuple[str, Table, str, str]] = {
    e.ImageSet: ("product_set", t.image_set_product, "image_set", "product"),
    e.Plugin: ("products", t.plugin_product, "plugin", "product"),
}

SPATIAL: dict[type, str] = {e.Annotation: t.ANNOTATION_GRID, e.PluginResultAnnotation: t.RESULT_GRID}
# what a spatial band groups by, within an image
SPATIAL_GROUP: dict[type, str] = {e.Annotation: "annotation_type", e.PluginResultAnnotation: "pluginresultentry"}

# rows of a spatial tree that a delete of `kind` takes with it by cascade: (tree, SQL of their ids)
_RESULTS_OF_ENTRIES = "SELECT id FROM plugin_result_annotation WHERE pluginresultentry IN ({})"
_ENTRIES_OF_RESULTS = "SELECT id FROM plugin_result_entry WHERE pluginresult IN ({})"
CASCADED_SPATIAL: dict[type, list[tuple[str, str]]] = {
    e.PluginResultEntry: [(t.RESULT_GRID, _RESULTS_OF_ENTRIES.format("?"))],
    e.PluginResult: [(t.RESULT_GRID, _RESULTS_OF_ENTRIES.format(_ENTRIES_OF_RESULTS.format("?")))],
    e.Plugin: [(t.RESULT_GRID, _RESULTS_OF_ENTRIES.format(_ENTRIES_OF_RESULTS.format(
        "SELECT id FROM plugin_result WHERE plugin = ?")))],
    e.Image: [(t.RESULT_GRID, "SELECT id FROM plugin_result_annotation WHERE image = ?"),
              (t.ANNOTATION_GRID, "SELECT id FROM annotation WHERE image = ?")],
    e.AnnotationType: [(t.ANNOTATION_GRID, "SELECT id FROM annotation WHERE annotation_type = ?"),
                       (t.RESULT_GRID, "SELECT id FROM plugin_result_annotation WHERE annotation_type = ?")],
}  # fmt: skip

# bands (see spatial.py) a delete of `kind` leaves without a group: (tree, SQL of the groups);
# an image's go with it by its foreign key
_ENTRIES_OF_PLUGINS = _ENTRIES_OF_RESULTS.format("SELECT id FROM plugin_result WHERE plugin = ?")
CASCADED_BANDS: dict[type, tuple[str, str]] = {
    e.PluginResultEntry: (t.RESULT_GRID, "?"),
    e.PluginResult: (t.RESULT_GRID, _ENTRIES_OF_RESULTS.format("?")),
    e.Plugin: (t.RESULT_GRID, _ENTRIES_OF_PLUGINS),
    e.AnnotationType: (t.ANNOTATION_GRID, "?"),
}

# result bitmap files that a delete of `kind` takes with it by cascade: SQL of their file names
_BITMAPS_OF_ENTRIES = "SELECT bitmap FROM plugin_result_bitmap WHERE pluginresultentry IN ({})"
CASCADED_FILES: dict[type, list[str]] = {
    e.PluginResultBitmap: ["SELECT bitmap FROM plugin_result_bitmap WHERE id = ?"],
    e.PluginResultEntry: [_BITMAPS_OF_ENTRIES.format("?")],
    e.PluginResult: [_BITMAPS_OF_ENTRIES.format(_ENTRIES_OF_RESULTS.format("?"))],
    e.Plugin: [_BITMAPS_OF_ENTRIES.format(_ENTRIES_OF_RESULTS.format("SELECT id FROM plugin_result WHERE plugin = ?")),
               "SELECT icon FROM plugin WHERE id = ? AND icon != ''"],
    e.Image: ["SELECT bitmap FROM plugin_result_bitmap WHERE image = ?"],
}  # fmt: skip

_FIELDS: dict[type, list[str]] = {kind: [f.name for f in fields(kind)] for kind in TABLE_OF}


def table_of(kind: type) -> Table:
    try:
        return TABLE_OF[kind]
    except KeyError:
        raise TypeError(f"{kind.__name__} is not an entity this store keeps") from None


def column_values(entity: Any) -> dict[str, Any]:
    """The entity's fields that are columns of its table (link lists excluded), checked so that
    they can always be read back."""
    checked(entity)
    table = table_of(type(entity))
    values = {name: getattr(entity, name) for name in _FIELDS[type(entity)] if name in table.c}
    if type(entity) in SPATIAL:
        values["coords"] = pack_coords(entity.vector)
    return values


def checked(entity: Any, who: str | None = None) -> Any:
    """The entity, if every value in it can be stored and read back; StoreError naming the field otherwise."""
    try:
        check_entity(entity, who)
    except InvalidValueError as err:
        raise StoreError(str(err)) from None
    return entity


def checked_all(entities: list[Any], who: Callable[[Any], str]) -> None:
    """`checked` for a bulk: all of them, a column at a time."""
    try:
        check_entities(entities, who)
    except InvalidValueError as err:
        raise StoreError(str(err)) from None


def normalised(entity: Any) -> Any:
    """The entity with its UUID in the one canonical spelling (so upserts find their row)."""
    value = getattr(entity, "unique_identifier", None)
    if value is None:
        return entity
    try:
        canonical = canonical_uuid(value, type(entity).__name__)
    except InvalidValueError as err:
        raise StoreError(str(err)) from None
    return entity if canonical == value else replace(entity, unique_identifier=canonical)


E = TypeVar("E")


def entity_from_row(kind: type[E], row: Any, links: list[int] | None = None) -> E:
    mapping = row._mapping
    values = {name: mapping[name] for name in _FIELDS[kind] if name in mapping}
    if kind in LINKS:
        values[LINKS[kind][0]] = list(links or [])
    return kind(**values)


# An annotation read with plain SQL: SQLAlchemy's row mapping, JSON and time types cost about
# 20 µs an annotation, which an outbox of 100,000 (a push) or a list page of the server feels.
ANNOTATION_FIELDS = (
    "id", "annotation_type", "image", "vector", "unique_identifier", "deleted", "description", "meta_data", "user",
    "last_editor", "time", "last_edit_time", "concealed", "blurred", "generated", "remote_id",
)  # fmt: skip
ANNOTATION_SELECT = ", ".join(f'a."{name}"' for name in ANNOTATION_FIELDS)  # the table as `a`


def annotation_from_raw(row: Any) -> e.Annotation:
    """The annotation in the first columns of a row selected with ANNOTATION_SELECT."""
    (id_, kind, image, vector, uuid, deleted, description, meta_data, user, editor, made, edited, concealed,
     blurred, generated, remote_id) = row[:16]  # fmt: skip
    return e.Annotation(
        kind, image, json_or_none(vector), uuid, bool(deleted), description, json_or_none(meta_data), user, editor,
        t.from_iso(made), t.from_iso(edited), bool(concealed), bool(blurred), bool(generated), id_, remote_id,
    )  # fmt: skip


def json_or_none(text: str | bytes | None) -> Any:
    return None if text is None else orjson.loads(text)


def pack_coords(vector: dict[str, Any] | None) -> bytes | None:
    """The nodes as little-endian float32 x, y pairs, in order."""
    if not vector:
        return None
    n = sum(1 for key in vector if key[0] == "x")
    flat = []
    for i in range(1, n + 1):
        flat.append(vector[f"x{i}"])
        flat.append(vector[f"y{i}"])
    return struct.pack(f"<{2 * n}f", *flat)


def bbox_of(vector: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """(min_x, max_x, min_y, max_y), the order the spatial index keeps."""
    if not vector:
        return None
    xs = [v for k, v in vector.items() if k[0] == "x"]
    ys = [v for k, v in vector.items() if k[0] == "y"]
    return min(xs), max(xs), min(ys), max(ys)


_BOX_KEYS = frozenset(("x1", "y1", "x2", "y2"))
_BOX = struct.Struct("<4f")


def geometry(vector: dict[str, Any] | None) -> tuple[bytes | None, tuple[float, float, float, float] | None]:
    """(coords, bbox) in one pass; boxes, the bulk of any import, take a short cut."""
    if type(vector) is dict and vector.keys() == _BOX_KEYS:
        x1, y1, x2, y2 = vector["x1"], vector["y1"], vector["x2"], vector["y2"]
        return _BOX.pack(x1, y1, x2, y2), (min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2))
    if type(vector) is dict and len(vector) % 2 == 0 and tuple(vector) == keys_in_order(len(vector) // 2):
        values = list(vector.values())  # x1, y1, x2, y2, ...: packed and bounded without a look at each key
        xs, ys = values[0::2], values[1::2]
        return struct.pack(f"<{len(values)}f", *values), (min(xs), max(xs), min(ys), max(ys))
    return pack_coords(vector), bbox_of(vector)


def dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()
