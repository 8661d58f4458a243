"""Plugins, jobs and their results, as EXACT's processing app serves them."""

from __future__ import annotations

import json
import math
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict

from exact_desktop.model import entities as e
from exact_desktop.model.entities import JobStatus, status_from_exact, stored_id, utcnow
from exact_desktop.model.values import InvalidValueError, canonical_uuid
from exact_desktop.model.vectors import MAX_COORDINATE, InvalidVectorError, validate_vector
from exact_desktop.server import serialize as s
from exact_desktop.server.auth import Caller
from exact_desktop.server.context import (
    CallerDep,
    OrjsonRoute,
    StoreDep,
    detail_response,
    json_response,
    list_response,
)
from exact_desktop.server.listing import (
    BadRequest,
    one_or_many,
    own_url,
    page,
    page_params,
    parse_filters,
    select_fields,
)
from exact_desktop.server.plain_results import plain_results
from exact_desktop.slides.limits import MAX_BITMAP_PIXELS, ImageTooLargeError, check_pixels
from exact_desktop.store.base import NotFoundError, StoreError
from exact_desktop.store.files import removed_unless_stored
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.trial_book import TrialBook

router = APIRouter(dependencies=[CallerDep], route_class=OrjsonRoute)
V1 = "/api/v1/processing"


# --- plugins -----------------------------------------------------------------------------------
def _plugins(store: SqliteStore, items: list[e.Plugin]) -> list[dict[str, Any]]:
    results = store.ids_by(e.PluginResult, "plugin", [stored_id(p) for p in items])
    return [s.plugin(p, results[stored_id(p)]) for p in items]


@router.get(f"{V1}/plugins/")
def list_plugins(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return list_response(request, store, e.Plugin, {"id": "int", "name": "str"}, lambda items: _plugins(store, items))


NO_PLUGIN = "No Plugin matches the given query."  # EXACT's 404 for an id it does not have


@router.get(f"{V1}/plugins/{{id}}/")
def get_plugin(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    """One of the project's plugins, a running test's record too: the test's own workers find
    their plugin through these answers (jobs for it are refused to anyone else)."""
    try:
        plugin = store.get(e.Plugin, id)
    except NotFoundError:
        raise NotFoundError(NO_PLUGIN) from None
    return detail_response(request, store, e.Plugin, _plugins(store, [plugin])[0])


def changeable_plugin(store: SqliteStore, id: int) -> e.Plugin:
    """The plugin a PATCH or DELETE may change: a running test's record is answered as an id the
    project does not have (404, EXACT's words), as the test removes it itself, with every job
    and result under it, and nothing from outside may change or remove it under the test."""
    if id in TrialBook(store).plugins():
        raise NotFoundError(NO_PLUGIN)
    try:
        return store.get(e.Plugin, id)
    except NotFoundError:
        raise NotFoundError(NO_PLUGIN) from None


@router.delete(f"{V1}/plugins/{{id}}/", status_code=204)
def delete_plugin(id: int, store: SqliteStore = StoreDep) -> None:
    """Its jobs and results go with it."""
    store.delete(e.Plugin, stored_id(changeable_plugin(store, id)))


# --- jobs ----------------------------------------------------------------------------------------
class JobPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    attached_worker: str | None = None
    processing_complete: float | None = None
    eta_time: datetime | None = None
    error_message: str | None = None
    error_detail: str | None = None
    result: int | None = None


@router.get(f"{V1}/pluginjobs/")
def list_jobs(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    """Newest first; `image_id`, `user_id` and `filter_ids` (job ids) filter, as on EXACT.

    `plugin_id` is an extension EXACT lacks (it ignores the parameter): clients must not rely on it.
    """
    raw = parse_filters(
        request, {"image_id": "int", "user_id": "int", "plugin_id": "int", "filter_ids": "ints", "id": "int"}
    )
    renamed = {"image_id": "image", "user_id": "creator", "plugin_id": "plugin", "filter_ids": "id__in", "id": "id"}
    filters = {renamed[k]: v for k, v in raw.items()}
    limit, offset = page_params(request)
    count = store.count(e.PluginJob, **filters)
    newest_first_offset = max(0, count - offset - limit)
    items = store.list(e.PluginJob, limit=min(limit, max(0, count - offset)), offset=newest_first_offset, **filters)
    return page(request, [s.plugin_job(j) for j in reversed(items)], count, limit, offset)


@router.get(f"{V1}/pluginjobs/{{id}}/")
def get_job(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.PluginJob, s.plugin_job(store.get(e.PluginJob, id)))


@router.patch(f"{V1}/pluginjobs/{{id}}/")
def patch_job(id: int, request: Request, body: JobPatch, store: SqliteStore = StoreDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    nulls = [k for k in ("eta_time", "processing_complete") if k in changes and changes[k] is None]
    if nulls:  # EXACT's model fields are not nullable
        raise BadRequest({k: ["This field may not be null."] for k in nulls})
    if "processing_complete" in changes and not 0 <= (changes["processing_complete"] or 0) <= 100:
        raise BadRequest({"processing_complete": ["must be between 0 and 100 (percent)"]})

    def change(job: e.PluginJob) -> dict[str, Any]:
        return {
            **changes,
            "status": _status(job.status, changes, {**job.__dict__, **changes}),
            "updated_time": utcnow(),
        }

    # read and written in one transaction: a progress report handled while the queue fails the job
    # must not write "running" back over "failed" from a copy read before
    return select_fields(request, s.plugin_job(store.update_with(e.PluginJob, id, change)))


ENDED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)


def _status(current: str, changes: dict[str, Any], job: dict[str, Any]) -> str:
    """The desktop's own job state, from EXACT's fields. A job that has ended stays so whatever a
    late progress report says; only a PATCH that clears `error_message` (a retry, a run again)
    or sets one (a failure, a cancel) decides anew. EXACT itself keeps no state and writes any
    PATCH: its clients derive the state from `error_message`, which a progress report leaves."""
    if current in ENDED and "error_message" not in changes:
        return current
    if current in (JobStatus.CANCELLED, JobStatus.INTERRUPTED) and changes.get("error_message"):
        return current
    return status_from_exact(job)


@router.post(f"{V1}/pluginjobs/")
def refuse_job_post() -> None:
    raise BadRequest(
        {"result": ["This field is required."], "detail": ["create jobs with POST /processing/api/plugin_job/create/"]}
    )


@router.post("/processing/api/plugin_job/create/", status_code=201)
def create_job(
    request: Request, body: dict[str, Any] = Body(...), store: SqliteStore = StoreDep, caller: Caller = CallerDep
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    ids: dict[str, int] = {}
    for name, kind in (("image_id", e.Image), ("plugin_id", e.Plugin)):
        try:
            ids[name] = int(body[name])
            store.get(kind, ids[name])
        except (KeyError, TypeError, ValueError):
            errors[name] = ["A valid integer is required."]
        except NotFoundError:
            errors[name] = [f'Invalid pk "{body[name]}" - object does not exist.']
    if errors:
        raise BadRequest(errors)
    if ids["plugin_id"] in TrialBook(store).plugins():  # its end would take the job along, unsaid
        name = store.get(e.Plugin, ids["plugin_id"]).name
        raise BadRequest({"plugin_id": [f"{name} is a plugin test's record, removed with every job under it when "
                                        "the test ends; add the script with `exact-desktop plugin add`"]})  # fmt: skip
    try:  # the unique index decides, also between concurrent creates: the second one is refused
        job = store.create(e.PluginJob(ids["plugin_id"], ids["image_id"], creator=caller.user_id))
    except StoreError:
        raise BadRequest({"non_field_errors": ["A job of this plugin for this image exists already."]}) from None
    return s.plugin_job(job)


# --- results -------------------------------------------------------------------------------------
def _deleter(path: str, kind: type) -> None:
    """DELETE of one row (and what hangs off it), as EXACT's model view sets allow."""

    def remove(id: int, store: SqliteStore = StoreDep) -> None:
        store.delete(kind, id)

    router.delete(path, status_code=204, name=f"delete_{kind.__name__}")(remove)


for _path, _kind in (
    (f"{V1}/pluginresults/{{id}}/", e.PluginResult),
    (f"{V1}/pluginresultentrys/{{id}}/", e.PluginResultEntry),
    (f"{V1}/pluginresultannotations/{{id}}/", e.PluginResultAnnotation),
):
    _deleter(_path, _kind)


@router.get(f"{V1}/pluginresults/")
def list_results(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    raw = parse_filters(request, {"image_id": "int", "job_id": "int", "plugin_id": "int"})
    fixed = {k.removesuffix("_id"): v for k, v in raw.items()}
    return list_response(request, store, e.PluginResult, {}, lambda items: _results(store, items), **fixed)


def _results(store: SqliteStore, items: list[e.PluginResult]) -> list[dict[str, Any]]:
    entries = store.ids_by(e.PluginResultEntry, "pluginresult", [stored_id(r) for r in items])
    return [s.plugin_result(r, entries[stored_id(r)]) for r in items]


@router.get(f"{V1}/pluginresults/{{id}}/")
def get_result(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(request, store, e.PluginResult, _results(store, [store.get(e.PluginResult, id)])[0])


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    image: int
    plugin: int
    job: int | None = None
    default_alpha: float = 1.0
    completed_time: datetime | None = None
    entries: list[int] = []


@router.post(f"{V1}/pluginresults/", status_code=201)
def create_result(body: ResultIn, store: SqliteStore = StoreDep) -> dict[str, Any]:
    values = body.model_dump(exclude={"entries"})
    if body.job is not None:
        job = store.get(e.PluginJob, body.job)
        if (body.image, body.plugin) != (job.image, job.plugin):  # EXACT keeps them: a plugin's bug stays hidden
            mine = f"job {job.id} is plugin {job.plugin}'s job for image {job.image}"
            raise BadRequest({"image": [f"{mine}: no results of plugin {body.plugin} for image {body.image} in it"]})
    try:  # one per job, as on EXACT: a unique index decides, also between concurrent creates
        made = store.create(e.PluginResult(**values))
    except StoreError:
        raise BadRequest({"job": ["plugin result with this job already exists."]}) from None
    return _results(store, [made])[0]


class ResultPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    job: int | None = None
    default_alpha: float | None = None


@router.patch(f"{V1}/pluginresults/{{id}}/")
def patch_result(id: int, body: ResultPatch, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    """As EXACT allows: a result set aside from its job (job null) while the job runs again, and
    given back when the new run does not end."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("default_alpha", 0) is None:
        raise BadRequest({"default_alpha": ["This field may not be null."]})
    result = store.get(e.PluginResult, id)
    if changes.get("job") is not None:
        job = store.get(e.PluginJob, changes["job"])
        if (job.image, job.plugin) != (result.image, result.plugin):
            raise BadRequest({"job": [f"job {job.id} is for image {job.image}, this result for image {result.image}"]})
    try:
        made = store.update(e.PluginResult, id, **changes)
    except StoreError:
        raise BadRequest({"job": ["plugin result with this job already exists."]}) from None
    return select_fields(request, _results(store, [made])[0])


def _entries(store: SqliteStore, items: list[e.PluginResultEntry]) -> list[dict[str, Any]]:
    ids = [x.id for x in items]
    annotations = store.ids_by(e.PluginResultAnnotation, "pluginresultentry", ids)  # type: ignore[arg-type]
    bitmaps = store.ids_by(e.PluginResultBitmap, "pluginresultentry", ids)  # type: ignore[arg-type]
    return [s.result_entry(x, annotations[stored_id(x)], bitmaps[stored_id(x)]) for x in items]


@router.get(f"{V1}/pluginresultentrys/")
def list_entries(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return list_response(
        request, store, e.PluginResultEntry, {"pluginresult": "int", "id": "int"}, lambda items: _entries(store, items)
    )


@router.get(f"{V1}/pluginresultentrys/{{id}}/")
def get_entry(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return detail_response(
        request, store, e.PluginResultEntry, _entries(store, [store.get(e.PluginResultEntry, id)])[0]
    )


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pluginresult: int
    name: str
    visible: bool = True
    default_threshold: float = 0.0
    annotation_results: list[int] = []
    bitmap_results: list[int] = []


@router.post(f"{V1}/pluginresultentrys/", status_code=201)
def create_entry(body: EntryIn, store: SqliteStore = StoreDep) -> dict[str, Any]:
    values = body.model_dump(exclude={"annotation_results", "bitmap_results"})
    return _entries(store, [store.create(e.PluginResultEntry(**values))])[0]


class ResultAnnotationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    annotation_type: int
    pluginresultentry: int
    image: int
    vector: dict[str, Any] | None = None
    score: float = 1.0
    meta_data: dict[str, Any] | None = None
    unique_identifier: str | None = None


def _check_images(store: SqliteStore, pairs: set[tuple[int, int]]) -> dict[int, int]:
    """Each (entry, image) pair: results go to the image their entry's job (or result) is for.
    The plugin of each entry, read on the way (a list create's answer names it)."""
    entries = {x.id: x.pluginresult for x in store.list(e.PluginResultEntry, id__in=sorted({p[0] for p in pairs}))}
    results = {r.id: r for r in store.list(e.PluginResult, id__in=sorted(set(entries.values())))}
    wrong = []
    for entry, image in sorted(pairs):
        result = results.get(entries.get(entry))  # type: ignore[arg-type]
        if result is None:
            raise BadRequest({"pluginresultentry": [f'Invalid pk "{entry}" - object does not exist.']})
        if result.image != image:
            owner = f"job {result.job}" if result.job is not None else f"result {result.id}"
            wrong.append(f"entry {entry} belongs to {owner} for image {result.image}, not image {image}")
    if wrong:
        raise BadRequest({"image": wrong[:20]})
    return {entry: results[result].plugin for entry, result in entries.items()}


def _plugin_of_entries(store: SqliteStore, entry_ids: set[int]) -> dict[int, int]:
    entries = {x.id: x.pluginresult for x in store.list(e.PluginResultEntry, id__in=sorted(entry_ids))}
    results = {r.id: r.plugin for r in store.list(e.PluginResult, id__in=sorted(set(entries.values())))}
    return {entry: results[result] for entry, result in entries.items()}  # type: ignore[index,misc]


@router.get(f"{V1}/pluginresultannotations/")
def list_result_annotations(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    allowed = {"image": "int", "annotation_type": "int", "pluginresultentry": "int", "id": "int", "id__in": "ints"}
    plugin = parse_filters(request, {"plugin": "int"}).get("plugin")
    fixed: dict[str, Any] = {}
    if plugin is not None:
        results = [r.id for r in store.list(e.PluginResult, plugin=plugin)]
        fixed["pluginresultentry__in"] = [x.id for x in store.list(e.PluginResultEntry, pluginresult__in=results)]

    def serialize(items: list[e.PluginResultAnnotation]) -> list[dict[str, Any]]:
        plugins = _plugin_of_entries(store, {x.pluginresultentry for x in items})
        return [s.result_annotation(x, plugins.get(x.pluginresultentry)) for x in items]

    return list_response(request, store, e.PluginResultAnnotation, allowed, serialize, **fixed)


@router.get(f"{V1}/pluginresultannotations/{{id}}/")
def get_result_annotation(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    row = store.get(e.PluginResultAnnotation, id)
    plugins = _plugin_of_entries(store, {row.pluginresultentry})
    return select_fields(request, s.result_annotation(row, plugins.get(row.pluginresultentry)))


@router.post(f"{V1}/pluginresultannotations/", status_code=201)
def create_result_annotations(request: Request, payload: Any = Body(...), store: SqliteStore = StoreDep) -> Response:
    """A list is one bulk create, all or nothing. A list in the form a plugin's worker sends
    (plain_results.py) goes to the store as it is, which checks types and vectors itself; the
    items are checked one by one, for a message each, when it is in any other form or the store
    refuses it. The answer is encoded by orjson (FastAPI's encoder took 0.8 ms a batch of 500)."""
    now = utcnow()  # one request, one moment: the rows share it (as a list create of annotations)
    made = plain_results(payload, now) if isinstance(payload, list) else None
    if made is not None:
        plugins = _check_images(store, {(x.pluginresultentry, x.image) for x in made})
        try:
            ids = store.bulk_create(made)
        except StoreError:
            _checked_results(store, one_or_many(ResultAnnotationIn, payload), now)  # type: ignore[arg-type]
            raise  # the items are fine: what the store refused is not theirs (a full disk, ...)
        return json_response(_created(request, made, ids, plugins), 201)
    body = one_or_many(ResultAnnotationIn, payload)
    items: list[ResultAnnotationIn] = body if isinstance(body, list) else [body]  # type: ignore[list-item,assignment]
    plugins = _check_images(store, {(i.pluginresultentry, i.image) for i in items})
    made = _checked_results(store, items, now)
    out = _created(request, made, store.bulk_create(made), plugins)
    return json_response(out if isinstance(body, list) else out[0], 201)


def _created(
    request: Request, made: list[e.PluginResultAnnotation], ids: list[int], plugins: dict[int, int]
) -> list[dict[str, Any]]:
    """The created rows as EXACT answers a create, cut to `fields`/`omit` as its serializer cuts
    them (drf-flex-fields reads the request on a create too). A plugin's worker asks for the ids
    alone, since it reads nothing else: building and encoding 500 whole rows was as much of the
    server's time as storing them."""
    if request.query_params.get("fields") == "id" and not request.query_params.get("omit"):
        return [{"id": i} for i in ids]
    return [select_fields(request, row) for row in s.created_result_annotations(made, ids, plugins)]


def _checked_results(
    store: SqliteStore, items: list[ResultAnnotationIn], now: datetime
) -> list[e.PluginResultAnnotation]:
    """The items as rows, each checked (its UUID, type and vector); BadRequest naming by field
    every item that fails."""
    types = {t.id: t for t in store.list(e.AnnotationType, id__in=sorted({i.annotation_type for i in items}))}
    errors: dict[str, list[str]] = {}
    made = []
    first_at: dict[str, int] = {}  # a UUID -> the first item with it
    for index, item in enumerate(items):
        try:  # stored and answered in its one spelling
            identifier = canonical_uuid(item.unique_identifier) if item.unique_identifier else e.new_uuid()
        except InvalidValueError as err:
            errors.setdefault("unique_identifier", []).append(f"{index}: {err.reason}")
            continue
        first = first_at.setdefault(identifier, index)
        if first != index:  # two results with one UUID: a review could decide only one of them
            errors.setdefault("unique_identifier", []).append(f"{index}: {identifier} is also item {first}'s")
            continue
        kind = types.get(item.annotation_type)
        if kind is None:
            errors.setdefault("annotation_type", []).append(
                f"{index}: annotation_type {item.annotation_type} does not exist"
            )
            continue
        try:
            validate_vector(item.vector, kind.vector_type, kind.node_count, who=f"result annotation {identifier}")
        except InvalidVectorError as err:
            errors.setdefault("vector", []).append(f"{index}: vector: {err}")
            continue
        made.append(  # fields read one by one: model_dump was a third of this loop's time
            e.PluginResultAnnotation(
                item.annotation_type, item.pluginresultentry, item.image, item.vector, item.score, item.meta_data,
                unique_identifier=identifier, time=now,
            )
        )  # fmt: skip
    if errors:
        raise BadRequest(errors)
    return made


@router.get(f"{V1}/pluginresultbitmaps/")
def list_bitmaps(request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    allowed = {"image": "int", "pluginresultentry": "int", "id": "int"}
    return list_response(
        request, store, e.PluginResultBitmap, allowed, lambda items: [_bitmap(request, b) for b in items]
    )


def _bitmap(request: Request, bitmap: e.PluginResultBitmap) -> dict[str, Any]:
    return s.result_bitmap(bitmap, str(own_url(request, request.url_for("bitmap_file", id=bitmap.id))))


@router.get(f"{V1}/pluginresultbitmaps/{{id}}/")
def get_bitmap(id: int, request: Request, store: SqliteStore = StoreDep) -> dict[str, Any]:
    return select_fields(request, _bitmap(request, store.get(e.PluginResultBitmap, id)))


@router.post(f"{V1}/pluginresultbitmaps/", status_code=201)
async def create_bitmap(
    request: Request,
    bitmap: UploadFile = File(...),
    pluginresultentry: int = Form(...),
    image: int = Form(...),
    name: str = Form(""),
    channels: int = Form(1),
    scale_min: float = Form(0.0),
    scale_max: float = Form(1.0),
    default_alpha: float = Form(0.5),
    default_threshold: float = Form(0.0),
    location_rect: str = Form("{}"),
    frame: int = Form(1),
    meta_data: str = Form("null"),
    store: SqliteStore = StoreDep,
) -> dict[str, Any]:
    rect, meta = _rect(location_rect), _json_form("meta_data", meta_data)
    _bitmap_numbers(channels, scale_min, scale_max, default_alpha, default_threshold, frame)
    _check_images(store, {(pluginresultentry, image)})
    data = await bitmap.read()
    try:
        if check_pixels(data, MAX_BITMAP_PIXELS, f"bitmap {bitmap.filename!r}") is None:
            raise BadRequest({"bitmap": ["Upload a valid image (PNG, JPEG or TIFF)."]})
    except ImageTooLargeError as err:
        raise BadRequest({"bitmap": [str(err)]}) from None
    folder: Path = store.bitmap_folder
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(bitmap.filename or "").suffix.lower()
    stored = f"{secrets.token_hex(8)}{suffix if suffix in BITMAP_SUFFIXES else '.png'}"
    row = e.PluginResultBitmap(
        pluginresultentry, image, stored, name=name, channels=channels, scale_min=scale_min, scale_max=scale_max,
        default_alpha=default_alpha, default_threshold=default_threshold, location_rect=rect, frame=frame,
        meta_data=meta,
    )  # fmt: skip
    with removed_unless_stored(folder / stored) as path:
        path.write_bytes(data)
        made = store.create(row)
    return _bitmap(request, made)


BITMAP_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
RECT_KEYS = ("x", "y", "w", "h")


def _rect(text: str) -> dict[str, float]:
    """`location_rect`: {"x", "y", "w", "h"} in level-0 pixels, finite, with a positive size."""
    wrong = BadRequest({"location_rect": ['must be JSON like {"x": 0, "y": 0, "w": 512, "h": 512}, w and h > 0']})
    try:
        rect = json.loads(text)
    except ValueError:
        raise wrong from None
    if not isinstance(rect, dict) or set(rect) != set(RECT_KEYS):
        raise wrong
    values = [rect[k] for k in RECT_KEYS]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise wrong
    if rect["w"] <= 0 or rect["h"] <= 0 or max(abs(v) for v in values) > MAX_COORDINATE:
        raise wrong
    return {k: float(rect[k]) for k in RECT_KEYS}


def _bitmap_numbers(channels: int, low: float, high: float, alpha: float, threshold: float, frame: int) -> None:
    """What the viewer needs to draw a bitmap: 1 (heatmap), 3 (RGB) or 4 (RGBA) channels, a
    finite value range, alpha and threshold in [0, 1], a frame from 1."""
    errors: dict[str, list[str]] = {}
    if channels not in (1, 3, 4):
        errors["channels"] = ["must be 1 (heatmap), 3 (RGB) or 4 (RGBA)"]
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        errors["scale_max"] = ["scale_min and scale_max must be finite, scale_min < scale_max"]
    for field, value in (("default_alpha", alpha), ("default_threshold", threshold)):
        if not 0 <= value <= 1:
            errors[field] = ["must be between 0 and 1"]
    if frame < 1:
        errors["frame"] = ["must be 1 or more"]
    if errors:
        raise BadRequest(errors)


def _json_form(field: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequest({field: ["must be JSON"]}) from None


@router.get(f"{V1}/pluginresultbitmaps/{{id}}/file/", name="bitmap_file")
def bitmap_file(id: int, store: SqliteStore = StoreDep) -> FileResponse:
    """The bitmap's picture; a file gone from the project's folder is a 404 naming it, not a
    500 from the response (FileResponse finds it missing only while sending)."""
    row = store.get(e.PluginResultBitmap, id)
    path = store.bitmap_folder / row.bitmap
    if not path.is_file():
        raise NotFoundError(f"the picture of result bitmap {id} ({row.bitmap}) is missing from {store.bitmap_folder}")
    return FileResponse(path)
