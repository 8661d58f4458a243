"""GeoJSON FeatureCollections as QuPath reads and writes them (level-0 pixel coordinates; the
type's name as `classification`). shapely parses and checks every geometry.

EXACT polygons have no holes: a hole is kept in the annotation's `meta_data["holes"]` and
written back on export, so QuPath -> exact-desktop -> QuPath loses nothing. Boxes leave as
rectangles (QuPath's own rectangles are polygons too) and come back as boxes. A multi-part
geometry becomes one annotation per part.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping

from exact_desktop.exchange import reasons
from exact_desktop.exchange.geojson_typed import Decoded
from exact_desktop.exchange.plan import ExchangeError, ImportPlan, Problem
from exact_desktop.exchange.problem_lines import unknown_type
from exact_desktop.model import shapes
from exact_desktop.model.entities import Annotation, AnnotationType, Image, VectorType, stored_id, utcnow
from exact_desktop.model.values import InvalidValueError, canonical_uuid, check_text
from exact_desktop.model.vectors import BEYOND, MAX_COORDINATE
from exact_desktop.store.annotation_columns import AnnotationColumns

_NAMESPACE = uuid.UUID("6f1c3a52-94c5-4f1e-9d1a-2f0e5b7c8a10")  # for features without a UUID of their own


REVIEW_KEY = "review"  # meta_data key of an accepted candidate's provenance (review/provenance.py's KEY)
_MAX_DEPTH = 32  # GeometryCollections within GeometryCollections: deeper is refused, not recursed
_MULTI = (4, 5, 6, 7)  # shapely's type ids of MultiPoint, MultiLineString, MultiPolygon, GeometryCollection
_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
          6: "MultiPolygon", 7: "GeometryCollection"}  # fmt: skip
_PLAIN = {int, float}  # the types of plain JSON numbers (not bool)
NUCLEUS = "nucleusGeometry"  # QuPath writes a cell's nucleus beside its outline
_BETWEEN = "\x00exact-desktop: the next feature\x00"  # between geometries written by one call
_SEPARATOR = b"," + orjson.dumps(_BETWEEN) + b","
_HEX_AT = [i for i in range(36) if i not in (8, 13, 18, 23)]  # a UUID's hex digits among its 36 characters


class _BadFeatureError(Exception):
    pass


@dataclass
class _Picked:
    """A feature whose type is known, waiting for its geometry to be checked (and, when the file
    gives it no UUID, for the UUID made from its content: `uid` None until then)."""

    index: int
    annotation_type: AnnotationType
    geometry: Any
    uid: str | None
    description: str
    given_id: bool = False  # the feature has an `id` (a UUID or not): two with one id may conflict
    nucleus: Any = None  # QuPath's nucleus geometry beside a cell's outline
    text: bytes | None = None  # the geometry as JSON with sorted keys, where it was written
    in_cell: bool = False  # the nucleus of feature `index` (QuPath's cell), not the feature's own geometry


# --- import -----------------------------------------------------------------------------------
def features_of(data: Any) -> list[Any]:
    """The features of a FeatureCollection, a single Feature, or a list of them (QuPath writes all
    three); of a file read by typed decoding, each with its geometry."""
    if isinstance(data, Decoded):
        return list(zip(data.features, data.geometries, strict=True))
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
    nucleus_type: str | None = None,
    make_valid: bool = False,
) -> ImportPlan:
    """Check every feature; the plan holds the annotations of the good ones and why the others are not.

    The features are looked at one by one only for what is cheap (type, id, name); the UUIDs of
    those without one are made in one pass; their geometries are made (plain polygons straight
    from one array of coordinates, the rest parsed by GEOS), checked, split into parts, clipped
    and converted as arrays (shapely 2), and a feature is named by its number in every problem."""
    by_name = {t.name: t for t in types}
    features = features_of(data)
    plan = ImportPlan(features=len(features))
    nucleus = by_name.get(nucleus_type) if nucleus_type else None
    if nucleus_type and nucleus is None:
        raise ExchangeError(f"no annotation type named {nucleus_type!r} (for nuclei) in the image set's products")
    cells: list[_Picked] = []
    with ThreadPoolExecutor(1) as aside:
        judging = aside.submit(_judged, data.rings) if isinstance(data, Decoded) else None
        for index, feature in enumerate(features):
            try:
                cells.append(_pick(feature, index, by_name, default_type))
            except _BadFeatureError as bad:
                plan.problems.append(Problem(index, str(bad)))
        _content_uuids([item for item in cells if item.uid is None], image, plan.problems)
        picked = _distinct(cells, nucleus, plan)
        judged = judging.result() if judging is not None else None
    bad: dict[int, str] = {}
    plan.columns, rows_of = _convert(picked, image, simplify, bad, plan.notes, make_valid, judged)
    plan.problems = sorted(plan.problems + [Problem(i, reason) for i, reason in bad.items()], key=lambda p: p.index)
    if plan.problems:
        plan.problems = _named(plan.problems, cells)
    per_feature = Counter(rows_of.tolist())
    plan.valid_features = len(per_feature)
    geometry_of = {item.index: item.geometry for item in picked}
    plan.split = [
        {"feature": index + 1, "geometry": str((geometry_of[index] or {}).get("type")), "annotations": count}
        for index, count in sorted(per_feature.items()) if count > 1
    ]  # fmt: skip
    return plan


def _distinct(cells: list[_Picked], nucleus: AnnotationType | None, plan: ImportPlan) -> list[_Picked]:
    """The features to convert: each id once (another feature with one id is a conflict, in the
    plan's problems), and a cell's nucleus after it where a type is given for nuclei."""
    picked: list[_Picked] = []
    ids: dict[str, _Picked] = {}  # a given id -> the first feature with it
    for item in cells:
        if item.uid is None:  # its geometry could not be written as JSON: a problem already
            continue
        try:
            _same_id(item, ids)
        except _BadFeatureError as bad:
            plan.conflicts += 1
            plan.problems.append(Problem(item.index, str(bad)))
            continue
        picked.append(item)
        if item.nucleus is not None:
            if nucleus is None:
                left = "its nucleus was not imported (--nucleus-type names a type)"
                plan.notes.append(f"feature {item.index + 1}: {left}")
            else:
                uid = str(uuid.uuid5(_NAMESPACE, f"{item.uid}/nucleus"))
                picked.append(_Picked(item.index, nucleus, item.nucleus, uid, item.description, in_cell=True))
    return picked


def _named(problems: list[Problem], cells: list[_Picked]) -> list[Problem]:
    """Each problem with the feature's name (or else its id), as a person finds it in QuPath, and
    whether `--make-valid` repairs it."""
    names = {item.index: item.description or (item.uid if item.given_id else "") for item in cells}
    named = []
    for p in problems:
        name = names.get(p.index) or ""
        name = "" if name in p.reason else name  # a conflict's reason names its id already
        named.append(Problem(p.index, str(p.reason), name, isinstance(p.reason, reasons.Repairable)))
    return named


def _pick(feature: Any, index: int, by_name: dict[str, AnnotationType], default: str | None) -> _Picked:
    if type(feature) is tuple:  # a feature read by typed decoding, and its geometry
        typed, geometry = feature
        return _picked(index, typed.class_name(), geometry, typed.name(), typed.id, typed.nucleusGeometry, by_name,
                       default)  # fmt: skip
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _BadFeatureError("not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise _BadFeatureError("'properties' must be an object")
    name = _class_name(properties)
    return _picked(index, name, feature.get("geometry"), properties.get("name"), feature.get("id"),
                   feature.get(NUCLEUS), by_name, default)  # fmt: skip


def _picked(
    index: int, name: str | None, geometry: Any, description: Any, given: Any, nucleus: Any,
    by_name: dict[str, AnnotationType], default: str | None,
) -> _Picked:  # fmt: skip
    """A feature's parts checked, whichever way the file was read."""
    name = name or default
    if name is None:
        raise _BadFeatureError("no classification, and no type was given for such features (--type NAME)")
    annotation_type = by_name.get(name)
    if annotation_type is None:
        raise _BadFeatureError(unknown_type(_short(name), by_name))
    if not isinstance(geometry, dict):
        raise _BadFeatureError("no geometry" if geometry is None else "malformed geometry (not an object)")
    if "geometries" in geometry:
        _shallow_enough(geometry)
    if description is None:
        description = ""
    elif type(description) is not str:  # dropped in silence before: a name is text or absent
        raise _BadFeatureError(f"its name must be text, not {_as_json(description)}")
    elif description:
        try:
            check_text(description, f"feature {index + 1}", "name")
        except InvalidValueError as err:
            raise _BadFeatureError(f"its name {err.reason}") from None
    return _Picked(index, annotation_type, geometry, _given_uuid(given), description, given is not None,
                   nucleus if isinstance(nucleus, dict) else None)  # fmt: skip


def _as_json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()[:60]
    except orjson.JSONEncodeError:  # an integer past 64 bits
        return type(value).__name__


def _same_id(item: _Picked, ids: dict[str, _Picked]) -> None:
    """Two features with one id: the same feature twice is kept once; different ones conflict."""
    if not item.given_id or item.uid is None:
        return
    first = ids.setdefault(item.uid, item)
    if first is not item and _content(first) != _content(item):
        raise _BadFeatureError(f"conflicts with feature {first.index + 1}: the same id {item.uid}, a different feature")


def _content(item: _Picked) -> bytes:
    return orjson.dumps([item.annotation_type.id, item.geometry, item.description], option=orjson.OPT_SORT_KEYS)


def _shallow_enough(geometry: dict[str, Any]) -> None:
    level, members = 0, [geometry]
    while members:
        level += 1
        if level > _MAX_DEPTH:
            raise _BadFeatureError(f"geometry collections nested deeper than {_MAX_DEPTH} levels")
        inner = [g.get("geometries") for g in members]
        members = [m for group in inner if isinstance(group, list) for m in group if isinstance(m, dict)]


def _class_name(properties: dict[str, Any]) -> str | None:
    """The feature's class (QuPath's `classification`, an object with a name or a bare name);
    a classification of another kind is the feature's problem, never silently the default."""
    classification = properties.get("classification")
    if classification is None:
        return None
    if isinstance(classification, str):
        return classification
    if not isinstance(classification, dict):
        raise _BadFeatureError(f"its classification is {_kind(classification)}, not a name or an object with one")
    name = classification.get("name")
    if name is None or isinstance(name, str):
        return name
    raise _BadFeatureError(f"its classification's name is {_kind(name)}, not text")


def _kind(value: Any) -> str:
    kinds = {list: "a list", dict: "an object", bool: "true or false", int: "a number", float: "a number"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _short(text: str, limit: int = 80) -> str:
    """A name from the file, quoted for a message: a message stays one short line."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _convert(
    picked: list[_Picked], image: Image, simplify: float, bad: dict[int, str], notes: list[str], make_valid: bool,
    judged: _Judged | None = None,
) -> tuple[AnnotationColumns, np.ndarray]:  # fmt: skip
    """The annotations of the picked features as columns, and the feature index of each row;
    what is wrong goes to `bad`, what is left out of a good feature to `notes`."""
    now = utcnow()  # one time for the whole import (one encoding of it for all the rows)
    if not picked:
        return _no_rows(image, now), np.empty(0, np.int64)
    owner = np.array([item.index for item in picked])
    whose = np.arange(len(picked))  # which picked item each geometry (later: part) is of
    geometries, valid = _parsed(picked, bad, judged)
    geometries = _checked(geometries, owner, bad, make_valid, valid)
    parts, whose = _exploded(geometries, whose, owner, bad)
    kinds = np.array([picked[w].annotation_type.vector_type for w in whose.tolist()], dtype=np.int64)
    if simplify > 0:
        lines = shapely.get_type_id(parts) != 0
        parts[lines] = shapely.simplify(parts[lines], simplify, preserve_topology=True)
    parts, whose, kinds = _inside(parts, whose, kinds, owner, image, bad, notes)
    types = [picked[w].annotation_type for w in whose.tolist()]
    nodes, counts, meta = _nodes(parts, kinds, types, image, owner[whose], bad)
    for position in np.flatnonzero(_unchecked(counts, kinds, types)).tolist():
        index = int(owner[whose[position]])
        try:
            _check(int(counts[position]), types[position])
        except _BadFeatureError as err:
            bad.setdefault(index, str(err))
    keep = ~np.isin(owner[whose], list(bad))
    several = np.bincount(whose, minlength=len(picked))[whose] > 1  # a part of a multi-part feature
    seen: dict[int, int] = {}
    uids = []
    for w, part in zip(whose[keep].tolist(), several[keep].tolist(), strict=True):
        uid = picked[w].uid
        if part:
            number = seen[w] = seen.get(w, -1) + 1
            uid = str(uuid.uuid5(_NAMESPACE, f"{uid}/{number}"))
        uids.append(uid)
    type_ids = np.array([stored_id(item.annotation_type) for item in picked], np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts[keep])]).astype(np.int64)
    columns = AnnotationColumns(
        stored_id(image), type_ids[whose[keep]], nodes[np.repeat(keep, counts)], offsets,
        uids,  # type: ignore[arg-type]  # every picked item has its UUID by now
        [picked[w].description for w in whose[keep].tolist()], [meta.get(p) for p in np.flatnonzero(keep).tolist()],
        now,
    )  # fmt: skip
    return columns, owner[whose[keep]]


def _no_rows(image: Image, now: datetime) -> AnnotationColumns:
    return AnnotationColumns(stored_id(image), np.empty(0, np.int64), np.empty((0, 2)), np.zeros(1, np.int64), [], [],
                             [], now)  # fmt: skip


def _unchecked(nodes: np.ndarray, kinds: np.ndarray, types: list[AnnotationType]) -> np.ndarray:
    """The parts whose vectors `_check` must see: those whose node count is short of their
    type's least or off its fixed count."""
    least = np.array([shapes.MIN_NODES.get(k, 1) for k in range(max(VectorType) + 1)])[kinds]
    fixed = np.array([t.node_count or 0 for t in types], np.int64).reshape(-1)
    fixed[~np.isin(kinds, (VectorType.POLYGON, VectorType.MULTI_LINE))] = 0
    return (nodes < least) | ((fixed > 0) & (nodes != fixed))  # type: ignore[no-any-return]


def _parsed(picked: list[_Picked], bad: dict[int, str], judged: _Judged | None) -> tuple[np.ndarray, np.ndarray]:
    """shapely geometries of every picked feature: plain polygons (one ring of x, y pairs, the
    bulk of any file) made from their coordinates as one array, or taken as `judged` made them;
    the rest parsed by GEOS as one array of JSON texts, and one that GEOS cannot read parsed
    again alone for its reason. And which of them were judged valid already."""
    geometries = np.full(len(picked), None, dtype=object)
    valid = np.zeros(len(picked), bool)
    rest = _plain_polygons(picked, geometries) if judged is None else judged.taken(picked, geometries, valid)
    texts = []
    for position in rest:
        item = picked[position]
        try:
            texts.append(item.text or orjson.dumps(item.geometry))
        except (TypeError, orjson.JSONEncodeError) as err:
            bad.setdefault(item.index, f"malformed geometry ({err})")
            texts.append(b"null")
    if rest:
        geometries[rest] = shapely.from_geojson(texts, on_invalid="ignore")
    for position, text in zip(rest, texts, strict=True):
        index = picked[position].index
        if geometries[position] is None and index not in bad:
            bad[index] = _unreadable(picked[position].geometry, text)
    for item in picked:
        item.text = None  # 40 MB of 100,000 polygons' JSON, not held while the vectors are made
    return geometries, valid


def _plain_polygons(picked: list[_Picked], geometries: np.ndarray) -> list[int]:
    """Polygons of one closed ring of at least 4 plain (x, y) numbers, made into `geometries`
    from one array of coordinates; the positions of all others (for GEOS to parse and judge)."""
    rings, where = [], []
    for position, item in enumerate(picked):
        geometry = item.geometry
        if geometry.get("type") == "Polygon":
            coordinates = geometry.get("coordinates")
            if type(coordinates) is list and len(coordinates) == 1 and type(coordinates[0]) is list:
                rings.append(coordinates[0])
                where.append(position)
    table = _plain_coordinates(rings)
    if table is None:  # an odd ring among them: the plain ones are found one by one
        chosen = [i for i, ring in enumerate(rings) if _plain_ring(ring)]
        rings, where = [rings[i] for i in chosen], [where[i] for i in chosen]
        table = _plain_coordinates(rings)
    if table is None:
        return list(range(len(picked)))
    plain, made = _closed_polygons(rings, table)
    geometries[np.asarray(where)[plain]] = made
    done = set(np.asarray(where)[plain].tolist())
    return [position for position in range(len(picked)) if position not in done]


def _closed_polygons(rings: list[Any], table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rings are closed, of at least 4 positions (`table` holds all rings' positions), and
    the polygons they make."""
    lengths = np.fromiter(map(len, rings), np.int64, len(rings))
    ends = np.cumsum(lengths)
    plain = lengths >= 4
    plain[plain] = (table[ends[plain] - lengths[plain]] == table[ends[plain] - 1]).all(axis=1)  # closed
    kept = np.repeat(plain, lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths[plain])])
    made = shapely.from_ragged_array(shapely.GeometryType.POLYGON, table[kept], (offsets, np.arange(len(offsets))))
    return plain, made


@dataclass(frozen=True)
class _Judged:
    """Plain polygons made and judged valid or not on a second thread while this one picks the
    features and makes their content UUIDs (GEOS lets go of the GIL, so on two cores the two
    overlap): by feature, its polygon (None where it has no plain ring) and whether it is valid."""

    polygons: np.ndarray
    valid: np.ndarray

    def taken(self, picked: list[_Picked], geometries: np.ndarray, valid: np.ndarray) -> list[int]:
        """The picked features' polygons put into `geometries` (and their validity into `valid`);
        the positions of all others (a nucleus, a ring that is not plain)."""
        features = np.fromiter((item.index for item in picked), np.int64, len(picked))
        own = ~np.fromiter((item.in_cell for item in picked), bool, len(picked))
        made = own & ~shapely.is_missing(self.polygons[features])
        geometries[made] = self.polygons[features[made]]
        valid[made] = self.valid[features[made]]
        return np.flatnonzero(~made).tolist()


def _judged(rings: list[list[tuple[float, float]] | None]) -> _Judged | None:
    """`_Judged` of the features' rings (each feature's one ring, its positions pairs of numbers
    as the typed decoding checked them; None for any other geometry), when all their positions are
    finite; otherwise they are made the usual way, after the content UUIDs."""
    at = [index for index, ring in enumerate(rings) if ring is not None]
    chosen = [rings[index] for index in at]
    table = _checked_coordinates(chosen) if chosen else None  # type: ignore[arg-type]  # no None among them
    if table is None:
        return None
    plain, made = _closed_polygons(chosen, table)
    where = np.asarray(at, np.int64)[plain]
    polygons, valid = np.full(len(rings), None, dtype=object), np.zeros(len(rings), bool)
    polygons[where], valid[where] = made, shapely.is_valid(made)
    return _Judged(polygons, valid)


def _plain_coordinates(rings: list[list[Any]]) -> np.ndarray | None:
    """The rings' positions as rows of x, y when every one is a pair of plain finite numbers."""
    positions = list(chain.from_iterable(rings))
    try:
        if not positions or set(map(len, positions)) != {2}:
            return None
        values = list(chain.from_iterable(positions))
    except TypeError:  # a position that is a number or null
        return None
    if not set(map(type, values)) <= _PLAIN:  # a position of two other things: text, lists, an object's keys
        return None
    try:
        table = np.array(values, np.float64).reshape(-1, 2)
    except OverflowError:  # an integer beyond any float
        return None
    return table if np.isfinite(table).all() else None


def _checked_coordinates(rings: list[list[tuple[float, float]]]) -> np.ndarray | None:
    """The rings' positions (pairs of plain numbers) as rows of x, y, when all are finite."""
    count = 2 * sum(map(len, rings))
    table = np.fromiter(chain.from_iterable(chain.from_iterable(rings)), np.float64, count).reshape(-1, 2)
    return table if np.isfinite(table).all() else None


def _plain_ring(ring: list[Any]) -> bool:
    return all(type(p) in (list, tuple) and len(p) == 2 and type(p[0]) in _PLAIN and type(p[1]) in _PLAIN
               for p in ring)  # fmt: skip


def _unreadable(raw: dict[str, Any], text: bytes) -> str:
    """Why GEOS could not read a geometry, in words."""
    word = _not_finite(raw)
    if word is not None:  # a bare NaN or Infinity (json_numbers), which orjson writes as null
        return f"{reasons.NOT_A_NUMBER} ({word})"
    return reasons.unreadable(_why_unreadable(raw, text))


def _why_unreadable(raw: dict[str, Any], text: bytes) -> str:
    kind = raw.get("type")
    if kind not in _NAMES.values() or kind == "LinearRing":
        return f"{_short(kind)} is not a GeoJSON geometry type" if isinstance(kind, str) else "no geometry type"
    try:
        shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError, TypeError) as err:
        return str(err).splitlines()[0][:200]
    return "unreadable"


def _not_finite(geometry: dict[str, Any]) -> str | None:
    """The first coordinate of `geometry` that is no finite number, as the file wrote it."""
    members = [geometry.get("coordinates")]
    while members:
        item = members.pop()
        if type(item) is list:
            members.extend(reversed(item))
        elif type(item) is float and not math.isfinite(item):
            return "NaN" if math.isnan(item) else f"{'-' if item < 0 else ''}Infinity"
    return None


def _checked(
    geometries: np.ndarray, owner: np.ndarray, bad: dict[int, str], make_valid: bool, valid: np.ndarray
) -> np.ndarray:
    """Invalid geometries are bad, or repaired where asked (`make_valid`: a bow tie becomes two
    triangles; what collapses to a lower dimension, a spike or a sliver, is dropped). Those
    `valid` holds true were judged valid already."""
    present = ~shapely.is_missing(geometries)
    for position in np.flatnonzero(present & shapely.is_empty(geometries)).tolist():
        bad.setdefault(int(owner[position]), "empty geometry")
    coordinates, position = shapely.get_coordinates(geometries, return_index=True)
    far = ~(np.abs(coordinates) <= MAX_COORDINATE).all(axis=1)
    for p in np.unique(position[far]).tolist():
        bad.setdefault(int(owner[p]), f"a coordinate is beyond any slide ({BEYOND})")
    unknown = present & ~valid
    invalid = np.zeros(len(geometries), bool)
    invalid[unknown] = ~shapely.is_valid(geometries[unknown])
    if make_valid and invalid.any():
        geometries = geometries.copy()
        geometries[invalid] = shapely.make_valid(geometries[invalid], method="structure", keep_collapsed=False)
        for p in np.flatnonzero(invalid & shapely.is_empty(geometries)).tolist():
            bad.setdefault(int(owner[p]), reasons.COLLAPSED)
        invalid = present & ~shapely.is_valid(geometries)
    for p in np.flatnonzero(invalid).tolist():
        bad.setdefault(int(owner[p]), reasons.invalid(shapely.is_valid_reason(geometries[p])))
    return geometries


def _exploded(
    geometries: np.ndarray, whose: np.ndarray, owner: np.ndarray, bad: dict[int, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-part geometries and collections as their single parts (one annotation each)."""
    keep = np.array([int(o) not in bad for o in owner.tolist()], dtype=bool)
    parts, whose = geometries[keep], whose[keep]
    while np.isin(shapely.get_type_id(parts), _MULTI).any():
        parts, position = shapely.get_parts(parts, return_index=True)
        whose = whose[position]
    return parts, whose


def _inside(
    parts: np.ndarray, whose: np.ndarray, kinds: np.ndarray, owner: np.ndarray, image: Image, bad: dict[int, str],
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Parts clipped to the image: one partly outside is cut at its edge (a line or polygon may
    fall into pieces), one wholly outside is left out (said in `notes`), and a feature with no part
    inside is bad. Nothing is stored beyond the image."""
    if not (image.width and image.height):
        return parts, whose, kinds
    x0, y0, x1, y1 = shapely.bounds(parts).T
    within = (x0 >= 0) & (y0 >= 0) & (x1 <= image.width) & (y1 <= image.height)
    if within.all():
        return parts, whose, kinds
    frame = shapely.box(0, 0, image.width, image.height)
    outside = ~shapely.intersects(parts, frame)
    owners = owner[whose]
    size = f"the image ({image.width:,} x {image.height:,} px)"
    kept, dropped, of = set(owners[~outside].tolist()), Counter(owners[outside].tolist()), Counter(owners.tolist())
    for index, count in sorted(dropped.items()):
        if index in kept:  # a MultiPoint with one stray point keeps the others
            left = f"{count:,} of its {of[index]:,} parts lie outside {size} and were left out"
            notes.append(f"feature {index + 1}: {left}")
        else:
            bad.setdefault(index, f"lies wholly outside {size}")
    crossing = np.flatnonzero(~within & ~outside)
    cut = shapely.intersection(parts[crossing], frame)
    pieces, position = shapely.get_parts(cut, return_index=True)
    while np.isin(shapely.get_type_id(pieces), _MULTI).any():
        pieces, deeper = shapely.get_parts(pieces, return_index=True)
        position = position[deeper]
    same = shapely.get_dimensions(pieces) == shapely.get_dimensions(parts[crossing][position])  # not a bare edge
    pieces, position = pieces[same], position[same]
    keep = np.flatnonzero(within)
    return (
        np.concatenate([parts[keep], pieces]),
        np.concatenate([whose[keep], whose[crossing][position]]),
        np.concatenate([kinds[keep], kinds[crossing][position]]),
    )


def _nodes(
    parts: np.ndarray,
    kinds: np.ndarray,
    types: list[AnnotationType],
    image: Image,
    owners: np.ndarray,
    bad: dict[int, str],
) -> tuple[np.ndarray, np.ndarray, dict[int, dict[str, Any]]]:
    """Every part's nodes (all parts' one after another, rounded to 0.1 px), its node count and
    the meta_data of those that have any (by part). Boxes, polygons without holes and lines (the
    bulk of any file) are made as arrays; any other part by `_vector`, and one that does not fit
    its type is bad (its count 0)."""
    counts = np.zeros(len(parts), np.int64)
    made: list[tuple[np.ndarray, np.ndarray]] = []  # (positions, their nodes one after another)
    shape = shapely.get_type_id(parts)
    boxes = np.flatnonzero(np.isin(kinds, shapes.BOXES))
    if len(boxes):
        bounds = shapely.bounds(parts[boxes])
        points = shape[boxes] == 0  # a point on a box type: a box of the type's size around it, in the image
        half = np.array([(types[b].default_width / 2, types[b].default_height / 2) for b in boxes.tolist()])
        bounds[points] += np.hstack([-half, half])[points]
        if image.width and image.height:
            bounds[points] = np.clip(bounds[points], 0, [image.width, image.height, image.width, image.height])
        counts[boxes] = 2
        made.append((boxes, bounds.reshape(-1, 2)))
    polygons = np.isin(kinds, (VectorType.POLYGON, VectorType.SEGMENTATION)) & (shape == 3)
    polygons = np.flatnonzero(polygons & (shapely.get_num_interior_rings(parts) == 0))
    lines = np.flatnonzero(np.isin(kinds, (VectorType.LINE, VectorType.MULTI_LINE)) & (shape == 1))
    for chosen, closed in ((polygons, 1), (lines, 0)):  # a polygon without holes: its coordinates are its ring's
        if len(chosen):
            coordinates, owner = shapely.get_coordinates(parts[chosen], return_index=True)
            ring_sizes = np.bincount(owner, minlength=len(chosen))
            last = np.zeros(len(coordinates), bool)
            last[np.cumsum(ring_sizes) - 1] = closed == 1  # GeoJSON repeats a ring's first vertex at its end
            counts[chosen] = ring_sizes - closed
            made.append((chosen, coordinates[~last]))
    meta: dict[int, dict[str, Any]] = {}
    for position in np.flatnonzero(counts == 0).tolist():
        try:
            vector, meta_data = _vector(parts[position], types[position])
        except _BadFeatureError as err:
            bad.setdefault(int(owners[position]), str(err))
            continue
        if meta_data:
            meta[position] = meta_data
        counts[position] = len(vector) // 2
        made.append((np.array([position]), np.asarray(list(vector.values()), np.float64).reshape(-1, 2)))
    if len(made) == 1 and len(made[0][0]) == len(parts):  # all parts made at once, in order (positions are sorted)
        return np.round(made[0][1], 1), counts, meta
    offsets = np.concatenate([[0], np.cumsum(counts)])
    nodes = np.empty((int(offsets[-1]), 2))
    for positions, found in made:
        sizes = counts[positions]
        starts = np.repeat(offsets[positions] - (np.cumsum(sizes) - sizes), sizes)
        nodes[starts + np.arange(len(found))] = found
    return np.round(nodes, 1), counts, meta


def _vector(part: Any, t: AnnotationType) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A part `_vectors` left: a point, a polygon with holes, or one that does not fit its type."""
    kind = t.vector_type
    if kind == VectorType.POINT:
        if not isinstance(part, Point):
            raise _BadFeatureError(f"{t.name} is a point type; the feature is a {part.geom_type}")
        return shapes.vector_of([(part.x, part.y)]), None
    if kind in (VectorType.LINE, VectorType.MULTI_LINE):
        raise _BadFeatureError(f"{t.name} is a line type; the feature is a {part.geom_type}")
    if kind in (VectorType.POLYGON, VectorType.SEGMENTATION):
        if not isinstance(part, Polygon):
            raise _BadFeatureError(f"{t.name} is a polygon type; the feature is a {part.geom_type}")
        ring = shapely.get_coordinates(part.exterior)[:-1]  # GeoJSON repeats the first vertex at the end
        holes = [[[round(x, 1), round(y, 1)] for x, y in list(h.coords)[:-1]] for h in part.interiors]
        return shapes.vector_of(ring), ({"holes": holes} if holes else None)
    raise _BadFeatureError(f"{t.name} is a global (image-level) type: it has no geometry to import")


def _check(nodes: int, t: AnnotationType) -> None:
    """The vector rules the store applies (`validate_vector`) on a vector of `nodes` nodes made
    here from finite coordinates in range: its node count."""
    needed = shapes.MIN_NODES.get(VectorType(t.vector_type), 1)
    if nodes < needed:
        raise _BadFeatureError(f"a {t.name} needs at least {needed} nodes, got {nodes}")
    if t.node_count and t.vector_type in (VectorType.POLYGON, VectorType.MULTI_LINE) and nodes != t.node_count:
        raise _BadFeatureError(f"{t.name} requires {t.node_count} nodes, got {nodes}")


def _given_uuid(given: Any) -> str | None:
    """The feature's own UUID (QuPath writes one as `id`), if it has one."""
    if given is None:
        return None
    try:
        return canonical_uuid(given)
    except ValueError:
        return None


def _content_uuids(items: list[_Picked], image: Image, problems: list[Problem]) -> None:
    """A UUID for each feature without one of its own, made from its content, so importing the
    same file twice adds nothing the second time: uuid5 of the SHA-256 (hex) of
    `[image id, type name, geometry]` as JSON with sorted keys, all features in one pass. The
    geometry's JSON is kept for parsing. One that cannot be written as JSON is a problem."""
    try:
        texts = _sorted_texts([item.geometry for item in items])
    except (TypeError, orjson.JSONEncodeError):
        items, texts = _writable(items, problems)
    heads = {  # the same bytes as orjson.dumps([image.id, name, geometry], option=OPT_SORT_KEYS)
        name: b"[" + orjson.dumps(image.id) + b"," + orjson.dumps(name) + b","
        for name in {item.annotation_type.name for item in items}
    }
    namespace, sha256, sha1 = _NAMESPACE.bytes, hashlib.sha256, hashlib.sha1
    digests = [
        sha1(namespace + sha256(heads[item.annotation_type.name] + text + b"]").hexdigest().encode()).digest()[:16]
        for item, text in zip(items, texts, strict=True)
    ]
    for item, text, uid in zip(items, texts, _version_5(digests), strict=True):
        item.text, item.uid = text, uid


def _sorted_texts(geometries: list[Any]) -> list[bytes]:
    """Each geometry as JSON with sorted keys. Written by one orjson call with a separator after
    each (one call a geometry took several times as long): a separator that a geometry's own text
    holds (a file may put it there) makes more pieces than geometries, and then each is written alone."""
    joined = orjson.dumps([x for geometry in geometries for x in (geometry, _BETWEEN)], option=orjson.OPT_SORT_KEYS)
    pieces = (joined[1:-1] + b",").split(_SEPARATOR)
    if len(pieces) == len(geometries) + 1 and pieces[-1] == b"":
        return pieces[:-1]
    return [orjson.dumps(geometry, option=orjson.OPT_SORT_KEYS) for geometry in geometries]


def _writable(items: list[_Picked], problems: list[Problem]) -> tuple[list[_Picked], list[bytes]]:
    """The items whose geometry can be written as JSON, and their texts; the others are problems."""
    kept, texts = [], []
    for item in items:
        try:
            texts.append(orjson.dumps(item.geometry, option=orjson.OPT_SORT_KEYS))
        except (TypeError, orjson.JSONEncodeError) as err:
            problems.append(Problem(item.index, f"malformed geometry ({err})"))
            continue
        kept.append(item)
    return kept, texts


def _version_5(digests: list[bytes]) -> list[str]:
    """SHA-1 digests (16 bytes each) as the UUIDs of version 5 that `uuid.uuid5` makes of them."""
    if not digests:
        return []
    table = np.frombuffer(b"".join(digests), np.uint8).reshape(-1, 16).copy()
    table[:, 6] = (table[:, 6] & 0x0F) | 0x50  # the version
    table[:, 8] = (table[:, 8] & 0x3F) | 0x80  # the RFC 4122 variant
    hexes = np.frombuffer(table.tobytes().hex().encode(), np.uint8).reshape(-1, 32)
    spelt = np.full((len(hexes), 37), ord("-"), np.uint8)  # 8-4-4-4-12 and a line's end: one split makes them
    spelt[:, _HEX_AT] = hexes
    spelt[:, 36] = ord("\n")
    return spelt.tobytes().decode()[:-1].split("\n")


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
        review = (annotation.meta_data or {}).get(REVIEW_KEY)
        if review is not None:  # where an accepted candidate came from, and who decided (review/)
            properties[REVIEW_KEY] = review
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
