"""GeoJSON files that once ended in a traceback, lost a feature in silence or stored something
outside the image: each is now a feature named by its number (from 1) and a reason, or stored
as a person would expect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from exact_desktop.exchange import geojson
from exact_desktop.exchange.files import carry_out, plan_file
from exact_desktop.exchange.plan import ExchangeError
from exact_desktop.model import entities as e
from tests.conftest import PROJECT

ID = "5b0f5a9e-1d1f-4bb0-9d9f-6c1d7e2f8a11"
SQUARE = {"type": "Polygon", "coordinates": [[[10, 10], [40, 10], [40, 40], [10, 40], [10, 10]]]}


def feature(geometry, kind="Tissue", **extra):
    return {"type": "Feature", "geometry": geometry, "properties": {"classification": {"name": kind}}, **extra}


def plan_of(project, tmp_path, features, **options):
    store, s = project
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return plan_file(store, s.image.id, path, **options)


def nested(depth):
    geometry = {"type": "Point", "coordinates": [5, 5]}
    for _ in range(depth):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    return geometry


def test_a_deep_collection_and_an_unknown_type_are_bad_features_not_tracebacks(project, tmp_path):
    circle = {"type": "Circle", "coordinates": [5, 5], "radius": 3}
    plan = plan_of(project, tmp_path, [feature(SQUARE), feature(nested(300), "Mitosis"), feature(circle)])
    assert [str(p) for p in plan.problems] == [
        "2: geometry collections nested deeper than 32 levels",
        "3: malformed geometry ('Circle' is not a GeoJSON geometry type)",
    ]
    assert len(plan.annotations) == 1
    shallow = plan_of(project, tmp_path, [feature(nested(5), "Mitosis")])
    assert shallow.problems == [] and shallow.annotations[0].vector == {"x1": 5.0, "y1": 5.0}


def test_a_deeply_nested_file_is_read_or_named_never_a_traceback(project, tmp_path):
    """Lists 1,000 and 3,000 deep in a property the import never reads: the typed decoding
    recursed until Python's limit (a RecursionError traceback). Now orjson reads the file: the
    first is imported, the second refused in one line naming its depth."""
    store, s = project
    text = json.dumps({"type": "FeatureCollection", "features": [feature(SQUARE, m="DEEP")]})
    for depth in (1000, 3000):
        (tmp_path / f"deep{depth}.geojson").write_text(text.replace('"DEEP"', "[" * depth + "]" * depth))
    assert len(plan_file(store, s.image.id, tmp_path / "deep1000.geojson").annotations) == 1
    with pytest.raises(ExchangeError, match=r"deep3000\.geojson: not valid JSON \(depth limit exceeded"):
        plan_file(store, s.image.id, tmp_path / "deep3000.geojson")


def test_two_different_features_with_one_id_conflict_and_both_are_named(project, tmp_path):
    other = {"type": "Polygon", "coordinates": [[[50, 50], [90, 50], [90, 90], [50, 50]]]}
    plan = plan_of(project, tmp_path, [feature(SQUARE, id=ID), feature(SQUARE, id=ID), feature(other, id=ID)])
    assert [str(p) for p in plan.problems] == [f"3: conflicts with feature 1: the same id {ID}, a different feature"]
    assert plan.summary()["conflicts"] == 1
    assert [a.unique_identifier for a in plan.annotations] == [ID, ID]  # the same feature twice: stored once
    assert carry_out(project[0], plan).imported == 1


def test_a_bad_name_is_the_features_problem_and_skip_bad_skips_only_it(project, tmp_path):
    named = [feature(SQUARE, properties={"name": "fine", "classification": "Tissue"}),
             {**feature(SQUARE), "properties": {"classification": "Tissue", "name": "a\x00b"}},
             {**feature(SQUARE), "properties": {"classification": "Tissue", "name": "x" * 1_000_001}}]  # fmt: skip
    plan = plan_of(project, tmp_path, named)
    assert [str(p) for p in plan.problems] == [
        "2: its name contains a NUL character",
        "3: its name longer than 1000000 characters",
    ]
    assert carry_out(project[0], plan).imported == 1  # what --skip-bad does with the plan


def test_a_name_that_is_not_text_is_the_features_problem_not_dropped_in_silence(project, tmp_path):
    """A number, a boolean, an object or a list as a feature's name was stored as an empty
    description without a word (found by an outside tester); null is no name."""
    names = [5, True, {"a": 1}, [1, 2], None]
    features = [{**feature(SQUARE), "properties": {"classification": "Tissue", "name": n}} for n in names]
    plan = plan_of(project, tmp_path, features)
    assert [str(p) for p in plan.problems] == [
        "1: its name must be text, not 5",
        "2: its name must be text, not true",
        '3: its name must be text, not {"a":1}',
        "4: its name must be text, not [1,2]",
    ]
    assert [a.description for a in plan.annotations] == [""]


def test_parts_say_why_there_are_more_annotations_than_features(project, tmp_path):
    two = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], [[[60, 60], [80, 60], [80, 80], [60, 60]]]]}
    plan = plan_of(project, tmp_path, [feature(SQUARE), feature(two), feature(nested(0), "Mitosis")])
    summary = plan.summary()
    assert (summary["features"], summary["valid_features"], summary["annotations"]) == (3, 3, 4)
    assert summary["split"] == [{"feature": 2, "geometry": "MultiPolygon", "annotations": 2}]


def test_a_point_on_a_box_type_is_a_box_of_the_types_size_inside_the_image(project, tmp_path):
    points = [feature({"type": "Point", "coordinates": [100, 200]}, "Nucleus"),
              feature({"type": "Point", "coordinates": [10, 10]}, "Nucleus")]  # fmt: skip
    plan = plan_of(project, tmp_path, points)
    assert [a.vector for a in plan.annotations] == [
        {"x1": 75.0, "y1": 175.0, "x2": 125.0, "y2": 225.0},  # the type's default 50 x 50
        {"x1": 0.0, "y1": 0.0, "x2": 35.0, "y2": 35.0},
    ]


def test_a_polygon_partly_outside_the_image_is_clipped_to_it(project, tmp_path):
    store, s = project  # the image is 60,000 x 40,000
    across = {"type": "Polygon", "coordinates": [[[-50, -50], [100, -50], [100, 100], [-50, 100], [-50, -50]]]}
    line = {"type": "LineString", "coordinates": [[59_990, 10], [60_100, 10]]}
    outside = {"type": "Polygon", "coordinates": [[[-90, -90], [-10, -90], [-10, -10], [-90, -90]]]}
    plan = plan_of(project, tmp_path, [feature(across), feature(line, "Ruler"), feature(outside)])
    assert [str(p) for p in plan.problems] == ["3: lies wholly outside the image (60,000 x 40,000 px)"]
    carry_out(store, plan)
    stored = [a.vector for a in store.list(e.Annotation, image=s.image.id)]
    assert min(v for vector in stored for v in vector.values()) >= 0
    assert max(v for vector in stored for k, v in vector.items() if k[0] == "x") <= 60_000
    assert sorted(len(v) // 2 for v in stored) == [2, 4]


def test_a_cells_nucleus_is_a_second_annotation_or_named_as_skipped(project, tmp_path):
    nucleus = {"type": "Polygon", "coordinates": [[[20, 20], [30, 20], [30, 30], [20, 20]]]}
    cell = feature(SQUARE, id=ID, nucleusGeometry=nucleus, objectType="cell")
    skipped = plan_of(project, tmp_path, [cell])
    assert len(skipped.annotations) == 1 and skipped.problems == []
    assert skipped.notes == ["feature 1: its nucleus was not imported (--nucleus-type names a type)"]
    both = plan_of(project, tmp_path, [cell], nucleus_type="Tissue")
    assert [len(a.vector) for a in both.annotations] == [8, 6] and both.notes == []
    assert both.annotations[0].unique_identifier == ID != both.annotations[1].unique_identifier
    with pytest.raises(ExchangeError, match="no annotation type named 'Nuclear'"):
        plan_of(project, tmp_path, [cell], nucleus_type="Nuclear")


@pytest.mark.parametrize("source", ["fifo", "/dev/zero"])
def test_import_reads_only_regular_files(project, tmp_path, source):
    store, s = project
    store.close()
    if source == "fifo":
        source = str(tmp_path / "pipe.geojson")
        os.mkfifo(source)
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "import", "--db", str(tmp_path / "p.db"),
                           "--image", str(s.image.id), source], cwd=PROJECT, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not a regular file" in done.stderr


def test_make_valid_repairs_a_bow_tie_into_two_triangles_where_asked(project, tmp_path):
    bow = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}
    assert "its outline crosses itself at (5, 5) px" in str(plan_of(project, tmp_path, [feature(bow)]).problems[0])
    plan = plan_of(project, tmp_path, [feature(bow)], make_valid=True)
    assert plan.problems == [] and len(plan.annotations) == 2
    assert plan.summary()["split"] == [{"feature": 1, "geometry": "Polygon", "annotations": 2}]


def test_a_multipoint_with_a_stray_point_keeps_the_others_and_says_so(project, tmp_path):
    stray = {"type": "MultiPoint", "coordinates": [[10, 10], [50, 50], [70_000, 10]]}  # the image is 60,000 wide
    plan = plan_of(project, tmp_path, [feature(stray, "Mitosis")])
    assert plan.problems == [] and [a.vector for a in plan.annotations] == [{"x1": 10, "y1": 10}, {"x1": 50, "y1": 50}]
    assert plan.notes == ["feature 1: 1 of its 3 parts lie outside the image (60,000 x 40,000 px) and were left out"]
    gone = {"type": "MultiPoint", "coordinates": [[70_000, 10], [70_000, 20]]}
    assert [str(p) for p in plan_of(project, tmp_path, [feature(gone, "Mitosis")]).problems] == [
        "1: lies wholly outside the image (60,000 x 40,000 px)"
    ]


def test_a_classification_that_is_no_name_or_a_very_long_one_is_named_shortly(project, tmp_path):
    store, s = project
    store.close()
    odd = [{**feature(SQUARE), "properties": {"classification": {"name": ["x"]}}},
           {**feature(SQUARE), "properties": {"classification": 7}},
           feature(SQUARE, "x" * 100_000)]  # fmt: skip
    path = tmp_path / "odd.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": odd}))
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "import", "--db", str(tmp_path / "p.db"),
                           "--image", str(s.image.id), "--type", "Tissue", str(path)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and len(done.stderr) + len(done.stdout) < 1_500, done.stderr[:500]
    assert [p["reason"] for p in json.loads(done.stdout)["bad"]] == [
        "its classification's name is a list, not text",
        "its classification is a number, not a name or an object with one",
        f"class {'x' * 80!r}... (100,000 characters) is not a type of this image set (its types: Mitosis, Nucleus, Ruler, Tissue)",
    ]


def test_plain_polygons_read_as_arrays_and_odd_rings_are_named_as_geos_names_them(project, tmp_path):
    """Polygons of one ring of x, y numbers are made from one array of coordinates; any ring
    that is not that (open, too short, a value not a number, a third dimension) is judged by GEOS
    alone, with the reason it gives, while the plain ones beside it are kept."""
    ring = SQUARE["coordinates"][0]
    odd = [
        [[10, 10], [40, 10], [40, 40], [10, 40]],  # not closed
        [[10, 10], [40, 10], [10, 10]],  # three positions
        [[10, 10], [40, True], [40, 40], [10, 10]],  # true is no number
        [[10, 10], [40, "10"], [40, 40], [10, 10]],  # nor is text
        [[10, 10, 1], [40, 10, 1], [40, 40, 1], [10, 10, 1]],  # a third dimension: taken, flattened
    ]
    features = [feature(SQUARE)] + [feature({"type": "Polygon", "coordinates": [r]}) for r in odd]
    features.append(feature({"type": "Polygon", "coordinates": [[[x + 100, y] for x, y in ring]]}))
    plan = plan_of(project, tmp_path, features)
    reasons = {p.index + 1: p.reason for p in plan.problems}
    assert sorted(reasons) == [2, 3, 4, 5], reasons
    assert reasons[2] == "its outline is not closed (the last position must repeat the first)", reasons
    assert reasons[3].startswith("its outline has too few distinct points"), reasons
    assert "must be number, but is boolean" in reasons[4] and "must be number, but is string" in reasons[5], reasons
    assert [a.vector for a in plan.annotations] == [
        {"x1": 10.0, "y1": 10.0, "x2": 40.0, "y2": 10.0, "x3": 40.0, "y3": 40.0, "x4": 10.0, "y4": 40.0},
        {"x1": 10.0, "y1": 10.0, "x2": 40.0, "y2": 10.0, "x3": 40.0, "y3": 40.0},
        {"x1": 110.0, "y1": 10.0, "x2": 140.0, "y2": 10.0, "x3": 140.0, "y3": 40.0, "x4": 110.0, "y4": 40.0},
    ]


def test_positions_that_are_no_pairs_of_numbers_are_named_and_the_plain_rings_kept(project, tmp_path):
    """A position that is a number, null, a text of two letters or an object of two keys is no
    pair of numbers, whatever its length: its feature is named, the plain ones beside it kept."""
    odd = [10, None, "ab", {"x": 40, "y": 40}]
    features = [feature(SQUARE)]
    features += [feature({"type": "Polygon", "coordinates": [[[10, 10], [40, 10], p, [10, 10]]]}) for p in odd]
    features.append(feature(SQUARE))
    plan = plan_of(project, tmp_path, features)
    assert [p.index + 1 for p in plan.problems] == [2, 3, 4, 5], plan.problems
    assert all(p.reason.startswith("malformed geometry") for p in plan.problems), plan.problems
    assert len(plan.annotations) == 2


def test_a_geometry_that_cannot_be_written_as_json_is_its_features_problem(project):
    """Features handed over as objects (not read from a file) may hold what JSON cannot: such a
    feature is named, the others are kept (it once raised out of the plan)."""
    store, s = project
    huge = {"type": "Polygon", "coordinates": [[[10, 10], [2**70, 10], [40, 40], [10, 10]]]}
    types = store.list(e.AnnotationType)
    plan = geojson.plan_import([feature(SQUARE), feature(huge), feature(SQUARE, id=ID)], s.image, types)
    assert [str(p) for p in plan.problems] == ["2: malformed geometry (Integer exceeds 64-bit range)"]
    assert len(plan.annotations) == 2
