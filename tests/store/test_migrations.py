"""Files from older schemas open and are upgraded; files from newer releases are refused."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from exact_desktop.model import entities as e
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import SchemaTooNewError, ViewportQuery
from exact_desktop.store.sqlite.engine import make_engine
from exact_desktop.store.sqlite.schema import current_revision, head_revision, upgrade
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.tables import metadata


def make_first_schema_file(path):
    """A project as the first schema wrote it: tables and rows, no spatial index."""
    engine = make_engine(path)
    upgrade(engine, path, target="0001")
    engine.dispose()
    now = "2026-01-02T03:04:05.000000+00:00"
    with sqlite3.connect(path) as raw:
        raw.executescript(f"""
            INSERT INTO team (id, name) VALUES (1, 'lab');
            INSERT INTO product (id, name, team, description) VALUES (1, 'Demo', 1, '');
            INSERT INTO image_set (id, name, team, description, collaboration_type) VALUES (1, 'Demo', 1, '', 0);
            INSERT INTO image (id, name, image_set, filename, width, height, depth, frames, channels, mpp,
                               objectivePower, defaultFrame, image_type)
                VALUES (1, 'a.svs', 1, 'a.svs', 1000, 1000, 1, 1, 3, 0.25, 40, 1, 0);
            INSERT INTO annotation_type (id, name, vector_type, product, color_code, node_count, closed,
                area_hit_test, default_width, default_height, sort_order, multi_frame, enable_concealed,
                enable_blurred, active)
                VALUES (1, 'Tissue', 5, 1, '#FF00FF', 0, 1, 1, 50, 50, 0, 0, 0, 0, 1);
            INSERT INTO annotation (id, annotation_type, image, vector, unique_identifier, deleted, description,
                time, last_edit_time, concealed, blurred, generated)
                VALUES (1, 1, 1, '{{"x1": 10, "y1": 10, "x2": 90, "y2": 10, "x3": 50, "y3": 80}}',
                        '7d5e4c1a-0000-4000-8000-000000000001', 0, 'kept', '{now}', '{now}', 0, 0, 0),
                       (2, 1, 1, '{{"x1": 500, "y1": 500, "x2": 600, "y2": 500, "x3": 550, "y3": 600}}',
                        '7d5e4c1a-0000-4000-8000-000000000002', 1, 'deleted', '{now}', '{now}', 0, 0, 0);
        """)


def test_a_first_schema_file_is_upgraded_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    make_first_schema_file(path)
    engine = make_engine(path)
    assert current_revision(engine) == "0001"
    engine.dispose()
    store = SqliteStore(path)
    engine = make_engine(path)
    assert current_revision(engine) == head_revision() != "0001"
    engine.dispose()
    kept = store.get(e.Annotation, 1)
    assert kept.description == "kept" and kept.vector == {"x1": 10, "y1": 10, "x2": 90, "y2": 10, "x3": 50, "y3": 80}
    assert kept.time.year == 2026 and kept.time.tzinfo is not None
    found = store.viewport(ViewportQuery(1, Rect(0, 0, 1000, 1000)))
    assert found.ids.tolist() == [1]  # the old annotation is indexed, the deleted one is not
    assert found.nodes_of(0).tolist() == [[10, 10], [90, 10], [50, 80]]
    created = store.create(e.Annotation(1, 1, {"x1": 0, "y1": 0, "x2": 5, "y2": 0, "x3": 5, "y3": 5}))
    assert created.id == 3
    store.close()


def test_a_file_from_a_newer_release_is_refused_by_name(tmp_path):
    path = tmp_path / "future.db"
    SqliteStore(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    with pytest.raises(SchemaTooNewError) as caught:
        SqliteStore(path)
    message = str(caught.value)
    assert "future.db" in message and "newer exact-desktop" in message and "0099_from_the_future" in message
    with sqlite3.connect(path) as raw:  # and it was left alone
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0099_from_the_future"


def test_the_tables_in_code_match_what_the_migrations_build(tmp_path):
    store = SqliteStore(tmp_path / "fresh.db")
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, kind, parents: kind != "table" or "_grid" not in name}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []
    store.close()


def test_plugins_linked_to_annotation_types_become_linked_to_their_products(tmp_path):
    """Before 0004 a plugin's `products` were annotation type ids; EXACT links Products."""
    path = tmp_path / "plugins.db"
    make_first_schema_file(path)
    engine = make_engine(path)
    upgrade(engine, path, target="0003")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.executescript("""
            INSERT INTO product (id, name, team, description) VALUES (2, 'Other', 1, '');
            INSERT INTO annotation_type (id, name, vector_type, product, color_code, node_count, closed,
                area_hit_test, default_width, default_height, sort_order, multi_frame, enable_concealed,
                enable_blurred, active)
                VALUES (2, 'Nucleus', 1, 1, '#0000FF', 0, 0, 1, 50, 50, 0, 0, 0, 0, 1),
                       (3, 'Mitosis', 1, 2, '#00FF00', 0, 0, 1, 50, 50, 0, 0, 0, 0, 1);
            INSERT INTO plugin (id, name, author, package, contact, abouturl, icon, script, queue, parameter_schema)
                VALUES (1, 'Detector', '', '', '', '', '', 'x.py', 'local', '[]'),
                       (2, 'Idle', '', '', '', '', '', 'y.py', 'local', '[]');
            INSERT INTO plugin_product (plugin, annotation_type) VALUES (1, 1), (1, 2), (1, 3);
        """)
    store = SqliteStore(path)
    detector, idle = store.get(e.Plugin, 1), store.get(e.Plugin, 2)
    assert detector.products == [1, 2] and detector.produces == ["Tissue", "Nucleus", "Mitosis"]
    assert idle.products == [] and idle.produces == []
    store.delete(e.Product, 2)  # the link follows its product
    assert store.get(e.Plugin, 1).products == [1]
    store.close()
