"""A heatmap in the window: where it is zero the slide shows through, at full opacity and at
threshold 0 too (issue 26: the annotation map painted the glass in its darkest colour)."""

from __future__ import annotations

import cv2
import numpy as np

from exact_desktop.model import entities as e
from exact_desktop.model.layers import RESULTS
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF
from tests.plugins.conftest import open_window
from tests.store.conftest import seed

WHITE = (255, 255, 255)  # boxes.tiff is white left and right of its boxes at y = 165


def test_zero_density_leaves_the_slide_visible_at_full_opacity(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    plugin = store.create(e.Plugin("Annotation map"))
    result = store.create(e.PluginResult(s.image.id, None, plugin.id))
    entry = store.create(e.PluginResultEntry(result.id, "density"))
    density = np.zeros((10, 10), np.uint8)
    density[:, 5:] = 200  # nothing in the left half, objects in the right
    store.bitmap_folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(store.bitmap_folder / "density.png"), density)
    store.create(e.PluginResultBitmap(entry.id, s.image.id, "density.png", "density", channels=1,
                                      location_rect={"x": 0, "y": 0, "w": 300, "h": 250}))  # fmt: skip
    window = open_window(qtbot, store, s.image_set.id, size=(1000, 700))
    window.plugins.image_shown()
    layer = window.layers.get((RESULTS, entry.id))
    assert layer is not None and layer.threshold == 0.0
    _box, _threshold, opacity = window.layers_panel.controls[layer.key]
    opacity.setValue(opacity.maximum())  # the person drags the opacity all the way up
    assert window.layers.get(layer.key).opacity == 1.0

    def colour_at(l0_x: float, l0_y: float) -> tuple[int, int, int]:
        window.view.repaint()
        s_x, s_y = window.view.state.l0_to_screen(l0_x, l0_y)
        return tuple(window.view.grab().toImage().pixelColor(int(s_x), int(s_y)).getRgb()[:3])

    assert colour_at(290, 165) != WHITE and window.overlay.drawn_bitmaps == 1
    assert colour_at(15, 165) == WHITE
    window.view.grab().save(str(tmp_path / "heatmap-full-opacity.png"))
