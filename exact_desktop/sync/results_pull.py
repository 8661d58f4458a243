"""Plugin results of a server image into the mirror, so result layers draw from the local index.

Results are the server's (plugins write them there): they are only ever pulled. A result the
server no longer has (the job ran again) goes from the mirror too. Result annotations are
fetched per entry when the mirror holds fewer than the server counts, and added by their server
id, so a pull during a running job fetches what is new. Bitmaps (heatmaps) are listed per
image and their files downloaded into the mirror's bitmap folder once; one that cannot be
used is named in `problems` and asked for again at the next pull.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.exact_api import TYPE_FIELDS
from exact_desktop.rest.processing import BITMAPS, PLUGINS, RESULT_ANNOTATIONS, entry_read, item, results_listed
from exact_desktop.rest.server_clock import ClockError, ServerClock
from exact_desktop.slides.limits import MAX_BITMAP_PIXELS, ImageTooLargeError, check_pixels
from exact_desktop.store.files import removed_unless_stored
from exact_desktop.store.sqlite.store import SqliteStore

RESULT_FIELDS = "id,image,job,plugin,default_alpha,created_time,completed_time,entries"
ENTRY_FIELDS = "id,pluginresult,name,visible,default_threshold,created_time"
RESULT_ANNOTATION_FIELDS = "id,annotation_type,pluginresultentry,vector,score,meta_data,unique_identifier,image,time"
BITMAP_FIELDS = (
    "id,bitmap,name,channels,scale_min,scale_max,default_alpha,default_threshold,location_rect,frame,meta_data,"
    "pluginresultentry,image"
)
BITMAP_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


@dataclass
class ResultsPulled:
    results: int = 0
    annotations: int = 0
    bitmaps: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)


def pull_results(store: SqliteStore, connection: Connection, image: e.Image) -> ResultsPulled:
    """Brings the server's results for `image` (a mirrored image with a remote_id) up to date."""
    outcome = ResultsPulled()
    remote = [
        r
        for r in results_listed(connection, image_id=image.remote_id, fields=RESULT_FIELDS)
        if r["image"] == image.remote_id
    ]
    present = {r.remote_id: r for r in store.list(e.PluginResult, image=image.id)}
    gone = [stored_id(r) for remote_id, r in present.items() if remote_id not in {x["id"] for x in remote}]
    if gone:
        store.delete_many(e.PluginResult, gone)
        outcome.removed = len(gone)
    entries: dict[int, int] = {}  # server entry id -> the mirror's
    for body in remote:
        result = present.get(body["id"])
        if result is None:
            result = store.create(e.PluginResult(
                stored_id(image), None, _plugin(store, connection, body["plugin"]),
                float(body.get("default_alpha") or 1.0), _time(body.get("created_time")), remote_id=body["id"],
            ))  # fmt: skip
            outcome.results += 1
        for entry_id in body.get("entries") or []:
            entries[entry_id], fresh = _pull_entry(store, connection, image, stored_id(result), entry_id)
            outcome.annotations += fresh
    if entries:
        _pull_bitmaps(store, connection, image, entries, outcome)
    return outcome


def _pull_bitmaps(store: SqliteStore, connection: Connection, image: e.Image, entries: dict[int, int],
                  outcome: ResultsPulled) -> None:  # fmt: skip
    """The image's bitmaps of these entries that the mirror lacks, with their files."""
    local = list(entries.values())
    known = {b.remote_id for b in store.list(e.PluginResultBitmap, pluginresultentry__in=local)}
    for body in connection.iterate(BITMAPS, image=image.remote_id, fields=BITMAP_FIELDS):
        entry = entries.get(body.get("pluginresultentry"))  # type: ignore[arg-type]
        if entry is None or body["id"] in known or body.get("image") != image.remote_id:
            continue
        try:
            _store_bitmap(store, connection, image, entry, body)
        except (ExactApiError, ImageTooLargeError, OSError, ValueError, KeyError) as err:
            outcome.problems.append(f"bitmap {body['id']} of {connection.url} not pulled: {err}")
            continue
        outcome.bitmaps += 1


def _store_bitmap(store: SqliteStore, connection: Connection, image: e.Image, entry: int,
                  body: dict[str, Any]) -> None:  # fmt: skip
    url = str(body.get("bitmap") or "")
    if not url:
        raise ValueError("the server names no file")
    data = connection.download(url)
    if check_pixels(data, MAX_BITMAP_PIXELS, f"bitmap {body['id']}") is None:
        raise ValueError(f"{url} is not an image ({len(data)} bytes)")
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    name = f"{secrets.token_hex(8)}{suffix if suffix in BITMAP_SUFFIXES else '.png'}"
    rect = body.get("location_rect") or {}
    folder = store.bitmap_folder
    folder.mkdir(parents=True, exist_ok=True)
    with removed_unless_stored(folder / name) as path:
        path.write_bytes(data)
        store.create(e.PluginResultBitmap(
            entry, stored_id(image), name, name=str(body.get("name") or ""), channels=int(body.get("channels") or 1),
            scale_min=float(body.get("scale_min") or 0.0), scale_max=float(body.get("scale_max") or 1.0),
            default_alpha=float(body.get("default_alpha") or 0.5),
            default_threshold=float(body.get("default_threshold") or 0.0),
            location_rect={k: float(rect[k]) for k in ("x", "y", "w", "h")}, frame=int(body.get("frame") or 1),
            meta_data=body.get("meta_data"), remote_id=body["id"],
        ))  # fmt: skip


def _pull_entry(store: SqliteStore, connection: Connection, image: e.Image, result: int,
                entry_id: int) -> tuple[int, int]:  # fmt: skip
    """(the mirror's entry id, how many result annotations arrived)."""
    found = store.list(e.PluginResultEntry, remote_id=entry_id, limit=1)
    if found:
        entry = found[0]
    else:
        record = entry_read(connection, entry_id, fields=ENTRY_FIELDS)
        entry = store.create(e.PluginResultEntry(
            result, record["name"], bool(record.get("visible", True)), float(record.get("default_threshold") or 0.0),
            _time(record.get("created_time")), remote_id=entry_id,
        ))  # fmt: skip
    there = connection.count(RESULT_ANNOTATIONS, pluginresultentry=entry_id)
    here = store.count(e.PluginResultAnnotation, pluginresultentry=entry.id)
    if there <= here:
        return stored_id(entry), 0
    known = {r.remote_id for r in store.list(e.PluginResultAnnotation, pluginresultentry=entry.id)}
    types: dict[int, int] = {}
    fresh = []
    local_entry, local_image = stored_id(entry), stored_id(image)
    for body in connection.iterate(RESULT_ANNOTATIONS, pluginresultentry=entry_id,
                                   fields=RESULT_ANNOTATION_FIELDS):  # fmt: skip
        if body["id"] in known or body.get("pluginresultentry") != entry_id:
            continue
        kind = types.get(body["annotation_type"]) or _type(store, connection, body["annotation_type"])
        types[body["annotation_type"]] = kind
        fresh.append(e.PluginResultAnnotation(
            kind, local_entry, local_image, body.get("vector"), float(body.get("score", 1.0)), body.get("meta_data"),
            str(body["unique_identifier"]), _time(body.get("time")), remote_id=body["id"],
        ))  # fmt: skip
    if fresh:
        store.bulk_create(fresh)
    return stored_id(entry), len(fresh)


def _plugin(store: SqliteStore, connection: Connection, remote_id: int) -> int:
    found = store.list(e.Plugin, remote_id=remote_id, limit=1)
    if found:
        return stored_id(found[0])
    body = connection.get(item(PLUGINS, remote_id), fields="id,name,author,package,contact,abouturl")
    text: dict[str, Any] = {k: str(body.get(k) or "") for k in ("author", "package", "contact", "abouturl")}
    made = store.create(e.Plugin(body["name"], **text, remote_id=remote_id))
    return stored_id(made)


def _type(store: SqliteStore, connection: Connection, remote_id: int) -> int:
    """The local type of a server type; one a plugin made after the last sync is fetched."""
    found = store.list(e.AnnotationType, remote_id=remote_id, limit=1)
    if found:
        return stored_id(found[0])
    body: dict[str, Any] = connection.get(f"/api/v1/annotations/annotation_types/{remote_id}/", fields=TYPE_FIELDS)
    products = store.list(e.Product, remote_id=body["product"], limit=1)
    if not products:
        raise LookupError(f"annotation type {remote_id} of the server belongs to a product this mirror lacks")
    values = {k: body[k] for k in TYPE_FIELDS.split(",") if k in body and k not in ("id", "product")}
    return stored_id(store.create(e.AnnotationType(**values, product=stored_id(products[0]), remote_id=remote_id)))


def _time(text: str | None) -> datetime:
    """A result's time in UTC by the server's clock; now where the server gives none it can read."""
    try:
        return ServerClock().instant(text) if text else e.utcnow()
    except ClockError:
        return e.utcnow()
