"""Renders docs/plugin-*.png: each built-in plugin's result layer on the demo slide.

The plugins run through the same job path as Plugins -> Run plugin on image set (jobs in the
project, the local queue, plugin processes talking to the embedded API); then the window shows
one plugin's layers at a time. Usage:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_plugins.py DEMO_FOLDER PROJECT.db OUT_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer

from exact_desktop.demo.project import ensure_demo_project
from exact_desktop.demo.synthetic_slide import ensure_demo_slides
from exact_desktop.model import entities as e
from exact_desktop.model.layers import RESULTS
from exact_desktop.plugins.runner import run_plugin
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
    for plugin, params, _view, _name in SHOTS:
        done = {p.plugin for p in store.list(e.PluginResult)}
        record = store.list(e.Plugin, name=plugin)[0]
        if record.id not in done:
            summary = run_plugin(store, plugin, image_set.id, params, workers=1, timeout_s=3600)
            print(plugin, [j["status"] for j in summary["jobs"]], file=sys.stderr)
    app = application()
    window = MainWindow(store=store, interactive_errors=False)
    window.resize(1600, 1000)
    window.show()
    window.open_image_set(image_set.id)
    main_image = store.list(e.Image, image_set=image_set.id, name="demo-slide.svs")[0]
    window.show_image(main_image.id)  # type: ignore[arg-type]
    queue = list(SHOTS)

    def next_shot() -> None:
        if not queue:
            app.quit()
            return
        plugin, _params, view, name = queue.pop(0)
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
