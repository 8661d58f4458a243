"""GeoJSON (as QuPath 0.2 and 0.4+ write it) and EXACT JSON, in and out of a real project."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from shapely.geometry import shape

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.exchange import geojson
from exact_desktop.exchange.files import carry_out, export_file, plan_file
from exact_desktop.exchange.plan import ExchangeError
from exact_desktop.model import entities as e
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT
from tests.store.conftest import seed

HOLE_ID = "5b0f5a9e-1d1f-4bb0-9d9f-6c1d7e2f8a11"
QUPATH = {
    "type": "FeatureCollection",
    "features": [
        {  # QuPath 0.4+: a UUID id, objectType, classification with an RGB list; a polygon with a hole
            "type": "Feature", "id": HOLE_ID,
            "geometry": {"type": "Polygon", "coordinates": [[[10, 10], [100, 10], [100, 100], [10, 100], [10, 10]],
                                                             [[30, 30], [60, 30], [60, 60], [30, 30]]]},
            "properties": {"objectType": "annotation", "classification": {"name": "Tissue", "color": [0, 255, 0]}},
        },
        {  # a bow tie: self-intersecting
            "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]},
            "properties": {"classification": {"name": "Tissue"}},
        },
        {  # QuPath 0.2: "PathAnnotationObject" as id, colorRGB; points as a MultiPoint
            "type": "Feature", "id": "PathAnnotationObject",
            "geometry": {"type": "MultiPoint", "coordinates": [[5, 5], [6, 6]]},
            "properties": {"classification": {"name": "Mitosis", "colorRGB": -3670016}, "isLocked": False, "measurements": []},
        },
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5]}, "properties": {"classification": {"name": "Mitosis"}}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [50, 50]]}, "properties": {"classification": {"name": "Ruler"}}},
        {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[200, 200], [220, 200], [220, 220], [200, 200]]], [[[300, 300], [320, 300], [320, 320], [300, 300]]]]},
         "properties": {"classification": {"name": "Tissue"}, "name": "two pieces"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]}, "properties": {"classification": {"name": "Necrosis"}}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [9e6, 9e6]}, "properties": {"classification": {"name": "Mitosis"}}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[400, 400], [480, 400], [480, 460], [400, 400]]]}},
    ],
}  # fmt: skip


@pytest.fixture
def project(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    label = store.create(e.AnnotationType("Tumour slide", 7, s.product.id))
    yield store, s, label
    store.close()


def write(tmp_path, data, name="in.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def live(store, image):
    return [a for a in store.list(e.Annotation, image=image) if not a.deleted]


def test_bad_features_are_named_by_index_and_reason(project, tmp_path):
    store, s, _ = project
    plan = plan_file(store, s.image.id, write(tmp_path, QUPATH))
    reasons = {p.index: p.reason for p in plan.problems}
    assert sorted(reasons) == [1, 3, 6, 7, 8]
    assert reasons[1] == "its outline crosses itself at (5, 5) px"
    assert "malformed geometry" in reasons[3]
    assert (
        reasons[6]
        == "class 'Necrosis' is not a type of this image set (its types: Mitosis, Nucleus, Ruler, Tissue, Tumour slide)"
    )
    assert "outside the image" in reasons[7]
    assert "no classification" in reasons[8]
    assert len(plan.annotations) == 6  # polygon, two points, line, two pieces
    assert live(store, s.image.id) == []  # planning writes nothing


def test_good_features_land_with_holes_parts_and_uuids_and_twice_adds_nothing(project, tmp_path):
    store, s, _ = project
    plan = plan_file(store, s.image.id, write(tmp_path, QUPATH), default_type="Tissue")
    assert [p.index for p in plan.problems] == [1, 3, 6, 7]  # the unclassified one took the default
    result = carry_out(store, plan)
    assert (result.imported, result.already_present, result.stored) == (7, 0, 7)
    holed = store.list(e.Annotation, unique_identifier=HOLE_ID)[0]
    assert holed.vector == {
        "x1": 10.0,
        "y1": 10.0,
        "x2": 100.0,
        "y2": 10.0,
        "x3": 100.0,
        "y3": 100.0,
        "x4": 10.0,
        "y4": 100.0,
    }
    assert holed.meta_data == {"holes": [[[30.0, 30.0], [60.0, 30.0], [60.0, 60.0]]]}
    pieces = [a for a in live(store, s.image.id) if a.description == "two pieces"]
    assert len(pieces) == 2 and pieces[0].unique_identifier != pieces[1].unique_identifier
    again = carry_out(store, plan_file(store, s.image.id, write(tmp_path, QUPATH), default_type="Tissue"))
    assert (again.imported, again.already_present, again.stored) == (0, 7, 0)  # this import's, not the image's


def test_stored_counts_this_imports_rows_and_a_write_that_stored_fewer_is_refused(project, tmp_path):
    """`stored` is counted in the project, of this import's rows alone (the image's others are
    not its business); a row the file's SQLite skips silently (a trigger) refuses the import."""
    store, s, _ = project
    store.bulk_create([e.Annotation(s.box.id, s.image.id, {"x1": 5, "y1": 5, "x2": 9, "y2": 9}) for _ in range(3)])
    plan = plan_file(store, s.image.id, write(tmp_path, QUPATH), default_type="Tissue")
    before = len(live(store, s.image.id))
    plain = sqlite3.connect(store.path)
    plain.execute(
        f"CREATE TRIGGER skip_one BEFORE INSERT ON annotation WHEN NEW.unique_identifier = '{HOLE_ID}' "
        "BEGIN SELECT RAISE(IGNORE); END"
    )
    plain.commit()
    with pytest.raises(StoreError, match=r"refused, nothing written: 6 of them were stored"):
        carry_out(store, plan)
    assert len(live(store, s.image.id)) == before  # nothing of the import landed
    plain.execute("DROP TRIGGER skip_one")
    plain.commit()
    plain.close()
    result = carry_out(store, plan)
    assert (before, result.imported, result.stored) == (3, 7, 7)
    assert len(live(store, s.image.id)) == before + 7


def test_features_without_an_id_get_the_uuids_earlier_versions_gave_them(project, tmp_path):
    """A file imported by an earlier version is found again: the UUID made from a feature's
    content (image, type, geometry), a part's and a nucleus's from it, are pinned here."""
    store, s, _ = project
    square = {"type": "Polygon", "coordinates": [[[10, 10], [40, 10], [40, 40], [10, 40], [10, 10]]]}
    two = {"type": "MultiPolygon", "coordinates": [[[[10, 10], [40, 10], [40, 40], [10, 10]]],
                                                   [[[50, 50], [90, 50], [90, 90], [50, 50]]]]}  # fmt: skip
    nucleus = {"type": "Polygon", "coordinates": [[[20, 20], [30, 20], [30, 30], [20, 20]]]}
    features = [
        {"type": "Feature", "geometry": square, "properties": {"classification": {"name": "Tissue"}}},
        {"type": "Feature", "geometry": two, "properties": {"classification": "Tissue"}},
        {"type": "Feature", "geometry": {"coordinates": square["coordinates"], "type": "Polygon"},
         "properties": {"classification": {"name": "Tissue"}}, "nucleusGeometry": nucleus},
        {"type": "Feature", "id": "5B0F5A9E1D1F4BB09D9F6C1D7E2F8A11", "geometry": square,
         "properties": {"classification": {"name": "Tissue"}}},
    ]  # fmt: skip
    plan = plan_file(store, s.image.id, write(tmp_path, {"type": "FeatureCollection", "features": features}),
                     nucleus_type="Tissue")  # fmt: skip
    assert plan.problems == []
    assert [a.unique_identifier for a in plan.annotations] == [
        "dee04323-8ca6-5a83-9ee0-27b26493e612",
        "fdf560cc-3b39-5fad-8416-dc311de24c51",  # the parts: from the feature's own
        "65083414-33a8-58f2-ba4c-947a1a5b0153",
        "dee04323-8ca6-5a83-9ee0-27b26493e612",  # the same content in another key order: the same feature
        "eb2c2dec-b354-5334-b212-a1bc2991b59a",  # its nucleus
        "5b0f5a9e-1d1f-4bb0-9d9f-6c1d7e2f8a11",  # the file's own id, in the one spelling
    ]


def test_a_geometry_holding_the_separator_of_the_geometries_texts_changes_no_uuid(project, tmp_path):
    """The geometries' JSON is written by one call with a separator between them: a file that
    holds the separator itself gets the same UUIDs as any other (each geometry written alone)."""
    store, s, _ = project
    square = {"type": "Polygon", "coordinates": [[[10, 10], [40, 10], [40, 40], [10, 40], [10, 10]]]}
    odd = {"type": "Polygon", "coordinates": [[[10, 10], geojson._BETWEEN, [40, 40], [10, 10]]]}
    features = [{"type": "Feature", "geometry": geometry, "properties": {"classification": "Tissue"}}
                for geometry in (square, odd, square)]  # fmt: skip
    plan = plan_file(store, s.image.id, write(tmp_path, {"type": "FeatureCollection", "features": features}))
    assert [p.index for p in plan.problems] == [1]
    assert [a.unique_identifier for a in plan.annotations] == ["dee04323-8ca6-5a83-9ee0-27b26493e612"] * 2


def test_geojson_round_trip_keeps_shapes_types_and_holes(project, tmp_path):
    store, s, _ = project
    carry_out(store, plan_file(store, s.image.id, write(tmp_path, QUPATH), default_type="Tissue"))
    box = store.create(e.Annotation(s.box.id, s.image.id, {"x1": 1, "y1": 2, "x2": 30, "y2": 40}, description="a cell"))
    out = tmp_path / "out.geojson"
    assert export_file(store, s.image.id, out) == 8
    written = json.loads(out.read_text())
    for feature in written["features"]:
        assert shape(feature["geometry"]).is_valid
    holed = next(f for f in written["features"] if f["id"] == HOLE_ID)
    assert len(holed["geometry"]["coordinates"]) == 2  # the hole is back
    assert holed["properties"]["classification"] == {"name": "Tissue", "color": [255, 0, 0]}
    result = carry_out(store, plan_file(store, s.other_image.id, out))
    assert result.imported == 8

    def shapes_of(image):
        return sorted(
            (a.annotation_type, json.dumps({k: float(v) for k, v in a.vector.items()}, sort_keys=True), a.description)
            for a in live(store, image)
        )

    assert shapes_of(s.other_image.id) == shapes_of(s.image.id)
    moved_box = next(a for a in live(store, s.other_image.id) if a.annotation_type == s.box.id)
    assert (
        moved_box.vector == {"x1": 1.0, "y1": 2.0, "x2": 30.0, "y2": 40.0} and box.description == moved_box.description
    )


def test_exact_json_round_trip_includes_global_labels(project, tmp_path):
    store, s, label = project
    store.create(e.Annotation(label.id, s.image.id, None))
    store.create(
        e.Annotation(
            s.polygon.id, s.image.id, {"x1": 0, "y1": 0, "x2": 9, "y2": 0, "x3": 9, "y3": 9}, meta_data={"grade": 2}
        )
    )
    out = tmp_path / "out.json"
    assert export_file(store, s.image.id, out) == 2
    result = carry_out(store, plan_file(store, s.other_image.id, out))
    assert result.imported == 2
    got = sorted(live(store, s.other_image.id), key=lambda a: a.annotation_type)
    assert [(a.annotation_type, a.vector, a.meta_data) for a in got] == [
        (s.polygon.id, {"x1": 0, "y1": 0, "x2": 9, "y2": 0, "x3": 9, "y3": 9}, {"grade": 2}),
        (label.id, None, None),
    ]


def test_simplify_and_undo_of_an_import(project, tmp_path):
    store, s, _ = project
    import math

    ring = [
        [500 + 100 * math.cos(t / 100 * 2 * math.pi), 500 + 100 * math.sin(t / 100 * 2 * math.pi)] for t in range(100)
    ]
    data = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "properties": {"classification": "Tissue"},
    }
    plan = plan_file(store, s.image.id, write(tmp_path, data), simplify=2.0)
    (polygon,) = plan.annotations
    assert 8 < len(polygon.vector) // 2 < 40
    history = EditHistory(store)
    carry_out(store, plan, history)
    assert len(live(store, s.image.id)) == 1
    history.undo()
    assert live(store, s.image.id) == []


def test_an_annotation_deleted_here_comes_back_as_the_file_has_it_in_one_undo_step(project, tmp_path):
    """Deleted by hand or by an undone import, an annotation whose UUID comes again in a file is
    brought back (same row, the file's outline), counted as restored, never as already here."""
    store, s, _ = project
    path = write(tmp_path, QUPATH)
    carry_out(store, plan_file(store, s.image.id, path, default_type="Tissue"))
    holed = store.list(e.Annotation, unique_identifier=HOLE_ID)[0]
    history = EditHistory(store)
    history.delete([holed.id])
    moved = json.loads(json.dumps(QUPATH))
    moved["features"][0]["geometry"]["coordinates"] = [[[10, 10], [90, 10], [90, 90], [10, 10]]]
    new_point = {"type": "Feature", "id": "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a00",
                 "geometry": {"type": "Point", "coordinates": [7, 7]}, "properties": {"classification": "Mitosis"}}  # fmt: skip
    moved["features"].append(new_point)
    result = carry_out(
        store, plan_file(store, s.image.id, write(tmp_path, moved, "moved.geojson"), default_type="Tissue"), history
    )
    assert (result.imported, result.restored, result.already_present, result.stored) == (1, 1, 6, 2)
    back = store.get(e.Annotation, holed.id)
    assert not back.deleted and back.vector == {"x1": 10.0, "y1": 10.0, "x2": 90.0, "y2": 10.0, "x3": 90.0, "y3": 90.0}
    assert back.meta_data in (None, {})  # the file's version has no hole
    assert history.undo_label() == "Import 2 annotations"
    history.undo()  # one step: the restored one deleted again, the new one too
    assert store.get(e.Annotation, holed.id).deleted and len(live(store, s.image.id)) == 6
    history.undo()  # and the delete undone: as it was after the first import
    assert store.get(e.Annotation, holed.id).vector["x2"] == 100.0
    store.update(e.Annotation, holed.id, deleted=True)  # without a history (the command line): the same
    again = carry_out(store, plan_file(store, s.image.id, path, default_type="Tissue"))
    assert (again.imported, again.restored, again.already_present, again.stored) == (0, 1, 6, 1)
    assert not store.get(e.Annotation, holed.id).deleted


def test_features_of_a_class_that_is_no_type_here_are_said_once_naming_the_types(project, tmp_path):
    """3,000 features of QuPath's "Tumor" made 20 identical lines and a hint to --skip-bad, which
    would import nothing: one line per reason, the image set's types named, and no such hint."""
    store, s, _ = project
    tumor = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5, 5]}, "properties": {"classification": "Tumor"}}  # fmt: skip
    plain = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5, 5]}, "properties": {}}
    path = write(tmp_path, {"type": "FeatureCollection", "features": [tumor] * 3000 + [plain]})
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "import", "--db", str(store.path),
                           "--image", str(s.image.id), str(path)], cwd=PROJECT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 2 and done.stderr.splitlines() == [
        f"exact-desktop: {path} 3,000 features (1, 2, 3, ...): class 'Tumor' is not a type of this image set "
        "(its types: Mitosis, Nucleus, Ruler, Tissue, Tumour slide)",
        f"exact-desktop: {path} feature 3001: no classification, and no type was given for such features (--type NAME)",
        "exact-desktop: nothing can be imported: none of the 3,001 features is valid",
    ]
    assert json.loads(done.stdout)["imported"] == 0 and live(store, s.image.id) == []


def test_a_file_that_is_not_json_or_not_annotations_is_named(project, tmp_path):
    store, s, _ = project
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(ExchangeError, match=r"broken\.geojson: not valid JSON"):
        plan_file(store, s.image.id, broken)
    with pytest.raises(ExchangeError, match=r"other\.json: not EXACT annotation JSON"):
        plan_file(store, s.image.id, write(tmp_path, {"hello": 1}, "other.json"))


def test_command_line_refuses_bad_files_unless_asked_and_exports(project, tmp_path):
    store, s, _ = project
    store.close()
    source = write(tmp_path, QUPATH)
    db = str(tmp_path / "p.db")
    cmd = [sys.executable, "-m", "exact_desktop"]
    refused = subprocess.run(
        [*cmd, "import", "--db", db, "--image", str(s.image.id), str(source)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "feature 2: its outline crosses itself at (5, 5) px" in refused.stderr
    assert json.loads(refused.stdout)["imported"] == 0
    done = subprocess.run(
        [*cmd, "import", "--db", db, "--image", str(s.image.id), str(source), "--skip-bad"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stored"] == 6 and "nothing new" not in done.stderr
    again = subprocess.run(done.args, cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["stored"] == 0  # the second time: said in words too, not only by a 0
    assert "nothing new: its 6 annotations are on the image already" in again.stderr
    out = tmp_path / "out.geojson"
    exported = subprocess.run(
        [*cmd, "export", "--db", db, "--image", str(s.image.id), str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0 and json.loads(exported.stdout)["exported"] == 6
    assert len(json.loads(out.read_text())["features"]) == 6
