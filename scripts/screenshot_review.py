"""Renders docs/review-single.png, docs/review-gallery.png and docs/review-view.png: the Review
dock over nuclei candidates on the small demo slide, as a reviewer sees it after a few keys.

The candidates are the slide's own ground-truth nuclei (boxes, scores high for tumour cells,
low for the rest), stored as a "Nuclei detector" result, so the pictures need no plugin run.
The window is 1600 x 1000; the review keys are pressed as a reviewer presses them. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_review.py DEMO_FOLDER PROJECT.db OUT_FOLDER
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.app import application
from exact_desktop.ui.main_window import MainWindow

SLIDE = "demo-small-slide.svs"
CANDIDATES = 40  # the nuclei nearest the first tumour nucleus


def main(demo: Path, project: Path, out: Path) -> int:
    slides = ensure_demo_slides(demo)
    store = SqliteStore(project)
    image_set = ensure_demo_project(store, slides)
    image = store.list(e.Image, image_set=image_set.id, name=SLIDE)[0]
    truth = next(s.ground_truth for s in slides if s.slide.name == SLIDE)
    _candidates(store, image, truth)
    app = application()
    window = MainWindow(project=project_of(store), interactive_errors=False)
    window.resize(1600, 1000)
    window.show()
    window.open_image_set(image_set.id)
    window.show_image(image.id)  # type: ignore[arg-type]
    assert window.plugins is not None
    panel = window.plugins.open_review()
    assert panel is not None
    window.view.state.set_downsample(0.5)
    dock = window.findChild(QDockWidget, "review-dock")
    assert dock is not None
    for other in window.findChildren(QDockWidget):  # the Review dock alone on the right, full height
        other.setVisible(other is dock)
    panel.zoom.setCurrentIndex(panel.zoom.findData(40.0))
    for key in "jjkj2":  # four decisions and a relabel: the counts and the pace show
        _settle(app, window)
        QTest.keyClick(panel, key)
    _shoot(app, window, dock, out / "review-single.png")
    QTest.keyClick(panel, "s")  # back to the relabelled one: the slide view shows it solid among dashed ones
    _shoot(app, window, window.view, out / "review-view.png")
    QTest.keyClick(panel, "d")
    QTest.keyClick(panel, "g")
    for tile in (2, 9):  # two marked wrong
        panel.gallery.toggle(tile)
    _shoot(app, window, dock, out / "review-gallery.png")
    window.close()
    store.close()
    return 0


def _candidates(store: SqliteStore, image: e.Image, truth: Path) -> None:
    """The ground truth's nuclei nearest its first tumour nucleus as the detector's results (once)."""
    plugin = store.list(e.Plugin, name="Nuclei detector")[0]
    if store.list(e.PluginResult, image=image.id, plugin=plugin.id):
        return
    nuclei = json.loads(truth.read_text())["nuclei"]
    first = next(n for n in nuclei if n[2] == "tumor")
    nearest = sorted(nuclei, key=lambda n: (n[0] - first[0]) ** 2 + (n[1] - first[1]) ** 2)[:CANDIDATES]
    kind = store.list(e.AnnotationType, name="Nucleus")[0]
    result = store.create(e.PluginResult(image.id, None, plugin.id))  # type: ignore[arg-type]
    entry = store.create(e.PluginResultEntry(result.id, "nuclei", default_threshold=0.5))  # type: ignore[arg-type]
    rng = np.random.default_rng(7)
    store.bulk_create([
        e.PluginResultAnnotation(
            kind.id, entry.id, image.id,  # type: ignore[arg-type]
            {"x1": x - w, "y1": y - h, "x2": x + w, "y2": y + h},  # the truth gives half axes
            float(rng.uniform(0.55, 0.99) if label == "tumor" else rng.uniform(0.05, 0.6)),
        )
        for x, y, label, w, h, _angle in nearest
    ])  # fmt: skip


def _settle(app: QApplication, window: MainWindow, seconds: float = 10.0) -> None:
    """Events handled until the slide view's frame and overlay are complete (or `seconds` pass)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        window.view.repaint()
        if window.overlay is not None and window.overlay.complete and window.view.frame_is_complete():
            return
        time.sleep(0.05)


def _shoot(app: QApplication, window: MainWindow, widget: QWidget, path: Path) -> None:
    _settle(app, window)
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(path))
    print(path)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
