"""The annotation list written by SQLite says exactly what the entity serialiser says.

A real `serve` process over a project whose annotations carry awkward values (floats, unicode,
quotes, nested meta data, deletions, edits with versions); each page is compared with
`serialize.annotation` of the same rows read as entities.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from exact_desktop.model import entities as e
from exact_desktop.server import serialize as s
from exact_desktop.store.sqlite.store import SqliteStore
from tests.server.conftest import start_server, stop_server
from tests.store.conftest import box, seed

ANNOTATIONS = "/api/v1/annotations/annotations/"


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    db = tmp_path_factory.mktemp("pages") / "project.db"
    store = SqliteStore(db)
    sd = seed(store)
    made = [
        e.Annotation(sd.box.id, sd.image.id, box(10.25, 1e-3), description='quote " and \\ back, ünïcode ✓'),
        e.Annotation(
            sd.polygon.id,
            sd.image.id,
            {"x1": 0, "y1": 0, "x2": 5.5, "y2": 0, "x3": 2, "y3": 1e6},
            meta_data={"score": 0.125, "nested": {"list": [1, None, "x"]}, "empty": {}},
        ),
        e.Annotation(
            sd.point.id,
            sd.other_image.id,
            {"x1": 3, "y1": 4},
            user=sd.user.id,
            last_editor=sd.user.id,
            concealed=True,
            blurred=True,
            generated=True,
            time=datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=UTC),
        ),
        e.Annotation(sd.line.id, sd.image.id, {"x1": 1, "y1": 2, "x2": 3, "y2": 4}, meta_data=None),
    ]
    made += [e.Annotation(sd.box.id, sd.image.id, box(i * 40, 7)) for i in range(2_450)]
    ids = store.bulk_create(made)
    store.update(e.Annotation, ids[0], vector=box(11, 12), description="edited twice")
    store.update(e.Annotation, ids[0], meta_data={"round": 2})
    store.delete(e.Annotation, ids[3])
    store.update(e.Annotation, ids[5], last_edit_time=datetime.now(UTC) + timedelta(days=1))
    store.close()
    process, info = start_server(db)
    yield info, db, sd
    stop_server(process)


def _expected(db, **filters) -> list[dict]:
    store = SqliteStore(db)
    try:
        items = store.list(e.Annotation, **filters)
        versions = store.ids_by(e.AnnotationVersion, "annotation", [a.id for a in items])
        return [s.annotation(a, versions[a.id]) for a in items]
    finally:
        store.close()


def _get(info, **params) -> dict:
    answer = requests.get(info["url"] + ANNOTATIONS, params=params, headers={"Authorization": f"Bearer {info['token']}"},
                          timeout=30)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def _all_pages(info, **params) -> list[dict]:
    found, offset = [], 0
    while True:
        body = _get(info, **params, offset=offset)
        found += body["results"]
        offset += params["limit"]
        if not body["next"]:
            return found


def test_every_field_of_every_annotation_as_the_serialiser_sends_it(awkward):
    info, db, _ = awkward
    expected = _expected(db)
    got = _all_pages(info, limit=1000)
    assert len(got) == len(expected) == 2_454
    assert got == expected
    assert [list(g) for g in got[:3]] == [list(x) for x in expected[:3]]  # same keys in the same order
    assert len(got[0]["annotationversion_set"]) == 2  # its two edits
    assert got[3]["deleted"] is True and got[2]["concealed"] is True and got[0]["deleted"] is False


def test_fields_omit_filters_and_deep_offsets(awkward):
    info, db, sd = awkward
    expected = _expected(db, image=sd.image.id)
    fields = "id,vector,unique_identifier,last_edit_time,deleted,verified_by_user"
    got = _all_pages(info, limit=700, image=sd.image.id, fields=fields)
    assert got == [{k: x[k] for k in fields.split(",")} for x in expected]
    omitted = _get(info, limit=5, offset=2_000, omit="vector,annotationversion_set,meta_data")
    assert omitted["count"] == 2_454
    assert omitted["results"] == [
        {k: v for k, v in x.items() if k not in ("vector", "annotationversion_set", "meta_data")}
        for x in _expected(db)[2_000:2_005]
    ]
    beyond = _get(info, limit=10, offset=5_000)
    assert beyond["results"] == [] and beyond["next"] is None and beyond["count"] == 2_454


def test_time_filter_and_empty_selection(awkward):
    info, db, _ = awkward
    tomorrow = (datetime.now(UTC) + timedelta(hours=12)).isoformat()
    later = _get(info, limit=100, last_edit_time__gte=tomorrow)
    assert later["count"] == 1 and [x["id"] for x in later["results"]] == [x["id"] for x in _expected(db)[5:6]]
    none = _get(info, limit=100, image=999_999)
    assert none == {"count": 0, "next": None, "previous": None, "results": []}


def test_an_image_sets_pages_follow_id_order_across_its_images(awkward):
    info, db, sd = awkward
    got = _all_pages(info, limit=300, image__image_set=sd.image_set.id)
    assert got == _expected(db, image__in=[sd.image.id, sd.other_image.id])
    assert {x["image"] for x in got} == {sd.image.id, sd.other_image.id}
