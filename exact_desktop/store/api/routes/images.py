"""Images: lists, retrieve, slide information, thumbnail, patches, the original file."""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from exact_desktop.model import entities as e
from exact_desktop.store.api import serialize as s
from exact_desktop.store.api.context import CallerDep, StoreDep, list_response
from exact_desktop.store.api.listing import BadRequest, select_fields, wants
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(dependencies=[CallerDep])
MAX_PATCH = 2048
FILTERS = {"id": "int", "id__in": "ints", "name": "str", "image_set": "int", "image_set__in": "ints", "filename": "str"}


def _images(request: Request, store: SqliteStore, items: list[e.Image]) -> list[dict[str, Any]]:
    annotations = (
        store.ids_by(e.Annotation, "image", [i.id for i in items], deleted=False)
        if wants(request, "annotations")
        else {}
    )
    return [s.image(i, annotations.get(i.id)) for i in items]


@router.get("/api/v1/images/images/")
def list_images(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return list_response(request, store, e.Image, FILTERS, lambda items: _images(request, store, items))


@router.get("/api/v1/images/images/{id}/")
def get_image(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return select_fields(request, _images(request, store, [store.get(e.Image, id)])[0])


@router.get("/api/v1/images/images/{id}/slide_information/")
def slide_information(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    source = request.app.state.slides.get(store.get(e.Image, id))
    tile = 254
    return {
        "id": id,
        "level_dimensions": [list(d) for d in source.level_dimensions],
        "level_downsamples": list(source.level_downsamples),
        "level_tiles": [[math.ceil(w / tile), math.ceil(h / tile)] for w, h in source.level_dimensions],
        "levels": source.level_count,
        "mpp": source.mpp,
        "objective_power": source.objective_power,
    }


@router.get("/api/v1/images/images/{id}/thumbnail/")
def thumbnail(id: int, request: Request, store: SqliteStore = StoreDep) -> Response:
    source = request.app.state.slides.get(store.get(e.Image, id))
    return _png(source.get_thumbnail(512))


@router.get("/api/v1/images/images/{id}/get_patch")
@router.get("/api/v1/images/images/{id}/get_patch/")
def get_patch(
    id: int, request: Request, store: SqliteStore = StoreDep,
    x: int = Query(...), y: int = Query(...), level: int = Query(0), width: int = Query(...), height: int = Query(...),
) -> Response:  # fmt: skip
    errors: dict[str, list[str]] = {}
    for name, value in (("width", width), ("height", height)):
        if not 0 < value <= MAX_PATCH:
            errors[name] = [f"must be between 1 and {MAX_PATCH}, got {value}"]
    source = request.app.state.slides.get(store.get(e.Image, id))
    if not 0 <= level < source.level_count:
        errors["level"] = [f"this slide has levels 0 to {source.level_count - 1}, got {level}"]
    if errors:
        raise BadRequest(errors)
    return _png(source.read_region((x, y), level, (width, height)))


@router.get("/images/api/image/download/{id}/")
def download(id: int, store: SqliteStore = StoreDep) -> FileResponse:
    image = store.get(e.Image, id)
    if not image.local_path:
        raise BadRequest({"image": [f"image {id} has no file on this machine"]})
    return FileResponse(image.local_path, filename=image.filename or image.name)


def _png(rgb: np.ndarray) -> Response:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return Response(encoded.tobytes(), media_type="image/png")
