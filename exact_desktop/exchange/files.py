"""Import and export files for one image of a project, whichever the format.

An import is planned first (every feature checked) and then carried out in one transaction;
annotations whose UUID the image already has are left alone, so importing a file twice adds
nothing the second time; one deleted here is brought back as the file has it. Counts are of
what the store holds afterwards, not of what was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.exchange import exact_json, geojson, geojson_typed, json_numbers
from exact_desktop.exchange.plan import ExchangeError, ImportPlan, Problem
from exact_desktop.exchange.targets import read_regular, write_replacing
from exact_desktop.model.entities import Annotation, AnnotationType, Image, ImageSet
from exact_desktop.store.base import Store
from exact_desktop.store.many_objects import dropped_aside, gc_paused

GEOJSON, EXACT = "geojson", "exact"


@dataclass
class ImportResult:
    imported: int  # new annotations
    already_present: int
    stored: int  # this import's annotations (new and restored) counted live in the project afterwards
    restored: int = 0  # annotations deleted on the image earlier, brought back as the file has them


def image_types(store: Store, image_id: int) -> list[AnnotationType]:
    image_set = store.get(ImageSet, store.get(Image, image_id).image_set)
    return store.list(AnnotationType, product__in=image_set.product_set) if image_set.product_set else []


def _parsed(raw: bytes, path: Path) -> Any:
    try:
        return json_numbers.loads(raw)
    except json.JSONDecodeError as err:
        held = json_numbers.holder(raw) if err.msg == json_numbers.REFUSED else None
        if held is not None:
            index, name, number = held
            reason = f"a number beyond a double's range ({number}); nothing imported"
            raise ExchangeError(f"{path}: feature {Problem(index, reason, name)}") from None
        raise ExchangeError(f"{path}: not valid JSON ({err})") from None


def format_of(data: Any) -> str:
    if isinstance(data, geojson_typed.Decoded):
        return GEOJSON
    if isinstance(data, dict) and data.get("type") in ("FeatureCollection", "Feature"):
        return GEOJSON
    if isinstance(data, list) and data and isinstance(data[0], dict) and data[0].get("type") == "Feature":
        return GEOJSON
    return EXACT


def plan_file(
    store: Store, image_id: int, path: Path, default_type: str | None = None, simplify: float = 0.0,
    nucleus_type: str | None = None, make_valid: bool = False,
) -> ImportPlan:  # fmt: skip
    """The file read and checked with the cycle collector held off throughout, and its parsed
    features dropped before it runs again: otherwise the collector's first run walks all of them
    (millions of lists and dicts for 100,000 polygons; 0.4 s). They are freed aside (0.2 s),
    beside whatever comes next: the plan holds none of them."""
    with gc_paused():
        raw = read_regular(path)
        parsed = [geojson_typed.decoded(raw) or _parsed(raw, path)]  # its only reference: see dropped_aside
        del raw
        try:
            image = store.get(Image, image_id)
            types = image_types(store, image_id)
            if format_of(parsed[0]) == GEOJSON:
                return geojson.plan_import(parsed[0], image, types, default_type, simplify, nucleus_type, make_valid)
            return exact_json.plan_import(parsed[0], image, types)
        except ExchangeError as err:
            raise ExchangeError(f"{path}: {err}") from None
        finally:
            dropped_aside(parsed)


def carry_out(store: Store, plan: ImportPlan, history: EditHistory | None = None) -> ImportResult:
    """Store the plan's annotations in one transaction (one undoable edit with `history`): each
    UUID once, and none the image has live already. One whose annotation was deleted here (an
    undone import, a delete) brings that annotation back, as the file has it, in the same
    transaction. GeoJSON's columns go to the store as they are when nothing is brought back."""
    batch = plan.columns
    uids = batch.unique_identifiers if batch is not None else [a.unique_identifier for a in plan.listed]
    image = batch.image if batch is not None else (plan.listed[0].image if plan.listed else None)
    with gc_paused():
        fresh, back = _first_new(uids, store, image)
        if batch is not None and not fresh.all():
            batch = batch.rows(np.flatnonzero(fresh))
        restoring = _restorations(plan, back)
        if batch is not None and history is None and not restoring:
            ids = store.create_columns(batch)
        else:
            chosen = list(compress(plan.listed, fresh)) if batch is None else batch.annotations()
            label = f"Import {len(chosen) + len(restoring):,} annotations"
            if history is not None and restoring:
                ids = history.change_and_create(label, restoring, chosen)
            elif history is not None:
                ids = history.create(chosen, label)
            elif restoring:
                ids = store.change_and_create(restoring, chosen)
            else:
                ids = store.bulk_create(chosen)
    added = int(fresh.sum())
    return ImportResult(
        added,
        len(uids) - added - len(back),
        _counted(store, image, ids) + _counted(store, image, list(restoring)),
        len(back),
    )


def stored_of(store: Store, plan: ImportPlan) -> tuple[int, int]:
    """How many of the plan's UUIDs the image holds now, and how many the plan has: what an
    interrupted import can say of itself (its write went in whole, or not at all)."""
    batch = plan.columns
    uids = batch.unique_identifiers if batch is not None else [a.unique_identifier for a in plan.listed]
    image = batch.image if batch is not None else (plan.listed[0].image if plan.listed else None)
    unique = list(dict.fromkeys(uids))
    return (len(store.present_uuids(image, unique)) if image is not None else 0), len(unique)


def _restorations(plan: ImportPlan, back: dict[int, int]) -> dict[int, dict[str, Any]]:
    """Per deleted annotation to bring back (by id), the file's version of it (`back`: position
    in the plan -> id): what a person re-importing a file expects to see is that file."""
    if not back:
        return {}
    positions = sorted(back)
    if plan.columns is not None:
        found = plan.columns.rows(np.array(positions)).annotations()
    else:
        found = [plan.listed[p] for p in positions]
    return {
        back[p]: {"deleted": False, "annotation_type": a.annotation_type, "vector": a.vector,
                  "description": a.description, "meta_data": a.meta_data}
        for p, a in zip(positions, found, strict=True)
    }  # fmt: skip


def _counted(store: Store, image: int | None, ids: list[int]) -> int:
    """How many of the import's new annotations the project holds, live, on its image: counted
    by their ids (one range for a bulk write), not over the image's rows (a million of them
    took 0.19 s; no index covers `deleted`)."""
    if image is None or not ids:
        return 0
    low, high = min(ids), max(ids)  # ids are distinct: as many as the span holds make it whole
    picked = range(low, high + 1) if high - low + 1 == len(ids) else sorted(ids)
    return store.count(Annotation, id__in=picked, image=image, deleted=False)


def _first_new(uids: list[str], store: Store, image: int | None) -> tuple[np.ndarray, dict[int, int]]:
    """Which of `uids` to add (the first of each UUID the image does not have yet), and which
    to bring back (the first of each UUID of a deleted annotation: its position -> the id)."""
    present = store.present_uuids(image, uids) if image is not None else set()
    if not present and len(set(uids)) == len(uids):  # the usual import: all new, each once
        return np.ones(len(uids), bool), {}
    deleted = store.deleted_uuids(image, sorted(present)) if image is not None and present else {}
    fresh = np.zeros(len(uids), bool)
    back: dict[int, int] = {}
    for position, uid in enumerate(uids):
        if uid not in present:
            present.add(uid)
            fresh[position] = True
        elif uid in deleted:
            back[position] = deleted.pop(uid)
    return fresh, back


def export_file(store: Store, image_id: int, path: Path, fmt: str | None = None) -> int:
    """Write the image's live annotations; returns how many the file holds. Written beside the
    target and renamed into place, so a failed export never leaves half a file (nor a device
    replaced by one: only regular files and new paths are written)."""
    fmt = fmt or (GEOJSON if Path(path).suffix.lower() == ".geojson" else EXACT)
    image = store.get(Image, image_id)
    types = {t.id: t for t in image_types(store, image_id)}
    annotations = [a for a in store.list(Annotation, image=image_id, deleted=False) if a.annotation_type in types]
    if fmt == GEOJSON:
        document = geojson.export_features(annotations, types)
        count = len(document["features"])
    else:
        document = exact_json.export_document(image, annotations, types)
        count = len(document["annotations"])
    write_replacing(Path(path), orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return count
