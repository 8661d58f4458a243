"""EXACT's annotation JSON: the annotation objects of its REST API (`vector`, `unique_identifier`,
`annotation_type`, ...), wrapped with the types they refer to so another project can map them
by name. Import also takes a bare list of API annotation objects or a page of them (`results`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard

from exact_desktop.exchange.plan import ExchangeError, ImportPlan, Problem
from exact_desktop.exchange.problem_lines import unknown_type
from exact_desktop.model.entities import Annotation, AnnotationType, Image, stored_id
from exact_desktop.model.values import InvalidValueError, canonical_uuid, check_text
from exact_desktop.model.vectors import InvalidVectorError, validate_vector

FORMAT = "exact-annotations"


def export_document(
    image: Image, annotations: Iterable[Annotation], types: dict[int, AnnotationType]
) -> dict[str, Any]:
    rows = list(annotations)
    used = sorted({a.annotation_type for a in rows})
    return {
        "format": FORMAT,
        "version": 1,
        "image": {"name": image.name, "width": image.width, "height": image.height, "mpp": image.mpp},
        "annotation_types": [
            {"id": t.id, "name": t.name, "vector_type": t.vector_type, "color_code": t.color_code}
            for t in (types[i] for i in used)
        ],
        "annotations": [
            {
                "annotation_type": a.annotation_type, "vector": a.vector, "unique_identifier": a.unique_identifier,
                "description": a.description, "meta_data": a.meta_data, "deleted": a.deleted,
                "time": a.time.isoformat(), "last_edit_time": a.last_edit_time.isoformat(),
            }
            for a in rows
        ],
    }  # fmt: skip


def plan_import(data: Any, image: Image, types: Iterable[AnnotationType]) -> ImportPlan:
    local = list(types)
    by_name = {t.name: t for t in local}
    by_id = {t.id: t for t in local}
    rows, names = _rows(data)
    plan = ImportPlan(features=len(rows))
    first_with: dict[str, tuple[int, tuple[Any, ...]]] = {}  # a UUID -> the first annotation with it, and its content
    deleted = 0
    for index, row in enumerate(rows):
        flag = row.get("deleted") if isinstance(row, dict) else None
        if flag is not None and not isinstance(flag, bool):
            plan.problems.append(Problem(index, "deleted must be true or false"))
            continue
        if flag:  # an export or an API page holds soft-deleted annotations too: they stay deleted
            deleted += 1
            continue
        try:
            annotation = _annotation(row, image, by_name, by_id, names)
        except (InvalidVectorError, InvalidValueError, _BadFeatureError) as err:
            plan.problems.append(Problem(index, getattr(err, "reason", None) or str(err)))
            continue
        uid, content = annotation.unique_identifier, _content(annotation)
        first, seen = first_with.setdefault(uid, (index, content))
        if seen != content:  # the same annotation twice is kept once (carry_out); different ones conflict
            plan.conflicts += 1
            plan.problems.append(
                Problem(index, f"conflicts with feature {first + 1}: the same id {uid}, a different annotation")
            )
            continue
        plan.listed.append(annotation)
    if deleted:
        plan.notes.append(f"{deleted} marked deleted, left out (they stay deleted)")
    return plan


def _content(a: Annotation) -> tuple[Any, ...]:
    return a.annotation_type, a.vector, a.description, a.meta_data


class _BadFeatureError(ValueError):
    pass


def _rows(data: Any) -> tuple[list[Any], dict[int, str]]:
    if isinstance(data, list):
        return data, {}
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        return data["annotations"], _type_names(data.get("annotation_types"))
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"], {}
    raise ExchangeError("not EXACT annotation JSON: expected 'annotations', 'results' or a list of annotations")


def _type_names(types: Any) -> dict[int, str]:
    """The file's own type ids -> names, which its annotations may refer to by id."""
    if types is None:
        return {}
    if not isinstance(types, list):
        raise ExchangeError("'annotation_types' must be a list")
    names: dict[int, str] = {}
    for number, t in enumerate(types, 1):
        if not isinstance(t, dict):
            continue
        key, name = t.get("id"), t.get("name")
        if not _is_id(key) or not isinstance(name, str):
            raise ExchangeError(f"annotation_types #{number}: its id must be a whole number and its name text")
        names[key] = name
    return names


def _is_id(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _annotation(
    row: Any,
    image: Image,
    by_name: dict[str, AnnotationType],
    by_id: dict[int | None, AnnotationType],
    names: dict[int, str],
) -> Annotation:
    if not isinstance(row, dict):
        raise _BadFeatureError("not an annotation object")
    t = _type_of(row.get("annotation_type"), by_name, by_id, names)
    vector = row.get("vector")
    validate_vector(vector, t.vector_type, t.node_count)
    uid = canonical_uuid(row["unique_identifier"]) if row.get("unique_identifier") else None
    description = row.get("description") or ""
    meta = row.get("meta_data")
    if not isinstance(description, str) or (meta is not None and not isinstance(meta, dict)):
        raise _BadFeatureError("description must be text and meta_data an object")
    try:  # what the store refuses is a bad annotation here, named by its number
        check_text(description, "annotation", "description")
    except InvalidValueError as err:
        raise _BadFeatureError(f"description {err.reason}") from None
    extra = {"unique_identifier": uid} if uid else {}
    return Annotation(stored_id(t), stored_id(image), vector, description=description, meta_data=meta, **extra)


def _type_of(
    value: Any, by_name: dict[str, AnnotationType], by_id: dict[int | None, AnnotationType], names: dict[int, str]
) -> AnnotationType:
    if isinstance(value, dict):
        name = value.get("name")
        if name is not None and not isinstance(name, str):
            raise _BadFeatureError("annotation_type's name must be text")
    elif value is not None and not _is_id(value):
        raise _BadFeatureError("annotation_type must be a whole number or an object with a name")
    else:
        name = names.get(value) if value is not None else None
    if name is not None:
        if name not in by_name:
            raise _BadFeatureError(unknown_type(repr(name), by_name))
        return by_name[name]
    if _is_id(value) and value in by_id:
        return by_id[value]
    raise _BadFeatureError(f"unknown annotation_type {value!r}")
