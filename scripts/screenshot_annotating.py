"""Renders docs/annotate.png: the demo's small slide with nucleus boxes, a selected polygon with
its handles and a polygon being drawn. Usage (after `exact-desktop demo --no-gui`):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_annotating.py PROJECT.db GROUND_TRUTH.json OUT.png
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from exact_desktop.annotating.annotator import SELECT
from exact_desktop.model import shapes
from exact_desktop.model.entities import Annotation, AnnotationType, Image
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.app import application
from exact_desktop.ui.main_window import MainWindow

CENTRE, DOWNSAMPLE = (12_640.0, 5_420.0), 1.3


def main(project: Path, truth_file: Path, out: Path) -> int:
    truth = json.loads(truth_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project.db"
        shutil.copy(project, copy)
        store = SqliteStore(copy)
        image = next(i for i in store.list(Image) if i.name == "demo-small-slide.svs")
        types = {t.name: t for t in store.list(AnnotationType)}
        app = application()
        window = MainWindow(project=project_of(store), interactive_errors=False)
        window.resize(1600, 1000)
        window.show()
        window.open_image_set(image.image_set)
        window.show_image(image.id)  # type: ignore[arg-type]
        history = window.annotation.history  # type: ignore[union-attr]
        near = [(x, y) for x, y, *_ in truth["nuclei"] if abs(x - CENTRE[0]) < 500 and abs(y - CENTRE[1]) < 300]
        history.create([Annotation(types["Nucleus"].id, image.id, shapes.box_vector(x - 27, y - 27, x + 27, y + 27))  # type: ignore[arg-type]
                        for x, y in near[:-6]], "Nuclei")  # fmt: skip
        ring = [(CENTRE[0] - 330, CENTRE[1] + 60), (CENTRE[0] - 180, CENTRE[1] - 40), (CENTRE[0] - 60, CENTRE[1] + 120),
                (CENTRE[0] - 150, CENTRE[1] + 230), (CENTRE[0] - 300, CENTRE[1] + 200)]  # fmt: skip
        (region,) = history.create([Annotation(types["Tumor region"].id, image.id, shapes.vector_of(ring))], "Region")  # type: ignore[arg-type]
        annotator = window.annotation.annotator  # type: ignore[union-attr]
        annotator.toggle_mode()
        assert annotator.mode == SELECT
        annotator.select([region])
        window.annotation.docks[1].raise_()  # type: ignore[union-attr]  # the annotation list
        window.view.state.set_downsample(DOWNSAMPLE)
        window.view.state.center_on(*CENTRE)

        def shoot() -> None:
            window.view.repaint()
            if not (window.overlay and window.overlay.complete and window.view.frame_is_complete()):
                QTimer.singleShot(200, shoot)
                return
            window.grab().save(str(out))
            app.quit()

        QTimer.singleShot(500, shoot)
        app.exec()
        window.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
