"""Renders docs/plugin-*.png: each built-in plugin run from the GUI on the demo image set, and its
result layer on the demo slide.

For each plugin: Plugins -> Run plugin on image set, the plugin picked and its parameters set in
the dialog, OK; the Jobs dock follows the jobs until both images are done; then the window shows
that plugin's layers alone and is saved. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_plugins.py DEMO_FOLDER PROJECT.db OUT_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.model.layers import RESULTS
from exact_desktop.project.opening import project_of
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.app import application
from exact_desktop.ui.main_window import MainWindow

# plugin, its parameters, the view (centre x, y, downsample) of the demo slide, the file
SHOTS = [
    ("Nuclei detector", {}, (34_600, 20_300, 1.0), "plugin-nuclei.png"),
    ("Segmentation", {}, (34_700, 20_300, 0.5), "plugin-segmentation.png"),
    ("Annotation map", {"types": "Nucleus", "source": "results"}, None, "plugin-annotation-map.png"),
    ("Cluster cells", {"types": "Nucleus", "source": "results", "k": 2}, (34_400, 20_300, 2.0), "plugin-clusters.png"),
    ("Patch classifier", {}, None, "plugin-patch-classifier.png"),
]


def main(demo: Path, project: Path, out: Path) -> int:
    slides = ensure_demo_slides(demo)
    store = SqliteStore(project)
    image_set = ensure_demo_project(store, slides)
    app = application()
    window = MainWindow(project=project_of(store), interactive_errors=False)
    window.resize(1600, 1000)
    window.show()
    window.open_image_set(image_set.id)
    main_image = store.list(e.Image, image_set=image_set.id, name="demo-slide.svs")[0]
    window.show_image(main_image.id)  # type: ignore[arg-type]
    queue = list(SHOTS)
    ui = window.plugins
    assert ui is not None

    def next_shot() -> None:
        if not queue:
            app.quit()
            return
        plugin, params, _view, _name = queue[0]
        dialog = ui.show_run_dialog()  # Plugins -> Run plugin on image set...
        assert dialog is not None
        dialog.plugin_box.setCurrentText(plugin)
        for key, value in params.items():
            field = dialog.fields[key]
            if isinstance(field, QComboBox):
                field.setCurrentText(str(value))
            elif isinstance(field, QSpinBox | QDoubleSpinBox):
                field.setValue(value)
            else:
                field.setText(str(value))  # type: ignore[attr-defined]
        dialog.accept()
        QTimer.singleShot(1000, wait_for_jobs)

    def wait_for_jobs() -> None:
        record = store.list(e.Plugin, name=queue[0][0])[0]
        jobs = store.list(e.PluginJob, plugin=record.id)
        shown = [la for la in window.layers.for_image(main_image.id, RESULTS) if la.name.startswith(record.name)]  # type: ignore[arg-type]
        if len(jobs) < 2 or any(j.status in ("pending", "running") for j in jobs) or not shown:
            QTimer.singleShot(1000, wait_for_jobs)  # the poller brings the result layers once the jobs end
            return
        print(record.name, [j.status for j in jobs], file=sys.stderr)
        show(*queue.pop(0))

    def show(plugin: str, _params: object, view: tuple[float, float, float] | None, name: str) -> None:
        record = store.list(e.Plugin, name=plugin)[0]
        layers = window.layers.for_image(main_image.id)  # type: ignore[arg-type]
        for layer in layers:
            window.layers.set(layer.key, visible=layer.kind == RESULTS and layer.name.startswith(record.name))
        if view is None:
            window.view.fit()
        else:
            window.view.state.set_downsample(view[2])
            window.view.state.center_on(view[0], view[1])
        QTimer.singleShot(300, lambda: shoot(out / name))

    def shoot(path: Path) -> None:
        window.view.repaint()
        if not (window.overlay and window.overlay.complete and window.view.frame_is_complete()):
            QTimer.singleShot(200, lambda: shoot(path))
            return
        window.grab().save(str(path))
        print(path)
        next_shot()

    QTimer.singleShot(500, next_shot)
    app.exec()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
