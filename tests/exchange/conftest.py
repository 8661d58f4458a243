"""A project with the seeded image and types, for the import tests."""

from __future__ import annotations

import pytest

from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import seed


@pytest.fixture
def project(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    yield store, seed(store)
    store.close()
