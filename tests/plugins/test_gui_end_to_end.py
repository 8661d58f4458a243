"""The whole loop as a person does it: register, run on an image set from the menu, watch the
progress bars, see the layer appear, raise the threshold, accept."""

from __future__ import annotations

from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.model.layers import RESULTS
from exact_desktop.plugins.registry import register
from exact_desktop.review.provenance import KEY
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF, SMALL_SVS
from tests.plugins.conftest import open_window
from tests.store.conftest import seed

SCRIPT = str(Path(__file__).parent / "scripts" / "behaviours.py")


def drawn_when_ready(qtbot, window, count: int) -> None:
    """The overlay's tiles are made off the GUI thread: wait for a complete frame showing `count`."""

    def shown() -> bool:
        window.view.repaint()
        return window.overlay.complete and window.overlay.drawn == count

    qtbot.waitUntil(shown, timeout=10_000)


def test_run_plugin_on_image_set_from_the_menu(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.update(e.Image, s.other_image.id, local_path=str(SMALL_SVS), width=16, height=16)
    store.create(e.Image("c.svs", image_set=s.image_set.id, local_path=str(SMALL_SVS), width=16, height=16))
    register(store, SCRIPT, s.product.id)
    window = open_window(qtbot, store, s.image_set.id)
    ui = window.plugins

    ui.run_action.trigger()  # Plugins -> Run plugin on image set...
    dialog = ui.run_dialog
    assert dialog is not None and dialog.isVisible()
    assert list(dialog.fields) == ["mode", "count"]
    dialog.fields["mode"].setCurrentText("slow")
    dialog.fields["count"].setValue(40)
    dialog.accept()

    qtbot.waitUntil(lambda: len(ui.jobs.jobs) == 3, timeout=10_000)
    seen_between: list[int] = []

    def progressed() -> bool:
        values = [ui.jobs_panel.bar(j).value() for j in ui.jobs.jobs]
        seen_between.extend(v for v in values if 0 < v < 1000)
        return all(v == 1000 for v in values)

    qtbot.waitUntil(progressed, timeout=60_000)
    assert seen_between, "no progress bar was ever seen between 0 and 100 %"
    assert all(j.status == "done" for j in ui.jobs.jobs.values())

    qtbot.waitUntil(lambda: len(ui.layers.for_image(s.image.id, RESULTS)) == 1, timeout=10_000)
    layer = ui.layers.for_image(s.image.id, RESULTS)[0]
    assert layer.key in ui.layers_panel.controls  # the layer shows in the layers panel
    assert layer.name.startswith("Behaviours · ")  # named by plugin, entry and date
    drawn_when_ready(qtbot, window, 40)  # every result drawn over the slide
    queried = ui.overlay.tiles.queried_count

    _box, threshold, _opacity = ui.layers_panel.controls[layer.key]
    threshold.setValue(50)  # score >= 0.5
    drawn_when_ready(qtbot, window, 21)  # scores are 1/40 ... 40/40: 20/40 .. 40/40 remain
    assert ui.overlay.tiles.queried_count == queried  # a threshold is applied without asking the store
    assert ui.accept(layer.entry) == 21
    accepted = store.list(e.Annotation, image=s.image.id)
    assert len(accepted) == 21 and all(a.meta_data[KEY]["plugin"] == "Behaviours" for a in accepted)
    assert len({a.unique_identifier for a in accepted}) == 21
    assert ui.accept(layer.entry) == 0  # decided already: nothing made twice
    window.annotation.undo_action.trigger()  # one edit, undone at once
    assert store.count(e.Annotation, image=s.image.id, deleted=False) == 0
    assert ui.accept(layer.entry) == 21 and store.count(e.Annotation, image=s.image.id) == 21
    ui.run_action.trigger()  # again: the form holds the last run's values (it went back to the defaults)
    again = ui.run_dialog
    assert again is not dialog and again.fields["mode"].currentText() == "slow" and again.fields["count"].value() == 40
    again.reject()
    window.close()


def test_heatmaps_are_drawn_over_the_slide_with_their_threshold(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.delete(e.Image, s.other_image.id)
    register(store, SCRIPT, s.product.id)
    window = open_window(qtbot, store, s.image_set.id, size=(1000, 700))
    ui = window.plugins
    ui.run(store.list(e.Plugin)[0], {"mode": "heatmap", "count": 1})
    qtbot.waitUntil(lambda: any(" · heat · " in layer.name for layer in ui.layers.layers), timeout=30_000)
    heat = next(layer for layer in ui.layers.layers if " · heat · " in layer.name)
    ui.layers.set(heat.key, opacity=1.0)

    def colour_at(l0_x: float, l0_y: float) -> tuple[int, int, int]:
        window.view.repaint()
        s_x, s_y = window.view.state.l0_to_screen(l0_x, l0_y)
        return tuple(window.view.grab().toImage().pixelColor(int(s_x), int(s_y)).getRgb()[:3])

    white = (255, 255, 255)  # boxes.tiff is white left and right of its boxes at y = 165
    assert colour_at(15, 165) != white and colour_at(290, 165) != white
    assert ui.overlay.drawn_bitmaps == 1
    ui.layers.set(heat.key, threshold=0.5)  # the left half of the ramp is under it: clear again
    assert colour_at(15, 165) == white and colour_at(290, 165) != white
    ui.layers.set(heat.key, visible=False)
    assert colour_at(290, 165) == white
    window.close()


def test_a_parameter_naming_a_file_has_a_file_chooser(qtbot, tmp_path, monkeypatch):
    """Run model's `model` is an ONNX file: the form has a Choose… button beside its text field,
    and the file chosen is the value run (it was a bare text field to type a path into)."""
    from PySide6.QtWidgets import QFileDialog

    from exact_desktop.plugins.builtin.run_model import DESCRIBE
    from exact_desktop.plugins.manifest import check_manifest
    from exact_desktop.ui.run_plugin_dialog import FileField, RunPluginDialog

    plugin = e.Plugin("Run model", parameter_schema=check_manifest(DESCRIBE, "run_model")["parameters"])  # as stored
    dialog = RunPluginDialog([plugin], 0)
    qtbot.addWidget(dialog)
    field = dialog.fields["model"]
    assert isinstance(field, FileField) and field.name_filter == "ONNX models (*.onnx)"
    chosen = str(tmp_path / "mitoses.onnx")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a: (chosen, "ONNX models (*.onnx)"))
    field.choose.click()
    assert dialog.values()["model"] == chosen
    dialog.show()
    dialog.grab().save(str(tmp_path / "run-model-dialog.png"))
