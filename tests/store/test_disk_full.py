"""A disk that fills up mid-write: a clear refusal, nothing half-written, everything earlier kept."""

from __future__ import annotations

import sqlite3

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.store import SqliteStore
from tests.faults.disk import can_mount, small_disk
from tests.store.conftest import seed

pytestmark = pytest.mark.skipif(not can_mount(), reason="mounting a small tmpfs needs root")


def boxes(s, n: int, start: int = 0) -> list[e.Annotation]:
    return [e.Annotation(s.box.id, s.image.id, {"x1": i, "y1": i, "x2": i + 5, "y2": i + 5},
                         description="x" * 200) for i in range(start, start + n)]  # fmt: skip


def test_a_full_disk_refuses_the_write_whole_and_keeps_what_was_there(tmp_path):
    with small_disk(tmp_path / "disk", 3072) as disk:
        path = disk / "project.db"
        store = SqliteStore(path)
        s = seed(store)
        store.bulk_create(boxes(s, 1000))
        with pytest.raises(StoreError, match="disk is full") as refused:
            store.bulk_create(boxes(s, 200_000, start=1000))
        assert str(path) in str(refused.value)
        assert store.count(e.Annotation) == 1000  # none of the refused bulk
        store.close()
        reopened = SqliteStore(path)
        assert reopened.count(e.Annotation) == 1000
        reopened.create(e.Annotation(s.box.id, s.image.id, {"x1": 0, "y1": 0, "x2": 1, "y2": 1}))  # still writable
        assert reopened.count(e.Annotation) == 1001
        reopened.close()
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert raw.execute("SELECT count(*) FROM annotation_grid").fetchone()[0] == 1001
