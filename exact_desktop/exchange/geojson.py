"""GeoJSON FeatureCollections as QuPath reads and writes them (level-0 pixel coordinates; the
type's name as `classification`). shapely parses and checks every geometry.

EXACT polygons have no holes: a hole is kept in the annotation's `meta_data["holes"]` and
written back on export, so QuPath -> exact-desktop -> QuPath loses nothing. Boxes leave as
rectangles (QuPath's own rectangles are polygons too) and come back as boxes. A multi-part
geometry becomes one annotation per part.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping, shape
from shapely.validation import explain_validity

from exact_desktop.exchange.plan import ExchangeError, ImportPlan, Problem
from exact_desktop.model import shapes
from exact_desktop.model.entities import Annotation, AnnotationType, Image, VectorType
from exact_desktop.model.values import canonical_uuid
from exact_desktop.model.vectors import MAX_COORDINATE

_NAMESPACE = uuid.UUID("6f1c3a52-94c5-4f1e-9d1a-2f0e5b7c8a10")  # for features without a UUID of their own


class _BadFeatureError(Exception):
    pass


# --- import -----------------------------------------------------------------------------------
def features_of(data: Any) -> list[Any]:
    """The features of a FeatureCollection, a single Feature, or a list of them (QuPath writes all three)."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise ExchangeError("a FeatureCollection needs a 'features' list")
        return features
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise ExchangeError("not GeoJSON: expected a FeatureCollection, a Feature or a list of features")


def plan_import(
    data: Any,
    image: Image,
    types: Iterable[AnnotationType],
    default_type: str | None = None,
    simplify: float = 0.0,
) -> ImportPlan:
    """Check every feature; the plan holds the annotations of the good ones and why the others are not."""
    by_name = {t.name: t for t in types}
    features = features_of(data)
    plan = ImportPlan(features=len(features))
    for index, feature in enumerate(features):
        try:
            plan.annotations.extend(_annotations(feature, index, image, by_name, default_type, simplify))
        except _BadFeatureError as bad:
            plan.problems.append(Problem(index, str(bad)))
    return plan


def _annotations(
    feature: Any, index: int, image: Image, by_name: dict[str, AnnotationType], default: str | None, simplify: float
) -> list[Annotation]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _BadFeatureError("not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise _BadFeatureError("'properties' must be an object")
    name = _class_name(properties) or default
    if name is None:
        raise _BadFeatureError("no classification, and no default type was given")
    annotation_type = by_name.get(name)
    if annotation_type is None:
        raise _BadFeatureError(f"no annotation type named {name!r} in the image set's products")
    geometry = _geometry(feature.get("geometry"))
    parts = _parts(geometry)
    base_id = _feature_uuid(feature, image, name)
    made = []
    for part_index, part in enumerate(parts):
        if simplify > 0 and not isinstance(part, Point):
            part = part.simplify(simplify, preserve_topology=True)
        _inside_image(part, image)
        vector, meta = _vector(part, annotation_type)
        _check(vector, annotation_type)
        uid = base_id if len(parts) == 1 else str(uuid.uuid5(_NAMESPACE, f"{base_id}/{part_index}"))
        description = properties.get("name") if isinstance(properties.get("name"), str) else ""
        made.append(
            Annotation(
                annotation_type.id, image.id, vector, unique_identifier=uid, description=description, meta_data=meta
            )  # type: ignore[arg-type]
        )
    return made


def _class_name(properties: dict[str, Any]) -> str | None:
    classification = properties.get("classification")
    if isinstance(classification, dict) and isinstance(classification.get("name"), str):
        return classification["name"]
    if isinstance(classification, str):
        return classification
    return None


def _geometry(raw: Any) -> Any:
    if raw is None:
        raise _BadFeatureError("no geometry")
    try:
        geometry = shape(raw)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.GEOSException) as err:
        raise _BadFeatureError(f"malformed geometry ({type(err).__name__}: {err})") from None
    if geometry.is_empty:
        raise _BadFeatureError("empty geometry")
    if not np.isfinite(shapely.get_coordinates(geometry)).all():
        raise _BadFeatureError("a coordinate is not a finite number")
    if not geometry.is_valid:
        raise _BadFeatureError(f"invalid geometry: {explain_validity(geometry)}")
    return geometry


def _parts(geometry: Any) -> list[Any]:
    if hasattr(geometry, "geoms"):
        return [part for member in geometry.geoms for part in _parts(member)]
    return [geometry]


def _vector(part: Any, t: AnnotationType) -> tuple[dict[str, Any], dict[str, Any] | None]:
    kind = t.vector_type
    if kind in shapes.BOXES:
        x0, y0, x1, y1 = part.bounds
        if kind == VectorType.FIXED_SIZE_BOUNDING_BOX and isinstance(part, Point):
            w, h = t.default_width / 2, t.default_height / 2
            x0, y0, x1, y1 = x0 - w, y0 - h, x1 + w, y1 + h
        return shapes.box_vector(x0, y0, x1, y1), None
    if kind == VectorType.POINT:
        if not isinstance(part, Point):
            raise _BadFeatureError(f"{t.name} is a point type; the feature is a {part.geom_type}")
        return shapes.vector_of([(part.x, part.y)]), None
    if kind in (VectorType.LINE, VectorType.MULTI_LINE):
        if not isinstance(part, LineString):
            raise _BadFeatureError(f"{t.name} is a line type; the feature is a {part.geom_type}")
        return shapes.vector_of(list(part.coords)), None
    if kind in (VectorType.POLYGON, VectorType.SEGMENTATION):
        if not isinstance(part, Polygon):
            raise _BadFeatureError(f"{t.name} is a polygon type; the feature is a {part.geom_type}")
        ring = list(part.exterior.coords)[:-1]  # GeoJSON repeats the first vertex at the end
        holes = [[[round(x, 1), round(y, 1)] for x, y in list(h.coords)[:-1]] for h in part.interiors]
        return shapes.vector_of(ring), ({"holes": holes} if holes else None)
    raise _BadFeatureError(f"{t.name} is a global (image-level) type: it has no geometry to import")


def _check(vector: dict[str, Any], t: AnnotationType) -> None:
    """The vector rules the store applies (`validate_vector`), for vectors made here from finite
    coordinates: the node count and the coordinate range, without a per-key pass."""
    nodes = len(vector) // 2
    needed = shapes.MIN_NODES.get(VectorType(t.vector_type), 1)
    if nodes < needed:
        raise _BadFeatureError(f"a {t.name} needs at least {needed} nodes, got {nodes}")
    if t.node_count and t.vector_type in (VectorType.POLYGON, VectorType.MULTI_LINE) and nodes != t.node_count:
        raise _BadFeatureError(f"{t.name} requires {t.node_count} nodes, got {nodes}")
    if max(abs(v) for v in vector.values()) > MAX_COORDINATE:
        raise _BadFeatureError(f"a coordinate is beyond any slide (at most {MAX_COORDINATE:g} px)")


def _inside_image(part: Any, image: Image) -> None:
    if image.width and image.height:
        x0, y0, x1, y1 = part.bounds
        if x1 < 0 or y1 < 0 or x0 > image.width or y0 > image.height:
            raise _BadFeatureError(f"lies wholly outside the image ({image.width:,} x {image.height:,} px)")


def _feature_uuid(feature: dict[str, Any], image: Image, name: str) -> str:
    """The feature's own UUID (QuPath writes one as `id`), else one made from its content, so
    importing the same file twice adds nothing the second time."""
    given = feature.get("id")
    if given is not None:
        try:
            return canonical_uuid(given)
        except ValueError:
            pass
    digest = hashlib.sha256(
        orjson.dumps([image.id, name, feature.get("geometry")], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    return str(uuid.uuid5(_NAMESPACE, digest))


# --- export -----------------------------------------------------------------------------------
def export_features(annotations: Iterable[Annotation], types: dict[int, AnnotationType]) -> dict[str, Any]:
    """A FeatureCollection of the annotations with geometry (global labels have none: EXACT JSON keeps them)."""
    features = []
    for annotation in annotations:
        t = types[annotation.annotation_type]
        geometry = _geometry_of(annotation, t)
        if geometry is None:
            continue
        colour = t.color_code.lstrip("#")
        properties: dict[str, Any] = {
            "objectType": "annotation",
            "classification": {"name": t.name, "color": [int(colour[i : i + 2], 16) for i in (0, 2, 4)]},
        }
        if annotation.description:
            properties["name"] = annotation.description
        features.append(
            {
                "type": "Feature",
                "id": annotation.unique_identifier,
                "geometry": mapping(geometry),
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _geometry_of(annotation: Annotation, t: AnnotationType) -> Any:
    nodes = shapes.nodes_of(annotation.vector)
    if len(nodes) == 0:
        return None
    kind = t.vector_type
    if kind in shapes.BOXES:
        (x0, y0), (x1, y1) = nodes.min(axis=0), nodes.max(axis=0)
        return Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    if kind == VectorType.POINT:
        return Point(nodes[0]) if len(nodes) == 1 else MultiPoint(nodes)
    if kind in (VectorType.LINE, VectorType.MULTI_LINE):
        return LineString(nodes)
    holes = (annotation.meta_data or {}).get("holes") or []
    return Polygon(nodes, holes)
