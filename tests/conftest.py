"""Shared fixtures: real slides from ../shared, Qt offscreen, an isolated data folder."""

from __future__ import annotations

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
