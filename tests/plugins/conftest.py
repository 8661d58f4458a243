"""A project with the test plugin on three small images; a project window, as the GUI tests start."""

from __future__ import annotations

from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow
from tests.conftest import BOXES_TIFF, SMALL_SVS
from tests.store.conftest import seed

SCRIPTS = Path(__file__).parent / "scripts"
SCRIPT = str(SCRIPTS / "behaviours.py")


@pytest.fixture
def project(tmp_path):
    """(store, seed, the Behaviours plugin, a third image): three images on two real slides."""
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.update(e.Image, s.other_image.id, local_path=str(SMALL_SVS), width=16, height=16)
    third = store.create(e.Image("c.svs", image_set=s.image_set.id, local_path=str(SMALL_SVS), width=16, height=16))
    plugin = register(store, SCRIPT, s.product.id)
    yield store, s, plugin, third
    store.close()


def open_window(qtbot, store: SqliteStore, image_set: int, size: tuple[int, int] = (1200, 800)) -> MainWindow:
    window = MainWindow(project=project_of(store), interactive_errors=False)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    with qtbot.waitSignal(window.view.frameCompleted, timeout=10_000):
        window.open_image_set(image_set)
    assert window.plugins is not None
    return window
