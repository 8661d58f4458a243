from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
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
