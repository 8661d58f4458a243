"""The usual GeoJSON file read by typed decoding: a FeatureCollection whose features name their
class plainly, most of them plain polygons.

msgspec checks each feature's form while it parses and skips what an import never reads (QuPath's
measurements, colours), so no dict is made of a feature or its properties, and the polygons'
positions arrive checked as pairs of plain numbers: for 100,000 polygons, parsing, picking,
checking positions and freeing the parsed file took 0.69 s of CPU against 0.89 read whole by
orjson (loaded machine). Anything else in the file (a feature of another form, a geometry with keys of its own, a
number beyond 64 bits) makes `decoded` answer None, or that geometry alone be read by orjson, and
the import reads it as before and names what is wrong with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
import orjson

from exact_desktop.exchange import json_numbers

INT64 = msgspec.Meta(ge=-(2**63), le=2**63 - 1)  # orjson reads larger integers as floats: left to it


class Classification(msgspec.Struct):
    name: str | None = None


class Properties(msgspec.Struct):
    classification: str | Classification | None = None
    name: str | None = None


class Feature(msgspec.Struct):
    type: Literal["Feature"]
    geometry: msgspec.Raw  # its JSON, decoded with the others by `_geometries`
    properties: Properties | None = None
    id: Any = None
    nucleusGeometry: Any = None  # noqa: N815  # QuPath's key (geojson.NUCLEUS)

    def class_name(self) -> str | None:
        found = self.properties.classification if self.properties is not None else None
        return found.name if isinstance(found, Classification) else found

    def name(self) -> str | None:
        return self.properties.name if self.properties is not None else None


class _Collection(msgspec.Struct):
    type: Literal["FeatureCollection"]
    features: list[Feature]


_Number = Annotated[int, INT64] | float


class _Polygon(msgspec.Struct, forbid_unknown_fields=True):
    """A polygon geometry with no keys but its own two (its content UUID is its JSON's)."""

    type: Literal["Polygon"]
    coordinates: list[list[tuple[_Number, _Number]]]


_FILE = msgspec.json.Decoder(_Collection)
_POLYGONS = msgspec.json.Decoder(list[_Polygon])
_POLYGON = msgspec.json.Decoder(_Polygon)


@dataclass
class Decoded:
    """The features, each one's geometry as orjson reads it (a polygon's positions as tuples), and
    each plain polygon's one ring, its positions pairs of plain numbers (None for any other)."""

    features: list[Feature]
    geometries: list[Any]
    rings: list[list[tuple[float, float]] | None]


def decoded(raw: bytes) -> Decoded | None:
    """The file as `Decoded`, or None when it is not a FeatureCollection of features in the usual
    form (or not valid JSON, or not UTF-8 where it is skipped, or may hold a number beyond a double
    there): orjson then reads it whole."""
    if json_numbers.may_hold_one(raw):  # msgspec does not look at the numbers it skips either
        return None
    if not raw.isascii():
        try:
            raw.decode()  # msgspec does not look into the text it skips; orjson refuses the file
        except UnicodeDecodeError:
            return None
    try:
        features = _FILE.decode(raw).features
        geometries, rings = _geometries([feature.geometry for feature in features])
    except (msgspec.DecodeError, orjson.JSONDecodeError):  # (a ValidationError is a DecodeError)
        return None
    except RecursionError:  # msgspec recurses into what it skips; orjson names a file nested past its limit
        return None
    return Decoded(features, geometries, rings)


def _geometries(texts: list[msgspec.Raw]) -> tuple[list[Any], list[list[tuple[float, float]] | None]]:
    """All geometries as polygons in one call; when some are not, each on its own."""
    try:
        polygons: list[_Polygon | None] = list(_POLYGONS.decode(b"[" + b",".join(texts) + b"]"))
    except msgspec.ValidationError:
        polygons = [_polygon(text) for text in texts]
    geometries = [
        {"type": "Polygon", "coordinates": p.coordinates} if p is not None else orjson.loads(memoryview(text))
        for p, text in zip(polygons, texts, strict=True)
    ]
    rings = [p.coordinates[0] if p is not None and len(p.coordinates) == 1 else None for p in polygons]
    return geometries, rings


def _polygon(text: msgspec.Raw) -> _Polygon | None:
    try:
        return _POLYGON.decode(text)
    except msgspec.ValidationError:
        return None
