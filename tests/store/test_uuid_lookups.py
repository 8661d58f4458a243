"""Finding annotations by UUID on a crowded image goes through the (image, UUID) index, whatever
else is indexed: with 1,000,000 annotations on one image, the `image` index (migration 0009,
for list pages) is a walk over all of them, 0.2 s for each chunk of an import's presence check."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import event

from exact_desktop.exchange.files import carry_out, plan_file
from exact_desktop.model import entities as e
from exact_desktop.store.base import Store
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed

CROWD = 1_000_000
UUID_SQL = "printf('%08x-0000-4000-8000-%012x', {n} / 1000000, {n} % 1000000)"


def uuid_of(n: int) -> str:
    return f"{n // 1_000_000:08x}-0000-4000-8000-{n % 1_000_000:012x}"


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """A project with CROWD boxes on one image, written by one INSERT ... SELECT (a few seconds:
    the UUIDs rise, so every index is appended to)."""
    path = tmp_path_factory.mktemp("crowded") / "project.db"
    store = SqliteStore(path)
    sd = seed(store)
    store.close()
    plain = sqlite3.connect(path)
    with plain:
        plain.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO annotation (annotation_type, image, vector, unique_identifier, deleted, description, time, "
            "last_edit_time, concealed, blurred, generated) "
            f'SELECT ?, ?, \'{{"x1":1,"y1":1,"x2":9,"y2":9}}\', {UUID_SQL.format(n="i")}, 0, \'\', '
            "'2026-01-01T00:00:00.000000+00:00', '2026-01-01T00:00:00.000000+00:00', 0, 0, 0 FROM n",
            (CROWD - 1, sd.box.id, sd.image.id),
        )
    plain.close()
    store = SqliteStore(path)
    yield store, sd
    store.close()


class _CountingCursor(sqlite3.Cursor):
    ran: list[tuple[str, object]]

    def execute(self, sql, parameters=()):  # type: ignore[override]
        self.ran.append((sql, parameters))
        return super().execute(sql, parameters)

    def executemany(self, sql, seq):  # type: ignore[override]
        self.ran.append((sql, "many"))
        return super().executemany(sql, seq)


def _traced(store: SqliteStore) -> list[tuple[str, object]]:
    """Every statement the store's connections are given from now on, with its values. (SQLite's
    trace callback would do, but it reports a statement again for each row a trigger fires on, and
    expands its values each time: minutes for a bulk insert.)"""
    ran: list[tuple[str, object]] = []

    class Cursor(_CountingCursor):
        pass

    Cursor.ran = ran

    class Connection(sqlite3.Connection):
        def cursor(self, factory=Cursor):  # type: ignore[override]
            return super().cursor(factory)

        def execute(self, sql, parameters=()):  # type: ignore[override]
            return self.cursor().execute(sql, parameters)

    store.engine.dispose()  # new connections only: each counts
    event.listen(store.engine, "do_connect", lambda _d, _r, _a, params: params.update(factory=Connection))
    return ran


def _plan(path: Path, statement: tuple[str, object]) -> str:
    sql, parameters = statement
    plain = sqlite3.connect(path)
    try:
        return " / ".join(row[3] for row in plain.execute(f"EXPLAIN QUERY PLAN {sql}", parameters))
    finally:
        plain.close()


def test_a_lookup_by_uuid_uses_the_uuid_index_on_a_crowded_image(crowded):
    store, sd = crowded
    wanted = [uuid_of(n) for n in range(0, CROWD, CROWD // 400)] + [uuid_of(CROWD + n) for n in range(100)]
    ran = _traced(store)
    found = store.list(e.Annotation, image=sd.image.id, unique_identifier__in=wanted)
    page = store.list(e.Annotation, offset=3, limit=5, image=sd.image.id, unique_identifier__in=wanted)
    one = store.list(e.Annotation, image=sd.image.id, unique_identifier=wanted[7])
    body, count = store.annotation_page_json(
        {"id": "id"}, {}, 50, 10, image__in=[sd.image.id, sd.other_image.id], unique_identifier__in=wanted
    )
    assert [a.unique_identifier for a in found] == wanted[:400]
    assert [a.id for a in found] == sorted(a.id for a in found)
    assert page == found[3:8] and one == found[7:8] and count == 400
    assert orjson.loads(body) == [{"id": a.id} for a in found[10:60]]
    lookups = [(sql, p) for sql, p in ran if "unique_identifier IN" in sql or "unique_identifier =" in sql]
    assert len(lookups) == 5  # the four reads and the page's count
    for sql in lookups:
        plan = _plan(store.path, sql)
        assert "sqlite_autoindex_annotation_1 (image=? AND unique_identifier=?)" in plan, (sql[0][:200], plan)
        assert "ix_annotation_image " not in plan + " "


def test_a_list_page_of_an_image_still_reads_the_image_index_in_order(crowded):
    """What 0009 was for: a page deep in an image's annotations sorts nothing."""
    store, sd = crowded
    ran = _traced(store)
    page = store.list(e.Annotation, offset=500_000, limit=3, image=sd.image.id)
    assert [a.unique_identifier for a in page] == [uuid_of(n) for n in range(500_000, 500_003)]
    plan = _plan(store.path, next(statement for statement in ran if "OFFSET" in statement[0]))
    assert "ix_annotation_image" in plan and "TEMP B-TREE" not in plan, plan


def test_importing_100k_features_onto_a_crowded_image_is_a_bounded_number_of_statements(crowded, tmp_path):
    store, sd = crowded
    features = [
        {"type": "Feature", "id": uuid_of(2 * CROWD + n),
         "geometry": {"type": "Polygon", "coordinates": [[[x % 50_000, y := 5 + x // 50_000 * 20], [x % 50_000 + 9, y], [x % 50_000 + 9, y + 9], [x % 50_000, y]]]},
         "properties": {"classification": {"name": "Tissue"}}}
        for n, x in enumerate(range(0, 200_000, 2))
    ]  # fmt: skip
    features[:50] = [
        {"type": "Feature", "id": uuid_of(n), "geometry": {"type": "Point", "coordinates": [3, 3]},
         "properties": {"classification": {"name": "Nucleus"}}}
        for n in range(50)
    ]  # fmt: skip  # already on the image
    path = tmp_path / "many.geojson"
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    ran = _traced(store)
    result = carry_out(store, plan_file(store, sd.image.id, path))
    assert (result.imported, result.already_present, result.stored) == (99_950, 50, 99_950)
    assert len(ran) < 1_000, f"{len(ran)} statements"
    lookups = [statement for statement in ran if "unique_identifier IN" in statement[0]]
    assert lookups
    for sql in lookups[:3]:
        plan = _plan(store.path, sql)
        assert "sqlite_autoindex_annotation_1 (image=? AND unique_identifier=?)" in plan, plan
    counts = [statement for statement in ran if "count(" in statement[0].lower()]
    assert counts  # what was stored is counted by the new rows' ids, not over the image's million
    for statement in counts:
        assert "rowid>? AND rowid<?" in _plan(store.path, statement), statement


def test_a_pull_page_of_recent_changes_reads_the_image_index_in_order(crowded):
    """`last_edit_time__gte` comes with the images: their index answers it (0015 dropped the
    `last_edit_time` index, which no query used)."""
    store, sd = crowded
    ran = _traced(store)
    since = datetime(2026, 1, 1, tzinfo=UTC)
    body, count = store.annotation_page_json(
        {"id": "id"}, {}, 3, 500_000, image__in=[sd.image.id, sd.other_image.id], last_edit_time__gte=since
    )
    assert count >= CROWD and len(orjson.loads(body)) == 3
    pages = [statement for statement in ran if "group_concat" in statement[0]]
    assert pages
    for statement in pages:
        plan = _plan(store.path, statement)
        assert "ix_annotation_image (image=?)" in plan and "TEMP B-TREE" not in plan, plan


def test_present_uuids_answers_as_the_interface_default_does(crowded):
    """The SQLite store's own lookup (no SQLAlchemy statement a chunk) finds what the Store
    interface's default finds through `list`: the image's UUIDs only."""
    store, sd = crowded
    other = store.create(e.Annotation(sd.box.id, sd.other_image.id, {"x1": 1, "y1": 1, "x2": 9, "y2": 9}))
    asked = [uuid_of(n) for n in range(0, 2 * CROWD, 1_999)] + [other.unique_identifier, "not a uuid"]
    ran = _traced(store)
    found = store.present_uuids(sd.image.id, asked)
    lookups = [statement for statement in ran if "unique_identifier IN" in statement[0]]
    assert found == Store.present_uuids(store, sd.image.id, asked)
    assert found == {uuid_of(n) for n in range(0, CROWD, 1_999)}
    assert len(lookups) == 3  # two chunks of 500 and the last of 2
    assert "sqlite_autoindex_annotation_1 (image=? AND unique_identifier=?)" in _plan(store.path, lookups[0])
