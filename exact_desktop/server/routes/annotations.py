"""Annotations: filtered lists, upserting single create, bulk list create, PATCH, delete, count."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.model.values import InvalidValueError, canonical_uuid
from exact_desktop.model.vectors import InvalidVectorError, validate_vector
from exact_desktop.server import serialize as s
from exact_desktop.server.auth import Caller
from exact_desktop.server.context import CallerDep, OrjsonRoute, StoreDep, detail_response, json_response, list_response
from exact_desktop.server.listing import (
    BadRequest,
    one_or_many,
    page,
    page_params,
    parse_filters,
    select_fields,
    selected,
)
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.json_pages import VERSIONS
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(route_class=OrjsonRoute)
_NAMED, _CHUNK = 20, 500  # items named in one refusal; UUIDs looked up in one query
FILTERS = {
    "id": "int", "id__in": "ints", "image": "int", "image__in": "ints", "annotation_type": "int",
    "annotation_type__in": "ints", "deleted": "bool", "unique_identifier": "str", "unique_identifier__in": "strs",
    "user": "int", "time__gte": "str", "last_edit_time__gte": "str", "description": "str",
}  # fmt: skip
RELATED = {"image__image_set": "int", "vector_type": "int"}


class AnnotationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    annotation_type: int
    image: int
    vector: dict[str, Any] | None = None
    unique_identifier: str | None = None
    deleted: bool = False
    description: str = ""
    meta_data: dict[str, Any] | None = None
    concealed: bool = False
    blurred: bool = False
    generated: bool = False
    time: datetime | None = None
    last_edit_time: datetime | None = None


class AnnotationPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    annotation_type: int | None = None
    vector: dict[str, Any] | None = Field(default=None)
    deleted: bool | None = None
    description: str | None = None
    meta_data: dict[str, Any] | None = None
    concealed: bool | None = None
    blurred: bool | None = None


# an annotation as `serialize.annotation` sends it: output name -> stored field, then constants
STORED_SHAPE = {
    **{name: name for name in s.field_names(e.Annotation)},
    "annotationversion_set": VERSIONS,
}
CONSTANT_FIELDS: dict[str, Any] = {"uploaded_media_files": [], "verified_by_user": False}
# a list create answers with the objects as created, before any edit made versions (as EXACT's does)
CREATED_SHAPE = {name: field for name, field in STORED_SHAPE.items() if field != VERSIONS}
CREATED_CONSTANTS: dict[str, Any] = {"annotationversion_set": [], **CONSTANT_FIELDS}


def _serialize(store: SqliteStore, items: list[e.Annotation]) -> list[dict[str, Any]]:
    versions = store.ids_by(e.AnnotationVersion, "annotation", [stored_id(a) for a in items])
    return [s.annotation(a, versions[stored_id(a)]) for a in items]


def _asked(request: Request, shape: dict[str, str], constants: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The shape and constants of an answer, cut to the fields that `fields`/`omit` keep."""
    names = selected(request, [*shape, *constants])
    return {n: shape[n] for n in names if n in shape}, {n: constants[n] for n in names if n in constants}


def _filters(request: Request, store: SqliteStore) -> dict[str, Any]:
    """EXACT's filters; the ones across relations become id lists here."""
    related = parse_filters(request, RELATED)
    fixed: dict[str, Any] = {}
    if "image__image_set" in related:
        fixed["image__in"] = [i.id for i in store.list(e.Image, image_set=related["image__image_set"])]
    if "vector_type" in related:
        fixed["annotation_type__in"] = [t.id for t in store.list(e.AnnotationType, vector_type=related["vector_type"])]
    for key in ("time__gte", "last_edit_time__gte"):
        if key in request.query_params:
            fixed[key] = _datetime(key, request.query_params[key])
    return fixed


@router.get("/annotations/annotations/", dependencies=[CallerDep])
def list_annotations(request: Request, store: SqliteStore = StoreDep) -> Response:
    """Written by SQLite (the path every sync pull takes); with `expand=`, through the entities."""
    allowed = {k: v for k, v in FILTERS.items() if not k.endswith("__gte")}
    if request.query_params.get("expand"):
        return list_response(
            request, store, e.Annotation, allowed, lambda items: _serialize(store, items), **_filters(request, store)
        )
    filters = {**parse_filters(request, allowed), **_filters(request, store)}
    limit, offset = page_params(request)
    body, count = store.annotation_page_json(*_asked(request, STORED_SHAPE, CONSTANT_FIELDS), limit, offset, **filters)
    return json_response(page(request, orjson.Fragment(body), count, limit, offset))


@router.get("/annotations/annotations/count/", dependencies=[CallerDep])
def count_annotations(request: Request, store: SqliteStore = StoreDep) -> dict[str, int]:
    allowed = {k: v for k, v in FILTERS.items() if not k.endswith("__gte")}
    return {"count": store.count(e.Annotation, **parse_filters(request, allowed), **_filters(request, store))}


@router.get("/annotations/annotations/{id}/", dependencies=[CallerDep])
def get_annotation(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.Annotation, _serialize(store, [store.get(e.Annotation, id)])[0])


@router.post("/annotations/annotations/", status_code=201)
def create_annotations(
    request: Request,
    payload: Any = Body(...),
    store: SqliteStore = StoreDep,
    caller: Caller = CallerDep,
) -> Any:
    """An object upserts on (image, unique_identifier); a list is one bulk create, no upsert."""
    body = one_or_many(AnnotationIn, payload)
    items_in: list[AnnotationIn] = body if isinstance(body, list) else [body]  # type: ignore[assignment,list-item]
    if isinstance(body, list):
        return _create_many(request, store, items_in, caller)
    annotation, errors = _checked(_Known(store, items_in), items_in[0], caller)
    if errors:
        raise BadRequest(errors)
    created = store.create(annotation)
    return select_fields(request, _serialize(store, [created])[0])


def _create_many(request: Request, store: SqliteStore, items: list[AnnotationIn], caller: Caller) -> Response:
    """One bulk create. The store checks every annotation itself (all or nothing), so the items
    are checked here only when it refuses: then each one, for a message per item. The answer
    keeps `fields`/`omit` as EXACT's does (its serializer reads them on a list create too)."""
    now = e.utcnow()
    made = [_annotation(item, item.unique_identifier or e.new_uuid(), caller, now) for item in items]
    try:
        ids = store.bulk_create(made)
    except StoreError:
        known = _Known(store, items)
        errors = [_checked(known, item, caller)[1] for item in items]
        if any(errors):
            raise BadRequest({"non_field_errors": [f"{i}: {err}" for i, err in enumerate(errors) if err]}) from None
        named = _repeated_uuids(made) or _uuids_present(store, made)
        if named:
            raise BadRequest({"non_field_errors": named[:_NAMED]}) from None
        raise
    stored, _ = store.annotation_page_json(*_asked(request, CREATED_SHAPE, CREATED_CONSTANTS), len(ids), id__in=ids)
    return Response(stored, status_code=201, media_type="application/json")


@router.patch("/annotations/annotations/{id}/")
def patch_annotation(
    id: int, request: Request, body: AnnotationPatch, store: SqliteStore = StoreDep, caller: Caller = CallerDep
) -> dict[str, Any]:
    current = store.get(e.Annotation, id)
    changes = body.model_dump(exclude_unset=True)
    merged = {**current.__dict__, **changes}
    kind = store.list(e.AnnotationType, id=merged["annotation_type"])
    who = f"annotation {current.unique_identifier}"
    errors = _vector_errors(kind[0] if kind else None, merged["annotation_type"], merged["vector"], who)
    if errors:
        raise BadRequest(errors)
    updated = store.update(e.Annotation, id, **changes, last_editor=caller.user_id)
    return select_fields(request, _serialize(store, [updated])[0])


@router.delete("/annotations/annotations/multiple_delete/", status_code=204, dependencies=[CallerDep])
def multiple_delete(request: Request, store: SqliteStore = StoreDep) -> None:
    ids = parse_filters(request, {"id__in": "ints"}).get("id__in", [])
    store.delete_many(e.Annotation, ids)  # all or nothing: an unknown id is a 404 that deleted nothing


@router.delete("/annotations/annotations/{id}/", status_code=204, dependencies=[CallerDep])
def delete_annotation(id: int, store: SqliteStore = StoreDep) -> None:
    store.delete(e.Annotation, id)


class _Known:
    """The images and annotation types a request refers to, read once for all its items."""

    def __init__(self, store: SqliteStore, items: list[AnnotationIn]) -> None:
        self.types = {t.id: t for t in store.list(e.AnnotationType, id__in=sorted({i.annotation_type for i in items}))}
        self.images = {i.id for i in store.list(e.Image, id__in=sorted({i.image for i in items}))}


def _checked(known: _Known, item: AnnotationIn, caller: Caller) -> tuple[e.Annotation | None, dict[str, list[str]]]:
    identifier = item.unique_identifier or e.new_uuid()
    errors: dict[str, list[str]] = {}
    try:
        uuid.UUID(identifier)
    except ValueError:
        errors["unique_identifier"] = [f"Must be a valid UUID, got {identifier!r}."]
    kind = known.types.get(item.annotation_type)
    errors.update(_vector_errors(kind, item.annotation_type, item.vector, f"annotation {identifier}"))
    if item.image not in known.images:
        errors["image"] = [f'Invalid pk "{item.image}" - object does not exist.']
    if errors:
        return None, errors
    return _annotation(item, identifier, caller, e.utcnow()), {}


def _annotation(item: AnnotationIn, identifier: str, caller: Caller, now: datetime) -> e.Annotation:
    """The annotation to store, made at `now` unless the item says when (unchecked: the store checks)."""
    made = item.time or now
    return e.Annotation(
        item.annotation_type, item.image, item.vector, unique_identifier=identifier, deleted=item.deleted,
        description=item.description, meta_data=item.meta_data, concealed=item.concealed, blurred=item.blurred,
        generated=item.generated, user=caller.user_id, last_editor=caller.user_id, time=made, last_edit_time=made,
    )  # fmt: skip


def _repeated_uuids(made: list[e.Annotation]) -> list[str]:
    """Items of one list create that name one annotation twice (in any spelling of its UUID)."""
    first: dict[tuple[int, str], int] = {}
    named = []
    for index, annotation in enumerate(made):
        key = (annotation.image, _canonical(annotation.unique_identifier))
        seen = first.setdefault(key, index)
        if seen != index:
            named.append(f"items {seen} and {index}: the same unique_identifier {key[1]} on image {key[0]}")
    return named


def _uuids_present(store: SqliteStore, made: list[e.Annotation]) -> list[str]:
    """Items whose annotation the image already has: a list create adds, it never updates."""
    wanted: dict[tuple[int, str], int] = {(a.image, _canonical(a.unique_identifier)): i for i, a in enumerate(made)}
    present = []
    for image in sorted({image for image, _ in wanted}):
        uids = [uid for at, uid in wanted if at == image]
        for start in range(0, len(uids), _CHUNK):
            batch = uids[start : start + _CHUNK]
            present += [
                (image, a.unique_identifier) for a in store.list(e.Annotation, image=image, unique_identifier__in=batch)
            ]
    return [
        f"item {wanted[key]}: image {key[0]} already has unique_identifier {key[1]}"
        for key in sorted(present, key=wanted.__getitem__)
    ]


def _canonical(uid: str) -> str:
    try:
        return canonical_uuid(uid)
    except InvalidValueError:
        return uid  # the item's own check names it


def _vector_errors(kind: e.AnnotationType | None, type_id: int, vector: Any, who: str) -> dict[str, list[str]]:
    if kind is None:
        return {"annotation_type": [f'Invalid pk "{type_id}" - object does not exist.']}
    try:
        validate_vector(vector, kind.vector_type, kind.node_count, who=who)
    except InvalidVectorError as err:
        return {"vector": [str(err)]}
    return {}


def _datetime(name: str, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest({name: [f"Enter a valid date/time, got {text!r}."]}) from None
