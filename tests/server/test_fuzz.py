"""Property-based fuzzing of the embedded API from its own OpenAPI description (schemathesis).

Requests generated from every operation's schema go to a real `exact-desktop serve` over a seeded
project. For every input: no 500, and every 2xx answer valid against the schema. After the run the
project file passes `PRAGMA integrity_check` and its spatial indexes hold exactly the live rows.
"""

from __future__ import annotations

import sqlite3

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from exact_desktop.model import entities as e
from exact_desktop.server.app import create_app
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF
from tests.server.conftest import start_server, stop_server
from tests.store.conftest import seed

schema = schemathesis.openapi.from_dict(create_app(None, "unused").openapi())  # type: ignore[arg-type]
EXAMPLES = 25


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz") / "project.db"
    store = SqliteStore(db)
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.create(e.Plugin("Fuzzed", products=[s.product.id], produces=[s.box.name]))
    store.create(e.Annotation(s.box.id, s.image.id, {"x1": 1, "y1": 1, "x2": 9, "y2": 9}))
    store.close()
    process, info = start_server(db)
    yield db, info
    stop_server(process)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error_and_every_answer_fits_the_schema(case, fuzzed):
    _db, info = fuzzed
    case.call_and_validate(
        base_url=info["url"], headers={"Authorization": f"Bearer {info['token']}"},
        checks=[not_a_server_error, response_schema_conformance], timeout=30,
    )  # fmt: skip


def test_after_the_fuzzing_the_file_is_whole_and_its_indexes_match_its_rows(fuzzed):
    db, _info = fuzzed
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        live = raw.execute("SELECT id FROM annotation WHERE deleted = 0 AND vector ->> '$.x1' IS NOT NULL").fetchall()
        indexed = raw.execute("SELECT id FROM annotation_grid").fetchall()
        assert sorted(live) == sorted(indexed)
        results = raw.execute("SELECT id FROM plugin_result_annotation WHERE vector ->> '$.x1' IS NOT NULL").fetchall()
        assert sorted(results) == sorted(raw.execute("SELECT id FROM plugin_result_annotation_grid").fetchall())
