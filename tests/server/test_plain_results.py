"""The worker's form of a list create of result annotations, taken a column at a time; any
other form is left to the item-by-item checks (None)."""

from __future__ import annotations

import uuid

import pytest

from exact_desktop.model import entities as e
from exact_desktop.server.plain_results import plain_results

NOW = e.utcnow()


def item(**changed):
    return {"annotation_type": 1, "pluginresultentry": 2, "image": 3, "vector": {"x1": 1, "y1": 2, "x2": 5.5, "y2": 6},
            "score": 0.25, "meta_data": None, "unique_identifier": str(uuid.uuid4()), **changed}  # fmt: skip


def test_the_workers_form_becomes_rows_as_sent():
    items = [item(), item(score=1, meta_data={"why": "dark"})]
    rows = plain_results(items, NOW)
    assert rows == [
        e.PluginResultAnnotation(1, 2, 3, x["vector"], float(x["score"]), x["meta_data"],
                                 unique_identifier=x["unique_identifier"], time=NOW)
        for x in items
    ]  # fmt: skip
    assert type(rows[1].score) is float


@pytest.mark.parametrize(
    "odd",
    [
        {"score": None},
        {"score": "0.5"},
        {"score": True},
        {"image": True},
        {"annotation_type": 1.0},
        {"pluginresultentry": "2"},
        {"vector": None},
        {"vector": [1, 2]},
        {"meta_data": [1]},
        {"unique_identifier": str(uuid.uuid4()).upper()},
        {"unique_identifier": None},
        {"extra": 1},
    ],
)
def test_anything_else_is_left_to_the_item_checks(odd):
    assert plain_results([item(), item(**odd)], NOW) is None


def test_a_field_left_out_one_uuid_twice_or_no_items_are_left_to_the_item_checks():
    short = item()
    del short["meta_data"]
    twice = item()
    assert plain_results([item(), short], NOW) is None
    assert plain_results([twice, dict(twice)], NOW) is None
    assert plain_results([], NOW) is None
    assert plain_results([item(), 7], NOW) is None
