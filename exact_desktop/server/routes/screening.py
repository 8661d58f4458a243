"""EXACT's `images/screening_modes/`: one screening progress per image and user, as EXACT's
`ScreeningModeViewSet` keeps it (filters id, image, user; a PATCH that names `current_index`
marks that field screened before the body is applied, as EXACT's `partial_update` does)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from exact_desktop.model import entities as e
from exact_desktop.server import serialize as s
from exact_desktop.server.context import CallerDep, OrjsonRoute, StoreDep, detail_response, list_response
from exact_desktop.server.listing import BadRequest
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(dependencies=[CallerDep], route_class=OrjsonRoute)
PATH = "/api/v1/images/screening_modes/"
FILTERS = {"id": "int", "image": "int", "user": "int"}
_UNIQUE = {"non_field_errors": ["The fields image, user must make a unique set."]}


class ScreeningModeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    image: int
    user: int | None
    screening_tiles: dict[str, Any] | None = None
    x_steps: int = 0
    y_steps: int = 0
    x_resolution: int = 0
    y_resolution: int = 0
    current_index: int = 0


class ScreeningModePatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    screening_tiles: dict[str, Any] | None = None
    x_steps: int | None = None
    y_steps: int | None = None
    x_resolution: int | None = None
    y_resolution: int | None = None
    current_index: int | None = None


@router.get(PATH)
def list_screening_modes(request: Request, store: SqliteStore = StoreDep) -> Any:
    return list_response(request, store, e.ScreeningMode, FILTERS, lambda items: [s.plain(m) for m in items])


@router.get(PATH + "{id}/")
def get_screening_mode(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.ScreeningMode, s.plain(store.get(e.ScreeningMode, id)))


@router.post(PATH, status_code=201)
def create_screening_mode(body: ScreeningModeIn, store: SqliteStore = StoreDep) -> dict[str, Any]:
    store.get(e.Image, body.image)
    if store.list(e.ScreeningMode, image=body.image, user=body.user, limit=1):
        raise BadRequest(_UNIQUE)
    return s.plain(store.create(e.ScreeningMode(**body.model_dump())))


@router.patch(PATH + "{id}/")
def update_screening_mode(
    id: int, body: ScreeningModePatch, request: Request, store: SqliteStore = StoreDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("current_index") is not None:
        tiles = dict(store.get(e.ScreeningMode, id).screening_tiles or {})
        field = tiles.get(str(changes["current_index"]))
        if field is not None:  # EXACT marks the field it is told the screener is at
            tiles[str(changes["current_index"])] = {**field, "Screened": True}
        changes = {"screening_tiles": tiles, **changes}
    updated = store.update(e.ScreeningMode, id, **changes) if changes else store.get(e.ScreeningMode, id)
    return detail_response(request, store, e.ScreeningMode, s.plain(updated))
