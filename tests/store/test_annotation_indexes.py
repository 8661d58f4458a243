"""The annotation tables' indexes after migrations 0015 and 0016: an old file keeps every row,
and the lookups that used the changed indexes still use one."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import event

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.engine import make_engine
from exact_desktop.store.sqlite.schema import current_revision, head_revision
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import older_file

NOW = "2026-01-02T03:04:05.000000+00:00"


def _file_at_0014(tmp_path: Path) -> Path:
    """A project as schema 0014 wrote it: three annotations, two of them with a server id."""
    return older_file(tmp_path, "0014", 1000, f"""
        INSERT INTO annotation_type (id, name, vector_type, product, color_code, node_count, closed,
            area_hit_test, default_width, default_height, sort_order, multi_frame, enable_concealed,
            enable_blurred, active)
            VALUES (1, 'Nucleus', 1, 1, '#00FF00', 0, 0, 1, 50, 50, 0, 0, 0, 0, 1);
        INSERT INTO annotation (id, annotation_type, image, vector, unique_identifier, deleted, description,
            time, last_edit_time, concealed, blurred, generated, remote_id)
            VALUES (1, 1, 1, '{{"x1": 1, "y1": 1, "x2": 9, "y2": 9}}', '7d5e4c1a-0000-4000-8000-000000000001',
                    0, 'local', '{NOW}', '{NOW}', 0, 0, 0, NULL),
                   (2, 1, 1, '{{"x1": 2, "y1": 2, "x2": 8, "y2": 8}}', '7d5e4c1a-0000-4000-8000-000000000002',
                    0, 'pulled', '{NOW}', '{NOW}', 0, 0, 0, 502),
                   (3, 1, 1, '{{"x1": 3, "y1": 3, "x2": 7, "y2": 7}}', '7d5e4c1a-0000-4000-8000-000000000003',
                    1, 'deleted', '{NOW}', '{NOW}', 0, 0, 0, 503);
    """)  # fmt: skip


def _plans(store: SqliteStore, work) -> list[str]:
    """The query plans of the statements `work` runs on the store's connections."""
    ran: list[tuple[str, object]] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: ran.append((args[2], args[3])))
    work()
    plain = sqlite3.connect(store.path)
    try:
        plans = [" / ".join(row[3] for row in plain.execute(f"EXPLAIN QUERY PLAN {sql}", p)) for sql, p in ran]
        return [plan for plan in plans if plan]  # statements that read no table have none
    finally:
        plain.close()


def test_a_file_of_schema_0014_keeps_every_annotation_and_its_lookups_by_server_id(tmp_path):
    path = _file_at_0014(tmp_path)
    store = SqliteStore(path)
    engine = make_engine(path)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    kept = store.list(e.Annotation)
    assert [(a.id, a.description, a.remote_id, a.deleted) for a in kept] == [
        (1, "local", None, False), (2, "pulled", 502, False), (3, "deleted", 503, True),
    ]  # fmt: skip
    assert kept[1].vector == {"x1": 2, "y1": 2, "x2": 8, "y2": 8}
    assert kept[1].last_edit_time == datetime.fromisoformat(NOW)
    with sqlite3.connect(path) as raw:
        indexes = dict(raw.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'annotation' AND sql != ''"))
        results = dict(
            raw.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'plugin_result_annotation' AND sql != ''")
        )
    assert "ix_annotation_last_edit_time" not in indexes
    assert "WHERE remote_id IS NOT NULL" in indexes["ix_annotation_remote_id"]
    assert "WHERE remote_id IS NOT NULL" in results["ix_plugin_result_annotation_remote_id"]
    plans = _plans(store, lambda: [
        store.list(e.Annotation, remote_id__in=[502, 503, 999]), store.list(e.Annotation, remote_id=502, limit=1),
    ])  # fmt: skip
    assert plans and all("ix_annotation_remote_id (remote_id=?)" in plan for plan in plans), plans
    assert [a.id for a in store.list(e.Annotation, remote_id__in=[502, 503, 999])] == [2, 3]
    store.close()


def test_lookups_by_server_id_use_the_partial_indexes(tmp_path):
    store = SqliteStore(tmp_path / "fresh.db")
    plain = sqlite3.connect(store.path)
    plans = [
        " / ".join(
            row[3] for row in plain.execute(f"EXPLAIN QUERY PLAN SELECT remote_id, id FROM {table} WHERE {where}")
        )
        for table, where in [("annotation", "remote_id IN (1, 2)"), ("plugin_result_annotation", "remote_id = 1")]
    ]  # the first is sync_ledger._column_map's statement
    plain.close()
    store.close()
    assert "ix_annotation_remote_id (remote_id=?)" in plans[0], plans
    assert "ix_plugin_result_annotation_remote_id (remote_id=?)" in plans[1], plans
