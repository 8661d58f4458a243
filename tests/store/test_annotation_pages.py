"""List pages over several images: merged per image in id order, as the one plain query would
give them, and without sorting the image set's ids for every page."""

from __future__ import annotations

import sqlite3

import orjson
import pytest
from sqlalchemy import event

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import MERGED_IMAGES, SqliteStore
from tests.store.conftest import box, seed


def _page(store: SqliteStore, limit: int, offset: int, **filters) -> tuple[list[int], int]:
    body, count = store.annotation_page_json({"id": "id"}, {}, limit, offset, **filters)
    return [x["id"] for x in orjson.loads(body)], count


@pytest.fixture
def three_images(store: SqliteStore):
    sd = seed(store)
    third = store.create(e.Image("c.svs", image_set=sd.image_set.id, width=5_000, height=5_000))
    images = [sd.image.id, sd.other_image.id, third.id]
    # ids interleave over the images unevenly, some deleted
    made = [e.Annotation(sd.box.id, images[(i * i) % 3], box(i, i), deleted=i % 7 == 0) for i in range(600)]
    ids = store.bulk_create(made)
    return store, images, list(zip(ids, made, strict=True))


@pytest.mark.parametrize("limit", [1, 7, 100, 1000])
def test_pages_over_several_images_are_the_plain_querys_pages(three_images, limit):
    store, images, made = three_images
    for filters, keep in [
        ({"image__in": images}, lambda a: True),
        ({"image__in": images[1:]}, lambda a: a.image in images[1:]),
        ({"image__in": images, "deleted": False}, lambda a: not a.deleted),
    ]:
        expected = [id for id, a in made if keep(a)]
        got, offset = [], 0
        while offset <= len(expected):
            page, count = _page(store, limit, offset, **filters)
            assert count == len(expected)
            got += page
            offset += limit
        assert got == expected


def test_more_images_than_are_merged_still_page_in_id_order(store: SqliteStore):
    sd = seed(store)
    images = [store.create(e.Image(f"{i}.svs", image_set=sd.image_set.id, width=100, height=100)).id
              for i in range(MERGED_IMAGES + 1)]  # fmt: skip
    ids = store.bulk_create([e.Annotation(sd.box.id, images[(i * 5) % len(images)], box(i, i)) for i in range(300)])
    assert _page(store, 50, 120, image__in=images) == (ids[120:170], 300)


def test_no_page_sorts_the_ids_of_its_images(three_images):
    """The plans of the statements a deep page ran: ranges of the image index, merged."""
    store, images, _ = three_images
    ran: list[tuple[str, tuple]] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: ran.append((args[2], args[3])))
    _page(store, 100, 300, image__in=images)
    _page(store, 100, 300, image__in=images[:1])
    pages = [(sql, params) for sql, params in ran if "group_concat" in sql]
    assert len(pages) == 2
    plain = sqlite3.connect(store.path)
    plans = [" / ".join(row[3] for row in plain.execute(f"EXPLAIN QUERY PLAN {sql}", params)) for sql, params in pages]
    plain.close()
    assert all("TEMP B-TREE" not in plan and "ix_annotation_image " in plan + " " for plan in plans), plans
    assert "MERGE (UNION ALL)" in plans[0]
