"""How a bulk write is cut into chunks, and the GIL interval it runs with."""

from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite import bulk, hand_over
from tests.store.conftest import box


def test_a_batch_is_cut_small_first_then_in_whole_chunks():
    assert bulk._chunks(100_000, bulk.FIRST_CHUNK) == [
        (0, 4_096),
        *((s, s + bulk.CHUNK) for s in range(4_096, 86_016, bulk.CHUNK)),
        (86_016, 100_000),
    ]
    assert bulk._chunks(10, bulk.FIRST_CHUNK) == [(0, 10)]
    assert bulk._chunks(10_000, 10_000) == [(0, 10_000)]  # a batch prepared ahead is one chunk


def test_a_batch_prepared_ahead_larger_than_the_first_chunk_is_stored_once_each(store, seeded):
    """A batch of one chunk is checked and encoded before the write lock (bulk.prepare) and
    written as that one chunk: cut like a batch prepared inside the transaction, its rows would
    be written twice over."""
    n = bulk.FIRST_CHUNK + 1_000
    items = [e.Annotation(seeded.box.id, seeded.image.id, box(i % 9000, i // 9000)) for i in range(n)]
    assert bulk.preparable(items)
    ids = store.bulk_create(items)
    assert store.count(e.Annotation) == n == len(set(ids))
    picked = np.random.default_rng(3).choice(n, 20, replace=False)
    for k in picked.tolist():
        assert store.get(e.Annotation, ids[k]).unique_identifier == items[k].unique_identifier


def test_the_switch_interval_is_short_during_bulk_writes_and_put_back_after_the_last():
    before = sys.getswitchinterval()
    seen: list[float] = []
    inner_started, outer_may_end = threading.Event(), threading.Event()

    def other() -> None:
        with hand_over.quick_hand_over():
            inner_started.set()
            outer_may_end.wait(5)
            seen.append(sys.getswitchinterval())

    with hand_over.quick_hand_over():
        assert sys.getswitchinterval() == hand_over.SWITCH_S
        worker = threading.Thread(target=other)
        worker.start()
        inner_started.wait(5)
    assert sys.getswitchinterval() == hand_over.SWITCH_S  # the other write still runs
    outer_may_end.set()
    worker.join(5)
    assert seen == [hand_over.SWITCH_S]
    assert sys.getswitchinterval() == before


def test_a_bad_value_shared_by_every_row_or_copied_from_another_column_is_still_named(store, seeded):
    """A column that holds one object throughout is judged by that object, and a column of the
    same objects as one judged already is not judged again: a bad one is named all the same."""
    shared = "a NUL \x00 in every row's description"
    items = [e.Annotation(seeded.box.id, seeded.image.id, box(i, i), description=shared) for i in range(50)]
    with pytest.raises(StoreError, match="description"):
        store.bulk_create(items)
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=5)))  # year 10000 in UTC
    items = [e.Annotation(seeded.box.id, seeded.image.id, box(i, i), time=late) for i in range(50)]
    assert items[0].last_edit_time is items[0].time
    with pytest.raises(StoreError, match="out of range"):
        store.bulk_create(items)
    assert store.count(e.Annotation) == 0
