"""A project with one plugin's results on two images: what a review reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.store.conftest import Seed, box, seed


@dataclass
class Results:
    seed: Seed
    plugin: e.Plugin
    job: e.PluginJob
    mimic: e.AnnotationType  # a box type to relabel to
    entry: e.PluginResultEntry
    other_entry: e.PluginResultEntry


def add_results(store: SqliteStore, count: int = 30, other: int = 0) -> Results:
    """`count` boxes of type Nucleus on image a (scores spread over 0..1, shuffled so id order
    is no score order), and `other` on image b, of a job with parameters."""
    s = seed(store)
    mimic = store.create(e.AnnotationType("Mimic", 1, s.product.id, color_code="#FF00FF"))
    plugin = store.create(e.Plugin("Nuclei", package="nuclei-detector 1.2"))
    job = store.create(e.PluginJob(plugin.id, s.image.id, parameters={"sensitivity": 0.7}))
    entries = []
    for image, n in ((s.image, count), (s.other_image, other)):
        result = store.create(e.PluginResult(image.id, job.id if image is s.image else None, plugin.id))
        entry = store.create(e.PluginResultEntry(result.id, "nuclei", default_threshold=0.5))
        scores = np.random.default_rng(7).permutation(np.linspace(0.01, 0.99, n)) if n else []
        store.bulk_create([
            e.PluginResultAnnotation(s.box.id, entry.id, image.id, box(100 + 40 * i, 200 + 30 * (i % 5)), float(sc))
            for i, sc in enumerate(scores)
        ])  # fmt: skip
        entries.append(entry)
    return Results(s, plugin, job, mimic, *entries)


@pytest.fixture
def results(tmp_path: Path):
    store = SqliteStore(tmp_path / "project.db")
    yield store, add_results(store), EditHistory(store)
    store.close()
