"""Entities to the JSON shapes EXACT's serializers send (every field exact-sync requires)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from exact_desktop.model import entities as e

_DROP = {
    "remote_id",
    "local_path",
    "script",
    "queue",
    "parameter_schema",
    "parameters",
    "status",
    "set_aside",
    "is_local",
}


def when(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(kind: type) -> tuple[str, ...]:
    """The EXACT fields of an entity kind, in the order they are sent."""
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(f.name for f in fields(kind) if f.name not in _DROP)
    return names


def plain(entity: Any) -> dict[str, Any]:
    """The entity's own EXACT fields, times as ISO-8601 (shallow: values are not copied)."""
    names = field_names(type(entity))
    body = {name: getattr(entity, name) for name in names}
    for key, value in body.items():
        if isinstance(value, datetime):
            body[key] = when(value)
    return body


def team(x: e.Team, members: list[str], image_sets: list[int], products: list[int]) -> dict[str, Any]:
    """`members` are usernames, as EXACT sends them."""
    return {**plain(x), "members": members, "image_sets": image_sets, "product_set": products}


def product(x: e.Product, image_sets: list[int], annotation_types: list[int]) -> dict[str, Any]:
    return {**plain(x), "creator": None, "imagesets": image_sets, "annotationtype_set": annotation_types}


def image_set(x: e.ImageSet, images: list[int]) -> dict[str, Any]:
    return {**plain(x), "images": images, "path": "", "location": "", "set_tags": [], "creator": None}


def image(x: e.Image, annotations: list[int] | None) -> dict[str, Any]:
    """Plus `local_path`, the desktop's own: a worker on this machine reads the file directly."""
    body = {**plain(x), "local_path": x.local_path}
    if annotations is not None:
        body["annotations"] = annotations
    return body


def annotation(x: e.Annotation, versions: list[int]) -> dict[str, Any]:
    return {**plain(x), "annotationversion_set": versions, "uploaded_media_files": [], "verified_by_user": False}


def plugin(x: e.Plugin, results: list[int]) -> dict[str, Any]:
    return {**plain(x), "results": results}


def plugin_result(x: e.PluginResult, entries: list[int]) -> dict[str, Any]:
    return {**plain(x), "entries": entries}


def result_entry(x: e.PluginResultEntry, annotations: list[int], bitmaps: list[int]) -> dict[str, Any]:
    return {**plain(x), "annotation_results": annotations, "bitmap_results": bitmaps}


def result_annotation(x: e.PluginResultAnnotation, plugin_id: int | None) -> dict[str, Any]:
    return {**plain(x), "plugin": plugin_id, "generated": True}


def created_result_annotations(
    made: list[e.PluginResultAnnotation], ids: list[int], plugin_of: dict[int, int]
) -> list[dict[str, Any]]:
    """`result_annotation` of each row of one list create, which share their creation time: its
    text made once, and each row's fields read in one call (a plugin job sends 25,000 of them)."""
    if not made:
        return []
    names = field_names(e.PluginResultAnnotation)
    read = attrgetter(*names)
    stamp = when(made[0].time)
    return [
        {**dict(zip(names, read(x), strict=True)), "id": i, "time": stamp, "plugin": plugin_of.get(x.pluginresultentry),
         "generated": True}
        for x, i in zip(made, ids, strict=True)
    ]  # fmt: skip


def result_bitmap(x: e.PluginResultBitmap, url: str) -> dict[str, Any]:
    return {**plain(x), "bitmap": url}


def plugin_job(x: e.PluginJob) -> dict[str, Any]:
    """Plus the desktop's own `parameters` and `status` (EXACT keeps neither on a job)."""
    return {**plain(x), "parameters": x.parameters, "status": x.status}
