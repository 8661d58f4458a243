"""Renders docs/review-learning.png and docs/review-learning-gallery.png: the Review dock on the
mitosis demo (a 10,000 x 7,000 demo slide, Mitosis candidates run over it) after 60 decisions
pressed as keys by a reviewer who knows the ground truth (`j` on a mitosis, `k` on a mimic, a
`d` now and then), the model's quality shown, the queue in learnt order, then its gallery page.
Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_learning.py WORK_FOLDER OUT_FOLDER
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget

from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import ensure_demo_slides
from exact_desktop.demo.truth import mitoses_at, read_truth
from exact_desktop.model import entities as e
from exact_desktop.project.local_run import run_plugin
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow

DECISIONS = 60


def settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main(work: Path, out: Path) -> None:
    slides = ensure_demo_slides(work, size=(10_000, 7_000))
    (work / "p.db").unlink(missing_ok=True)
    store = SqliteStore(work / "p.db")
    image_set = ensure_demo_project(store, slides)
    run_plugin(store, "Mitosis candidates", image_set.id, workers=1)
    for other in store.list(e.Image)[1:]:  # the main slide alone: its ground truth is the reviewer's
        store.delete(e.Image, other.id)
    truth = read_truth(slides[0].ground_truth)
    app = QApplication.instance() or QApplication([])
    window = MainWindow(project=project_of(store), interactive_errors=False)
    window.resize(1400, 1000)
    window.show()
    window.open_image_set(image_set.id)
    settle(app, 3)
    panel = window.plugins.open_review()
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle() in ("Jobs", "Properties", "Layers"):
            dock.hide()
    review = next(d for d in window.findChildren(QDockWidget) if d.windowTitle() == "Review")
    settle(app, 2)
    right = mitoses_at(panel.session.candidates.boxes, truth)
    for i in range(DECISIONS):
        shown = panel.session.current()
        QTest.keyClick(panel, "j" if right[panel.session._row_of(shown.id)] else "k")
        if i % 3 == 2:
            QTest.keyClick(panel, "d")
        settle(app, 0.05)
    deadline = time.monotonic() + 180
    while "balanced accuracy" not in panel.model.text() and time.monotonic() < deadline:
        settle(app, 0.5)
    panel.order.setCurrentIndex(panel.order.findData("learned"))
    settle(app, 5)
    review.grab().save(str(out / "review-learning.png"))
    QTest.keyClick(panel, "g")
    settle(app, 4)
    review.grab().save(str(out / "review-learning-gallery.png"))
    print(panel.model.text())
    panel.learning.stop()
    window.close()
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
