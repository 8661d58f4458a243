"""EXACT annotation JSON files that once ended in a traceback or lost an annotation in silence:
each is now a bad file or a bad annotation named by its number (from 1) and a reason."""

from __future__ import annotations

import json

import pytest

from exact_desktop.exchange.files import carry_out, plan_file
from exact_desktop.exchange.plan import ExchangeError
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed

ID = "6be3edeb-1cf1-4957-83bc-a9db7795ed58"


def box(x=10):
    return {"x1": x, "y1": x, "x2": x + 20, "y2": x + 20}


@pytest.fixture
def project(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    yield store, seed(store)
    store.close()


def plan_of(project, tmp_path, data):
    store, s = project
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data))
    return plan_file(store, s.image.id, path)


@pytest.mark.parametrize("kind", [{"id": [1], "name": "Nucleus"}, {"id": 1, "name": ["Nucleus"]}])
def test_a_type_list_with_a_list_for_an_id_or_a_name_is_a_bad_file(project, tmp_path, kind):
    data = {"annotation_types": [kind], "annotations": [{"annotation_type": 1, "vector": box()}]}
    with pytest.raises(
        ExchangeError, match=r"in\.json: annotation_types #1: its id must be a whole number and its name text"
    ):
        plan_of(project, tmp_path, data)


def test_an_annotation_whose_type_is_a_list_is_a_bad_annotation(project, tmp_path):
    data = {"annotation_types": [{"id": 1, "name": "Nucleus"}],
            "annotations": [{"annotation_type": [1], "vector": box()}, {"annotation_type": {"name": ["Nucleus"]}, "vector": box()},
                            {"annotation_type": 1, "vector": box()}]}  # fmt: skip
    plan = plan_of(project, tmp_path, data)
    assert [str(p) for p in plan.problems] == [
        "1: annotation_type must be a whole number or an object with a name",
        "2: annotation_type's name must be text",
    ]
    assert len(plan.annotations) == 1


@pytest.mark.parametrize("second", [ID, ID.upper()])
def test_two_different_annotations_with_one_uuid_conflict_and_nothing_is_lost_in_silence(project, tmp_path, second):
    rows = [{"annotation_type": {"name": "Nucleus"}, "vector": box(), "unique_identifier": ID},
            {"annotation_type": {"name": "Nucleus"}, "vector": box(), "unique_identifier": ID},
            {"annotation_type": {"name": "Nucleus"}, "vector": box(40), "unique_identifier": second}]  # fmt: skip
    plan = plan_of(project, tmp_path, rows)
    assert [str(p) for p in plan.problems] == [f"3: conflicts with feature 1: the same id {ID}, a different annotation"]
    assert plan.summary()["conflicts"] == 1
    assert [a.unique_identifier for a in plan.annotations] == [ID, ID]  # the same annotation twice: stored once
    assert carry_out(project[0], plan).imported == 1


def test_annotations_marked_deleted_stay_deleted_and_a_deleted_that_is_no_boolean_is_a_bad_annotation(
    project, tmp_path
):
    """An export or an API page holds soft-deleted annotations too: importing one brought them back
    as live annotations, and `"deleted": "yes"` passed unchecked (found by an attacker)."""
    rows = [{"annotation_type": {"name": "Nucleus"}, "vector": box(10), "deleted": True},
            {"annotation_type": {"name": "Nucleus"}, "vector": box(40), "deleted": False},
            {"annotation_type": {"name": "Nucleus"}, "vector": box(70)}]  # fmt: skip
    plan = plan_of(project, tmp_path, {"results": rows})
    assert not plan.problems
    assert [a.vector["x1"] for a in plan.annotations] == [40, 70]
    assert plan.summary()["notes"] == ["1 marked deleted, left out (they stay deleted)"]
    bad = plan_of(project, tmp_path, {"results": [*rows, {**rows[2], "deleted": "yes"}]})
    assert [str(p) for p in bad.problems] == ["4: deleted must be true or false"]


@pytest.mark.parametrize(("description", "reason"), [("a\x00b", "contains a NUL character"),
                                                     ("x" * 1_000_001, "longer than 1000000 characters")])  # fmt: skip
def test_a_description_the_store_refuses_is_a_bad_annotation_by_number(project, tmp_path, description, reason):
    """Such a description failed the whole import with one line naming only its UUID, and
    --skip-bad could not skip it (found by an outside tester); GeoJSON names it by number."""
    rows = [{"annotation_type": {"name": "Nucleus"}, "vector": box(), "description": "fine"},
            {"annotation_type": {"name": "Nucleus"}, "vector": box(40), "description": description}]  # fmt: skip
    plan = plan_of(project, tmp_path, {"annotations": rows})
    assert [str(p) for p in plan.problems] == [f"2: description {reason}"]
    assert [a.description for a in plan.annotations] == ["fine"]
