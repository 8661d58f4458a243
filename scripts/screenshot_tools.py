"""Renders docs/tools-wand.png, docs/tools-brush.png and docs/screening.png: the wand half way
through a drag over a tumour region of a small generated demo slide, the brush painting onto the
region it made, and screening mode four moves into fields the view shows at 20x (the overview shows
what was screened).
Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_tools.py OUT_FOLDER
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from shapely.geometry import Polygon

from exact_desktop.demo.synthetic_slide import ensure_demo_slide
from exact_desktop.model import entities as e
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.app import application
from exact_desktop.ui.main_window import MainWindow


def main(out: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        made = ensure_demo_slide(Path(tmp), "tools", (6000, 4000), seed=7)
        tumour = Polygon(json.loads(made.ground_truth.read_text())["regions"][2]["polygon"])
        store = SqliteStore(Path(tmp) / "p.db")
        team = store.create(e.Team("lab"))
        product = store.create(e.Product("Demo", team=team.id))
        image_set = store.create(e.ImageSet("Demo", team=team.id, product_set=[product.id]))
        slide = e.Image("tools-slide.svs", image_set.id, local_path=str(made.slide), width=6000, height=4000, mpp=0.25)  # type: ignore[arg-type]
        store.create(slide)
        store.create(e.AnnotationType("Tumor region", 5, product.id, color_code="#FFD400"))  # type: ignore[arg-type]
        app = application()
        window = MainWindow(project=project_of(store), interactive_errors=False)
        window.resize(1600, 1000)
        window.show()
        window.open_image_set(image_set.id)  # type: ignore[arg-type]
        view, state = window.view, window.view.state
        state.set_downsample(2.5)
        state.center_on(tumour.centroid.x, tumour.centroid.y)

        def at(x: float, y: float) -> QPoint:
            sx, sy = state.l0_to_screen(x, y)
            return QPoint(round(sx), round(sy))

        def settle() -> None:
            for _ in range(40):
                app.processEvents()
                if view.frame_is_complete():
                    break
                QTest.qWait(100)

        settle()
        cx, cy = tumour.centroid.x, tumour.centroid.y
        QTest.keyClick(window, Qt.Key.Key_W)
        QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(cx, cy))
        for dx, dy in ((-80, 0), (-120, -60), (0, -120)):
            QTest.mouseMove(view, at(cx + dx, cy + dy))
        settle()
        window.grab().save(str(out / "tools-wand.png"))
        for dx, dy in ((100, -60), (120, 60), (0, 120)):
            QTest.mouseMove(view, at(cx + dx, cy + dy))
        QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(cx, cy + 120))
        QTest.keyClick(window, Qt.Key.Key_P)  # the brush adds to the region the wand made
        x0, y0 = cx + 150, cy - 200
        QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(x0, y0))
        for step in range(1, 8):
            QTest.mouseMove(view, at(x0 + 30 * step, y0 + 12 * step * step / 4))
        settle()
        window.grab().save(str(out / "tools-brush.png"))
        QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(x0 + 210, y0 + 147))
        QTest.keyClick(view, Qt.Key.Key_Escape)
        window.annotation.annotator.select([])  # type: ignore[union-attr]  # the screener looks, edits nothing
        window.layers_dock.raise_()
        window.annotation.screening.start(20.0)  # type: ignore[union-attr]  # Tools > Screening: field size... 20x
        for key in (Qt.Key.Key_D, Qt.Key.Key_D, Qt.Key.Key_D, Qt.Key.Key_D):
            QTest.keyClick(window, key)
        settle()
        window.grab().save(str(out / "screening.png"))
        window.close()
        store.close()
    print(out / "tools-wand.png", out / "tools-brush.png", out / "screening.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
