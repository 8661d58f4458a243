"""`expand=` (drf-flex-fields): related ids replaced by the related objects, one level deep."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from exact_desktop.model import entities as e
from exact_desktop.server import serialize as s
from exact_desktop.store.sqlite.store import SqliteStore

# (kind, field) -> related kind; the related object is sent with its own EXACT fields
RELATIONS: dict[tuple[type, str], type] = {
    (e.ImageSet, "product_set"): e.Product,
    (e.ImageSet, "images"): e.Image,
    (e.ImageSet, "team"): e.Team,
    (e.Image, "image_set"): e.ImageSet,
    (e.Annotation, "annotation_type"): e.AnnotationType,
    (e.Annotation, "image"): e.Image,
    (e.AnnotationType, "product"): e.Product,
    (e.Product, "team"): e.Team,
    (e.PluginJob, "plugin"): e.Plugin,
    (e.PluginJob, "image"): e.Image,
}


def expand(request: Request, store: SqliteStore, kind: type, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wanted = [f for f in request.query_params.get("expand", "").split(",") if (kind, f) in RELATIONS]
    for field in wanted:
        related = RELATIONS[(kind, field)]
        ids = {i for b in bodies for i in _ids(b.get(field))}
        found = {x.id: s.plain(x) for x in store.list(related, id__in=sorted(ids))} if ids else {}
        for body in bodies:
            value = body.get(field)
            if isinstance(value, list):
                body[field] = [found.get(i, i) for i in value]
            elif value is not None:
                body[field] = found.get(value, value)
    return bodies


def _ids(value: Any) -> list[int]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int)]
    return [value] if isinstance(value, int) else []
