"""Teams, users, products, image sets, annotation types."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.server import serialize as s
from exact_desktop.server.context import CallerDep, OrjsonRoute, StoreDep, detail_response, list_response
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(dependencies=[CallerDep], route_class=OrjsonRoute)
ID_FILTERS = {"id": "int", "id__in": "ints", "name": "str"}


def _teams(store: SqliteStore, items: list[e.Team]) -> list[dict[str, Any]]:
    ids = [t.id for t in items]
    memberships = store.list(e.TeamMembership, team__in=ids)
    names = {u.id: u.username for u in store.list(e.User, id__in=sorted({m.user for m in memberships}))}
    members: dict[int, list[str]] = {i: [] for i in ids}  # type: ignore[misc]
    for m in memberships:
        members[m.team].append(names[m.user])
    image_sets = store.ids_by(e.ImageSet, "team", ids)
    products = store.ids_by(e.Product, "team", ids)
    return [s.team(t, members[stored_id(t)], image_sets[stored_id(t)], products[stored_id(t)]) for t in items]


@router.get("/users/teams/")
def list_teams(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return list_response(request, store, e.Team, ID_FILTERS, lambda items: _teams(store, items))


@router.get("/users/teams/{id}/")
def get_team(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.Team, _teams(store, [store.get(e.Team, id)])[0])


@router.get("/users/users/")
def list_users(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    filters = {**ID_FILTERS, "username": "str"}
    return list_response(
        request, store, e.User, filters, lambda items: [{"id": u.id, "username": u.username} for u in items]
    )


def _products(store: SqliteStore, items: list[e.Product]) -> list[dict[str, Any]]:
    ids = [p.id for p in items]
    image_sets = store.linked(e.ImageSet, "product_set", ids)
    types = store.ids_by(e.AnnotationType, "product", ids)
    return [s.product(p, image_sets[p.id], types[p.id]) for p in items]


@router.get("/administration/products/")
def list_products(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    filters = {**ID_FILTERS, "team": "int"}
    return list_response(request, store, e.Product, filters, lambda items: _products(store, items))


@router.get("/administration/products/{id}/")
def get_product(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.Product, _products(store, [store.get(e.Product, id)])[0])


def _image_sets(store: SqliteStore, items: list[e.ImageSet]) -> list[dict[str, Any]]:
    images = store.ids_by(e.Image, "image_set", [i.id for i in items])
    return [s.image_set(i, images[i.id]) for i in items]


@router.get("/images/image_sets/")
def list_image_sets(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    filters = {**ID_FILTERS, "team": "int"}
    return list_response(request, store, e.ImageSet, filters, lambda items: _image_sets(store, items))


@router.get("/images/image_sets/{id}/")
def get_image_set(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.ImageSet, _image_sets(store, [store.get(e.ImageSet, id)])[0])


@router.get("/annotations/annotation_types/")
def list_annotation_types(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    filters = {**ID_FILTERS, "product": "int", "vector_type": "int", "active": "bool"}
    return list_response(request, store, e.AnnotationType, filters, lambda items: [s.plain(t) for t in items])


@router.get("/annotations/annotation_types/{id}/")
def get_annotation_type(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.AnnotationType, s.plain(store.get(e.AnnotationType, id)))


class AnnotationTypeIn(BaseModel):
    """EXACT's AnnotationType fields a client sets; the rest take EXACT's defaults."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=50)
    product: int
    vector_type: int = Field(default=1, ge=1, le=8)
    node_count: int = Field(default=0, ge=0)
    color_code: str = Field(default="#CC4444", pattern=r"^#[0-9A-Fa-f]{6}$")
    closed: bool = True
    area_hit_test: bool = True
    default_width: int = 50
    default_height: int = 50
    sort_order: int = 0
    active: bool = True


@router.post("/annotations/annotation_types/", status_code=201)
def create_annotation_type(body: AnnotationTypeIn, store: SqliteStore = StoreDep) -> dict[str, Any]:
    store.get(e.Product, body.product)
    values = body.model_dump()
    return s.plain(store.create(e.AnnotationType(values.pop("name"), values.pop("vector_type"), **values)))


class ImageSetIn(BaseModel):
    """What EXACT's image set create demands (it insists on `images` and `set_tags`, even empty)."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=100)
    team: int
    product_set: list[int]
    images: list[int]
    set_tags: list[Any]
    description: str = ""
    collaboration_type: int = 0


@router.post("/images/image_sets/", status_code=201)
def create_image_set(body: ImageSetIn, store: SqliteStore = StoreDep) -> dict[str, Any]:
    store.get(e.Team, body.team)
    for product in body.product_set:
        store.get(e.Product, product)
    made = store.create(
        e.ImageSet(body.name, body.team, body.description, body.product_set, collaboration_type=body.collaboration_type)
    )
    return _image_sets(store, [made])[0]
