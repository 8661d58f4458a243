"""EXACT's verifications (`annotations/verifications/`): a user's verdict on an annotation, one
per (annotation, user); a second create for the pair is refused as EXACT refuses it, and a
verdict changes by PATCH and goes by DELETE."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from exact_desktop.model import entities as e
from exact_desktop.server import serialize as s
from exact_desktop.server.context import CallerDep, OrjsonRoute, StoreDep, detail_response, list_response
from exact_desktop.server.listing import BadRequest, select_fields
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(dependencies=[CallerDep], route_class=OrjsonRoute)
PATH = "/annotations/verifications/"
FILTERS = {"id": "int", "id__in": "ints", "annotation": "int", "user": "int", "verified": "bool"}
NOT_UNIQUE = "The fields annotation, user must make a unique set."  # EXACT's own words (DRF's unique_together)


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    annotation: int
    user: int
    verified: bool = False


class VerificationPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    verified: bool


def _bodies(items: list[e.Verification]) -> list[dict[str, Any]]:
    return [s.plain(x) for x in items]


@router.get(PATH)
def list_verifications(request: Request, store: SqliteStore = StoreDep) -> Response:
    return list_response(request, store, e.Verification, FILTERS, _bodies)


@router.get(PATH + "{id}/")
def get_verification(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.Verification, _bodies([store.get(e.Verification, id)])[0])


@router.post(PATH, status_code=201)
def create_verification(body: VerificationIn, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    problems = {}
    if not store.list(e.Annotation, id=body.annotation):
        problems["annotation"] = [f'Invalid pk "{body.annotation}" - object does not exist.']
    if not store.list(e.User, id=body.user):
        problems["user"] = [f'Invalid pk "{body.user}" - object does not exist.']
    if problems:
        raise BadRequest(problems)
    if store.list(e.Verification, annotation=body.annotation, user=body.user):
        raise BadRequest({"non_field_errors": [NOT_UNIQUE]})
    made = store.create(e.Verification(body.annotation, body.user, body.verified))
    return select_fields(request, _bodies([made])[0])


@router.patch(PATH + "{id}/")
def patch_verification(
    id: int, request: Request, body: VerificationPatch, store: SqliteStore = StoreDep
) -> dict[str, Any]:
    store.get(e.Verification, id)
    return select_fields(request, _bodies([store.update(e.Verification, id, verified=body.verified)])[0])


@router.delete(PATH + "{id}/", status_code=204)
def delete_verification(id: int, store: SqliteStore = StoreDep) -> None:
    """A verdict taken back, as EXACT deletes one (an unknown id: 404)."""
    store.delete(e.Verification, id)
