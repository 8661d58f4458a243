"""A window on an image set of a real `exact-desktop serve` (on a thread of this process),
pulled into a mirror of its own: the server window's tests start here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exact_desktop.demo.synthetic_slide import ensure_demo_slide
from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.project.exact import ExactProject
from exact_desktop.rest.login import sign_in
from exact_desktop.server.server import RunningServer, serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.ui.main_window import MainWindow
from tests.conftest import BOXES_TIFF
from tests.store.conftest import seed


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[RunningServer, int]]:
    """The server and its image set (one slide it can show, one it cannot)."""
    store = SqliteStore(tmp_path / "served.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    running = serve_in_thread(store)
    yield running, stored_id(s.image_set)
    running.stop()
    store.close()


@pytest.fixture
def server_window(qtbot, tmp_path: Path, served) -> Iterator[Callable[..., MainWindow]]:
    """Opens the window when called (it starts describing the installed plugins at once), to
    the server or through `via` (a proxy's URL)."""
    running, image_set = served
    windows = []

    def open_window(via: str | None = None) -> MainWindow:
        connection = sign_in(via or running.url, token=running.token)
        project = ExactMirror(connection, image_set, folder=tmp_path / "mirror")
        project.sync("pull")
        window = MainWindow(interactive_errors=False, project=ExactProject(project))
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        window.open_image_set(project.image_set())
        windows.append(window)
        return window

    yield open_window
    for window in windows:
        window.close()


@pytest.fixture(scope="session")
def demo_slide(tmp_path_factory) -> tuple[Path, dict]:
    """A small generated demo slide (6,000 x 4,000 px, 0.25 µm/px) and its ground truth."""
    made = ensure_demo_slide(tmp_path_factory.mktemp("demo-slide"), "small", (6000, 4000), seed=7)
    return made.slide, json.loads(made.ground_truth.read_text(encoding="utf-8"))
