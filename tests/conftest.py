"""Shared fixtures: real slides from ../shared, Qt offscreen, an isolated data folder."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROJECT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT.parent / "shared" / "fixtures" / "openslide"
SMALL_SVS = FIXTURES / "small.svs"
BOXES_TIFF = FIXTURES / "boxes.tiff"
UNOPENABLE_TIFF = FIXTURES / "unopenable.tiff"
UNREADABLE_SVS = FIXTURES / "unreadable.svs"


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own EXACT_DESKTOP_HOME, so nothing leaks into the user's data."""
    home = tmp_path / "home"
    monkeypatch.setenv("EXACT_DESKTOP_HOME", str(home))
    return home


@pytest.fixture
def collector_on():
    """Python's cycle collector on for the test (as it is in the app), as it was after."""
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


@pytest.fixture(scope="session")
def mitosis_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a project file, the main slide's ground truth): a small demo image set with rare mitoses
    and many mimics, the Mitosis candidates plugin run over it. Copy the project to change it."""
    from exact_desktop.demo.project import ensure_demo_project
    from exact_desktop.demo.synthetic_slide import ensure_demo_slides
    from exact_desktop.project.local_run import run_plugin
    from exact_desktop.store.sqlite.store import SqliteStore

    folder = tmp_path_factory.mktemp("mitosis")
    slides = ensure_demo_slides(folder, size=(10_000, 7_000))
    store = SqliteStore(folder / "p.db")
    image_set = ensure_demo_project(store, slides)
    summary = run_plugin(store, "Mitosis candidates", image_set.id, workers=2)
    assert summary["errors"] == []
    store.close()
    return folder / "p.db", slides[0].ground_truth
