"""A project with the test plugin on three small images; a project window, as the GUI tests start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import register
from exact_desktop.project.opening import project_of
from exact_desktop.project.process_mark import ProcessMark
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.trial_book import TrialBook
from exact_desktop.ui.main_window import MainWindow
from tests.conftest import BOXES_TIFF, PROJECT, SMALL_SVS
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


_MARK = "import json, dataclasses; from exact_desktop.project.process_mark import ProcessMark; " \
        "print(json.dumps(dataclasses.asdict(ProcessMark.here())))"  # fmt: skip


def ended_mark() -> ProcessMark:
    """The mark of a process that has ended (as one a `kill -9` ended)."""
    ended = subprocess.run([sys.executable, "-c", _MARK], cwd=PROJECT, capture_output=True, text=True, check=True)
    return ProcessMark(**json.loads(ended.stdout))


def plant_test(store, image: int, product: int, mark: ProcessMark) -> e.Plugin:
    """A test's record as `plugin test` makes it, by the process `mark`, its job running with a result."""
    made = e.AnnotationType(f"Spot of {mark.pid}", 1, product)
    plugin = TrialBook(store).begin(e.Plugin(f"Spots (test {mark.pid:06x})", products=[product], produces=[made.name]),
                                    [made], mark.host, mark.pid, mark.started)  # fmt: skip
    job = store.create(e.PluginJob(plugin.id, image, status="running", attached_worker=f"local-{mark.pid}-1-1"))
    result = store.create(e.PluginResult(image, job.id, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "spots"))
    kind = store.list(e.AnnotationType, name=made.name)[0].id
    store.create(e.PluginResultAnnotation(kind, entry.id, image, {"x1": 1, "y1": 1, "x2": 5, "y2": 5}))
    return plugin
