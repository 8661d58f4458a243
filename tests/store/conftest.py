from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.engine import make_engine
from exact_desktop.store.sqlite.schema import upgrade
from exact_desktop.store.sqlite.store import SqliteStore


@dataclass
class Seed:
    user: e.User
    team: e.Team
    product: e.Product
    image_set: e.ImageSet
    image: e.Image
    other_image: e.Image
    box: e.AnnotationType
    polygon: e.AnnotationType
    line: e.AnnotationType
    point: e.AnnotationType


@pytest.fixture
def store(tmp_path: Path):
    opened = SqliteStore(tmp_path / "project.db")
    yield opened
    opened.close()


def seed(store: SqliteStore) -> Seed:
    user = store.create(e.User("pathologist"))
    team = store.create(e.Team("lab"))
    product = store.create(e.Product("Demo", team=team.id))
    image_set = store.create(e.ImageSet("Demo", team=team.id, product_set=[product.id]))
    image = store.create(e.Image("a.svs", image_set=image_set.id, width=60_000, height=40_000, mpp=0.25))
    other = store.create(e.Image("b.svs", image_set=image_set.id, width=20_000, height=10_000))
    return Seed(
        user, team, product, image_set, image, other,
        store.create(e.AnnotationType("Nucleus", 1, product.id, color_code="#00FF00")),
        store.create(e.AnnotationType("Tissue", 5, product.id)),
        store.create(e.AnnotationType("Ruler", 3, product.id)),
        store.create(e.AnnotationType("Mitosis", 2, product.id)),
    )  # fmt: skip


@pytest.fixture
def seeded(store: SqliteStore) -> Seed:
    return seed(store)


def box(x: float, y: float, size: float = 20) -> dict[str, float]:
    return {"x1": x, "y1": y, "x2": x + size, "y2": y + size}


def older_file(tmp_path, revision: str, side: int, rows_sql: str):
    """A project file at an older schema revision: one image `side` px square, then `rows_sql`."""
    path = tmp_path / "old.db"
    engine = make_engine(path)
    upgrade(engine, path, target=revision)
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.executescript(f"""
            INSERT INTO team (id, name) VALUES (1, 'lab');
            INSERT INTO product (id, name, team, description) VALUES (1, 'Demo', 1, '');
            INSERT INTO image_set (id, name, team, description, collaboration_type) VALUES (1, 'Demo', 1, '', 0);
            INSERT INTO image (id, name, image_set, filename, width, height, depth, frames, channels, mpp,
                               objectivePower, defaultFrame, image_type, time)
                VALUES (1, 'a.svs', 1, 'a.svs', {side}, {side}, 1, 1, 3, 0.25, 40, 1, 0, '2026-01-01T00:00:00');
            {rows_sql}
        """)
    return path
