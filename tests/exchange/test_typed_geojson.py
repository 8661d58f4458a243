"""The usual GeoJSON file is read by typed decoding (msgspec), anything else by orjson: both reads
make the same plan of one file, UUIDs, problems and notes alike, and a file orjson refuses is
refused whichever way it is read."""

from __future__ import annotations

import json
import re
from functools import reduce

import orjson
import pytest

from exact_desktop.exchange import geojson, geojson_typed
from exact_desktop.exchange.files import image_types, plan_file
from exact_desktop.exchange.plan import ExchangeError
from exact_desktop.model import entities as e
from tests.exchange.test_hostile_geojson import ID, feature

RING = [[10, 10], [40.5, 10], [40.5, 40.25], [10, 40.25], [10, 10]]


def polygon(*rings, **extra):
    return {"type": "Polygon", "coordinates": list(rings), **extra}


def both_plans(project, raw, **options):
    """The plan of `raw` read by typed decoding, and by orjson."""
    store, s = project
    image, types = store.get(e.Image, s.image.id), image_types(store, s.image.id)
    typed = geojson_typed.decoded(raw)
    assert typed is not None, "the file was not read by typed decoding"
    return (geojson.plan_import(typed, image, types, **options),
            geojson.plan_import(orjson.loads(raw), image, types, **options))  # fmt: skip


def same(plan, other):
    assert plan.summary() == other.summary()
    assert [(a.unique_identifier, a.annotation_type, a.vector, a.description, a.meta_data) for a in plan.annotations] == [
        (a.unique_identifier, a.annotation_type, a.vector, a.description, a.meta_data) for a in other.annotations
    ]  # fmt: skip


def collection(features):
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_a_file_of_all_kinds_plans_alike_both_ways(project):
    shifted = [[x + 100, y + 7.5] for x, y in RING]
    hole = [[15, 15], [20, 15], [20, 20], [15, 15]]
    features = [
        feature(polygon(RING)),  # ints and floats: the content UUID is of the numbers as written
        feature(polygon(shifted), id=ID, properties={"classification": "Tissue", "name": "named"}),
        feature(polygon(RING, bbox=[10, 10, 40.5, 40.25])),  # a key of its own: in its content UUID
        feature(polygon(RING, hole)),
        feature({"type": "MultiPolygon", "coordinates": [[RING], [shifted]]}),
        feature({"type": "Point", "coordinates": [5, 5]}, "Mitosis"),
        feature(polygon(RING), nucleusGeometry=polygon(hole), objectType="cell"),
        feature(polygon([[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]])),  # a bow tie
        feature(polygon([[1, 1], [2, 2], [1, 1]])),  # too short for GEOS
        feature(polygon([[5, 5], [9, 5], [9, 9]])),  # open
        feature(polygon([[5, 5, 1], [9, 5, 1], [9, 9, 1], [5, 5, 1]])),  # a third dimension
        feature(None),
        {"type": "Feature", "geometry": polygon(RING), "properties": None},
    ]
    typed, parsed = both_plans(project, collection(features), nucleus_type="Tissue")
    same(typed, parsed)
    assert [str(p) for p in typed.problems] == [
        "8: its outline crosses itself at (5, 5) px",
        "9: its outline has too few distinct points at (1, 1) px",
        "10: its outline is not closed (the last position must repeat the first)",
        "12: no geometry",
        "13: no classification, and no type was given for such features (--type NAME)",
    ]
    assert typed.annotation_count == 10  # a MultiPolygon of two, a cell and its nucleus


@pytest.mark.parametrize("make_valid", [False, True])
def test_a_file_of_plain_polygons_alone_plans_alike_both_ways(project, make_valid):
    """Every feature a polygon of one ring: the rings are made into polygons and judged on a
    second thread while the content UUIDs are made; what that thread finds must be what the
    usual way finds, repairs included."""
    other = [[50, 50], [90, 50], [90, 90], [50, 50]]
    features = [
        feature(polygon(RING)),
        feature(polygon([[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]])),  # a bow tie
        feature(polygon([[1, 1], [2, 2], [1, 1]])),  # too short for GEOS
        feature(polygon([[5, 5], [9, 5], [9, 9]])),  # open
        feature(polygon(RING), id=ID),
        feature(polygon(other), id=ID),  # the same id, another feature
        feature(polygon(other), nucleusGeometry=polygon([[60, 60], [70, 60], [70, 70], [60, 60]])),
        feature(polygon([[-50, -50], [100, -50], [100, 100], [-50, 100], [-50, -50]])),  # partly outside
        {"type": "Feature", "geometry": polygon(RING), "properties": {"classification": "Unknown"}},
    ]
    typed, parsed = both_plans(project, collection(features), nucleus_type="Tissue", make_valid=make_valid)
    same(typed, parsed)
    assert [p.index + 1 for p in typed.problems] == ([3, 4, 6, 9] if make_valid else [2, 3, 4, 6, 9])


def test_numbers_past_64_bits_are_read_as_orjson_reads_them(project):
    """orjson reads an integer past 64 bits as a float; msgspec would keep it whole (and orjson
    could not write it for the content UUID): such a geometry is left to orjson."""
    far = [[10, 10], [2**64, 10], [40, 40], [10, 10]]
    typed, parsed = both_plans(project, collection([feature(polygon(far)), feature(polygon(RING))]))
    same(typed, parsed)
    assert [str(p) for p in typed.problems] == ["1: a coordinate is beyond any slide (at most 1,000,000,000 px)"]


def test_a_file_not_in_the_usual_form_is_read_by_orjson_and_named_as_before(project, tmp_path):
    odd = [feature(polygon(RING)), {**feature(polygon(RING)), "properties": {"classification": 7}}]
    assert geojson_typed.decoded(collection(odd)) is None
    assert geojson_typed.decoded(json.dumps([feature(polygon(RING))]).encode()) is None
    store, s = project
    path = tmp_path / "odd.geojson"
    path.write_bytes(collection(odd))
    plan = plan_file(store, s.image.id, path)
    assert [str(p) for p in plan.problems] == ["2: its classification is a number, not a name or an object with one"]


def test_a_file_orjson_refuses_is_refused_though_the_bad_text_is_in_what_an_import_skips(project, tmp_path):
    """msgspec does not look into the values it skips (QuPath's measurements): a byte that is not
    UTF-8 there made a file importable that orjson refuses."""
    store, s = project
    raw = collection([feature(polygon(RING), properties={"classification": "Tissue", "measurements": "MARK"})])
    path = tmp_path / "bad.geojson"
    path.write_bytes(raw.replace(b"MARK", b"\xff\xfe"))
    with pytest.raises(ExchangeError, match="not valid JSON"):
        plan_file(store, s.image.id, path)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.7976931348623159e308", "1E+400", "1" + "0" * 309])
@pytest.mark.parametrize("usual", [True, False])
def test_a_number_beyond_a_double_is_refused_either_way_naming_its_feature(project, tmp_path, number, usual):
    """In a measurement the import never reads, typed decoding skipped it unread and imported the
    file, while orjson (any file not in the usual form) refused it as not valid JSON: one file,
    two answers. QuPath writes no such number: refused both ways, the feature named."""
    store, s = project
    cell = feature(polygon(RING), properties={"classification": "Tissue", "name": "cell 2", "measurements": "MARK"})
    odd = [] if usual else [{**feature(polygon(RING)), "properties": {"classification": {"names": ["Tissue"]}}}]
    path = tmp_path / "far.geojson"
    far = b'{"a": %s}' % number.encode()
    path.write_bytes(collection([feature(polygon(RING)), cell, *odd]).replace(b'"MARK"', far))
    refusal = rf"far\.geojson: feature 2 \(\"cell 2\"\): a number beyond a double's range \({re.escape(number[:40])}\)"
    with pytest.raises(ExchangeError, match=refusal + "; nothing imported$"):
        plan_file(store, s.image.id, path)


def test_a_number_beyond_a_double_before_a_value_nested_past_any_parser_s_depth_is_one_line(project, tmp_path):
    """orjson stops at the number; the search for its feature must not then fail on the nesting
    (msgspec's skipping recursed: a RecursionError traceback, an outside tester's finding)."""
    store, s = project
    cell = feature(polygon(RING), properties={"classification": "Tissue", "name": "cell 2", "measurements": "MARK"})
    deep = feature(polygon(RING), properties={"classification": "Tissue", "m": "DEEP"})
    path = tmp_path / "far.geojson"
    nested = b"[" * 3000 + b"1" + b"]" * 3000
    path.write_bytes(collection([feature(polygon(RING)), cell, deep]).replace(b'"MARK"', b'{"a": 1e400}')
                     .replace(b'"DEEP"', nested))  # fmt: skip
    with pytest.raises(ExchangeError, match=r"1e400|infinity") as refused:
        plan_file(store, s.image.id, path)
    assert "nothing imported" in str(refused.value) or "not valid JSON" in str(refused.value)


def test_numbers_within_a_double_in_what_the_import_skips_are_read_the_usual_way(project, tmp_path):
    """What QuPath writes (Java's exponents, a non-finite measurement as text) stays on the fast
    way; what the scan cannot tell apart cheaply (e308 within range) is read by orjson, alike."""
    store, s = project
    raw = collection([feature(polygon(RING), properties={"classification": "Tissue", "measurements": "MARK"})])
    written = b'{"Area": 1.2345678E7, "Small": 1.0E-5, "Missing": "NaN", "Infinite": "-Infinity"}'
    assert geojson_typed.decoded(raw.replace(b'"MARK"', written)) is not None
    path = tmp_path / "within.geojson"
    path.write_bytes(raw.replace(b'"MARK"', b'{"Max": 1.7976931348623157E308, "e100 ": 0.%s}' % (b"1" * 300)))
    assert len(plan_file(store, s.image.id, path).annotations) == 1


QUPATH_04 = b'{"Area": 1.2345678E7, "Missing": NaN, "Far": Infinity, "Near": -Infinity}'  # not JSON, read by 0.5
QUPATH_05 = b'{"Area": 1.2345678E7, "Missing": "NaN", "Far": "Infinity", "Near": "-Infinity"}'


def with_measurements(features, written):
    """The file of `features`, each one's "MARK" measurements written as `written`."""
    return collection(features).replace(b'"MARK"', written)


def plan_of_bytes(project, tmp_path, raw):
    store, s = project
    path = tmp_path / "qupath.geojson"
    path.write_bytes(raw)
    return plan_file(store, s.image.id, path, nucleus_type="Tissue")


@pytest.mark.parametrize("usual", [True, False])
def test_qupath_04s_bare_nan_and_infinity_measurements_are_read_either_way(project, tmp_path, usual):
    """QuPath 0.4 and older wrote a measurement that is no number as a bare NaN, Infinity or
    -Infinity (not JSON; QuPath 0.5 reads it): the file was refused as not valid JSON. It is
    read as QuPath 0.5's text for them is, whichever way; the measurements are not kept."""
    cell = feature(polygon(RING), id=ID, properties={"classification": "Tissue", "name": "c", "measurements": "MARK"})
    odd = [] if usual else [{**feature(polygon(RING)), "properties": {"classification": {"names": ["Tissue"]}}}]
    features = [feature(polygon(RING), properties={"classification": "Tissue", "measurements": "MARK"}), cell, *odd]
    if usual:
        assert geojson_typed.decoded(with_measurements(features, QUPATH_05)) is not None
    read = plan_of_bytes(project, tmp_path, with_measurements(features, QUPATH_04))
    same(read, plan_of_bytes(project, tmp_path, with_measurements(features, QUPATH_05)))
    assert read.annotation_count == 2 and [str(p) for p in read.problems] == (
        [] if usual else ["3: no classification, and no type was given for such features (--type NAME)"]
    )


def test_a_bare_nan_or_infinity_in_a_coordinate_makes_its_feature_bad(project, tmp_path):
    """A coordinate is not read from the word: its feature is bad, named, and the others are
    read; the text "NaN" there keeps the answer it had. What orjson refuses or reads otherwise is
    refused or read alike in a file with the words."""
    features = [
        feature(
            polygon([[10, 10], [40, "MARK"], [40, 40], [10, 10]]),
            properties={"classification": "Tissue", "name": "bare"},
        ),
        feature(polygon([[10, 10], [40, "NaN"], [40, 40], [10, 10]])),
        feature({"type": "Point", "coordinates": ["MARK", 5]}),
        feature(polygon([[10, 10], [2**64, 10], [40, 40], [10, 10]])),  # past 64 bits: a float, as orjson reads it
        feature(polygon(RING), properties={"classification": "Tissue", "measurements": "MARK"}),
    ]
    raw, words = collection(features), (b"NaN", b"-Infinity", b'{"a": Infinity}')
    plan = plan_of_bytes(project, tmp_path, reduce(lambda text, word: text.replace(b'"MARK"', word, 1), words, raw))
    assert [str(p) for p in plan.problems] == [
        '1 ("bare"): a coordinate of it is not a number (NaN)',
        "2: malformed geometry (ParseException: Error parsing JSON: "
        "'[json.exception.type_error.302] type must be number, but is string')",
        "3: a coordinate of it is not a number (-Infinity)",
        "4: a coordinate is beyond any slide (at most 1,000,000,000 px)",
    ]
    assert plan.annotation_count == 1
    refused = {
        b'{"a": NaN, "b": 1e400}': r"feature 5: a number beyond a double\'s range \(1e400\); nothing imported$",
        b'{"a": NaN, "b": "\\ud800"}': "not valid JSON",  # a lone surrogate, as orjson refuses it
        b'{"a": NaN, "b": nan}': "not valid JSON",
        b'{"a": NaN}}': "not valid JSON",
    }
    for written, refusal in refused.items():
        with pytest.raises(ExchangeError, match=refusal):
            plan_of_bytes(project, tmp_path, raw.replace(b'"MARK"', b"0", 2).replace(b'"MARK"', written))
