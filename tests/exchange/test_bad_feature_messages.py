"""A bad feature is named as a person finds it in QuPath (its number and its name, or its id),
its reason in words with the place in pixels, and the message points at the option that mends
it (an outsider's finding: shapely's "Self-intersection[22837.12 24747.85]", "1 bad features")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from exact_desktop.exchange.files import plan_file
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT
from tests.store.conftest import seed

ID = "5b0f5a9e-1d1f-4bb0-9d9f-6c1d7e2f8a11"
SQUARE = [[10, 10], [40, 10], [40, 40], [10, 40], [10, 10]]
BOW_TIE = [[2000.4, 2000], [2100, 2100], [2100, 2000], [2000, 2100], [2000.4, 2000]]
NOT_CLOSED = [[10, 10], [40, 10], [40, 40]]
TOO_FEW = [[1500, 1500], [1520, 1520], [1500, 1500]]


@pytest.fixture
def project(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    yield store, seed(store)
    store.close()


def feature(ring, name=None, id=None):
    properties = {"classification": {"name": "Tissue"}, **({"name": name} if name else {})}
    found = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": properties}
    return {**found, "id": id} if id else found


def written(tmp_path, features):
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize(
    ("ring", "said", "repairable"),
    [
        (BOW_TIE, 'feature 2 ("cell 1"): its outline crosses itself at (2,050, 2,050) px', True),
        (NOT_CLOSED, 'feature 2 ("cell 1"): its outline is not closed (the last position must repeat the first)', False),
        (TOO_FEW, 'feature 2 ("cell 1"): its outline has too few distinct points at (1,500, 1,500) px', False),
    ],
)  # fmt: skip
def test_a_bad_feature_is_named_by_number_and_name_with_its_reason_in_words(project, tmp_path, ring, said, repairable):
    store, s = project
    plan = plan_file(store, s.image.id, written(tmp_path, [feature(SQUARE), feature(ring, "cell 1", ID)]))
    assert [f"feature {p}" for p in plan.problems] == [said]
    assert plan.repairable is repairable
    assert plan.summary()["bad"] == [{"feature": 2, "name": "cell 1", "reason": said.split(": ", 1)[1]}]


def test_a_feature_without_a_name_is_named_by_its_id(project, tmp_path):
    store, s = project
    plan = plan_file(store, s.image.id, written(tmp_path, [feature(BOW_TIE, id=ID), feature(BOW_TIE)]))
    assert [str(p) for p in plan.problems] == [
        f'1 ("{ID}"): its outline crosses itself at (2,050, 2,050) px',
        "2: its outline crosses itself at (2,050, 2,050) px",
    ]


def test_an_outline_that_repair_leaves_nothing_of_says_so(project, tmp_path):
    store, s = project
    plan = plan_file(store, s.image.id, written(tmp_path, [feature(TOO_FEW)]), make_valid=True)
    assert [str(p) for p in plan.problems] == ["1: its outline encloses no area: nothing of it is left once repaired"]


def run_import(tmp_path, db, image, path):
    return subprocess.run([sys.executable, "-m", "exact_desktop", "import", "--db", db, "--image", str(image),
                           str(path)], cwd=PROJECT, capture_output=True, text=True, timeout=120)  # fmt: skip


def test_the_command_line_says_one_bad_feature_once_and_names_the_option_that_repairs_it(project, tmp_path):
    store, s = project
    store.close()
    db = str(tmp_path / "p.db")
    path = written(tmp_path, [feature(SQUARE), feature(BOW_TIE, "cell 1233")])
    refused = run_import(tmp_path, db, s.image.id, path)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f'exact-desktop: {path} feature 2 ("cell 1233"): its outline crosses itself at (2,050, 2,050) px',
        "exact-desktop: 1 bad feature; nothing imported "
        "(--make-valid repairs invalid outlines, --skip-bad leaves the bad features out)",
    ]
    unclosed = written(tmp_path, [feature(SQUARE), feature(NOT_CLOSED), feature(NOT_CLOSED)])
    left = run_import(tmp_path, db, s.image.id, unclosed).stderr.splitlines()
    assert left[-1] == "exact-desktop: 2 bad features; nothing imported (--skip-bad leaves the bad features out)"
