"""Images: lists, retrieve, slide information, thumbnail, patches, the original file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from exact_desktop.model import entities as e
from exact_desktop.server import serialize as s
from exact_desktop.server.context import (
    CallerDep,
    OrjsonRoute,
    StoreDep,
    detail_response,
    json_response,
    list_response,
)
from exact_desktop.server.listing import BadRequest, wants
from exact_desktop.slides.base import SlideError
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.files import removed_unless_stored
from exact_desktop.store.sqlite.store import SqliteStore

router = APIRouter(dependencies=[CallerDep], route_class=OrjsonRoute)
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


@router.post("/api/v1/images/images/", status_code=200)
async def upload_image(
    request: Request,
    file_path: UploadFile = File(...),
    image_set: int = Form(...),
    image_type: int = Form(0),
    store: SqliteStore = StoreDep,
) -> Response:
    """Keep the file in the project's image folder, check it opens, answer as EXACT: a one-image page."""
    store.get(e.ImageSet, image_set)
    name = _safe_name(file_path.filename)
    folder = store.path.with_name(store.path.name + ".images") / str(image_set)
    folder.mkdir(parents=True, exist_ok=True)
    with removed_unless_stored(_free_name(folder / name)) as target:
        with target.open("wb") as out:
            while chunk := await file_path.read(1 << 20):
                out.write(chunk)
        try:
            with open_slide(target) as source:
                width, height = source.dimensions
                mpp, power = source.mpp or 0.0, source.objective_power or 0.0
        except SlideError as err:
            raise BadRequest({"file_path": [f"{name}: {err.reason}"]}) from None
        image = store.create(e.Image(
            name, image_set=image_set, filename=target.name, local_path=str(target), width=width, height=height,
            mpp=mpp, objectivePower=power, image_type=image_type,
        ))  # fmt: skip
    body = {"count": 1, "next": None, "previous": None, "results": [s.image(image, [])]}
    return json_response(body)  # 200 and a page, as EXACT answers an upload


MAX_NAME_BYTES = 200  # file systems take 255; room for the "-2" of a second upload of a name


def _safe_name(given: str | None) -> str:
    """The file's own name, without folders, NUL or other control characters, short enough
    for any disk (the stem is cut, the suffix kept)."""
    name = Path((given or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(". ") or "upload"
    path = Path(name)
    room = MAX_NAME_BYTES - len(path.suffix.encode())
    if room < 1:  # a "suffix" that long is no suffix
        return name.encode()[:MAX_NAME_BYTES].decode(errors="ignore")
    return path.stem.encode()[:room].decode(errors="ignore") + path.suffix


def _free_name(path: Path) -> Path:
    """The path, or path-2, path-3, ... if it is taken: uploads never overwrite."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


@router.get("/api/v1/images/images/{id}/")
def get_image(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.Image, _images(request, store, [store.get(e.Image, id)])[0])


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


@router.get("/api/v1/images/images/{id}/{z}/{frame}/tile/")
def deepzoom_descriptor(id: int, z: int, frame: int, request: Request, store: SqliteStore = StoreDep) -> Response:
    """The DZI XML (TileSize 254, Overlap 1, jpeg), as EXACT serves it; z and frame are 1 here."""
    dz = request.app.state.deepzooms.get(store.get(e.Image, id))
    return Response(dz.get_dzi("jpeg"), media_type="application/xml")


@router.get("/api/v1/images/images/{id}/{z}/{frame}/tile_files/{level}/{tile}/")
def deepzoom_tile(
    id: int, z: int, frame: int, level: int, tile: str, request: Request, store: SqliteStore = StoreDep
) -> Response:
    """A tile `{col}_{row}.jpeg` (or .png) of DeepZoom level `level`."""
    name, _, fmt = tile.partition(".")
    col, _, row = name.partition("_")
    if fmt not in ("jpeg", "jpg", "png") or not (col.isdigit() and row.isdigit()):
        raise BadRequest({"tile": [f"expected COL_ROW.jpeg or COL_ROW.png, got {tile!r}"]})
    dz = request.app.state.deepzooms.get(store.get(e.Image, id))
    if not 0 <= level < dz.level_count:
        raise BadRequest({"level": [f"DeepZoom levels are 0 to {dz.level_count - 1}, got {level}"]})
    cols, rows = dz.level_tiles[level]
    if int(col) >= cols or int(row) >= rows:
        raise BadRequest({"tile": [f"level {level} has {cols} x {rows} tiles, got {col}_{row}"]})
    rgb = np.asarray(dz.get_tile(level, (int(col), int(row))).convert("RGB"))
    extension = ".png" if fmt == "png" else ".jpg"
    ok, encoded = cv2.imencode(extension, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return Response(encoded.tobytes(), media_type="image/png" if fmt == "png" else "image/jpeg")


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
