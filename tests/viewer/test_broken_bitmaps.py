"""A result bitmap that cannot be drawn (its file gone, its location_rect not a rectangle) is named
in the Layers panel with the reason, and everything else still draws: the frame completes."""

from __future__ import annotations

import json
import sqlite3

import cv2
import numpy as np

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.model.layers import RESULTS
from exact_desktop.plugins.registry import register
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF
from tests.plugins.conftest import open_window
from tests.plugins.test_gui_end_to_end import SCRIPT
from tests.store.conftest import seed

FULL = {"x": 0, "y": 0, "w": 300, "h": 250}


def _bitmap_entry(
    store: SqliteStore, result: e.PluginResult, name: str, file: str, rect: object
) -> e.PluginResultEntry:
    entry = store.create(e.PluginResultEntry(stored_id(result), name))
    store.create(e.PluginResultBitmap(stored_id(entry), result.image, file, location_rect=FULL))
    if rect != FULL:  # what another program (or a damaged sync) left in the file
        with sqlite3.connect(store.path) as raw:
            raw.execute("UPDATE plugin_result_bitmap SET location_rect = ? WHERE pluginresultentry = ?",
                        (json.dumps(rect), entry.id))  # fmt: skip
    return entry


def test_undrawable_bitmaps_are_named_in_the_layers_panel_and_the_rest_draws(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    store.delete(e.Image, s.other_image.id)
    plugin = register(store, SCRIPT, s.product.id)
    result = store.create(e.PluginResult(stored_id(s.image), None, stored_id(plugin)))
    store.bitmap_folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(store.bitmap_folder / "good.png"), np.full((25, 30), 255, np.uint8))
    good = _bitmap_entry(store, result, "good", "good.png", FULL)
    gone = _bitmap_entry(store, result, "gone", "deleted.png", FULL)
    twisted = _bitmap_entry(store, result, "twisted", "good.png", "0,0,300,250")
    (store.bitmap_folder / "garbage.png").write_bytes(b"not a picture")
    garbage = _bitmap_entry(store, result, "garbage", "garbage.png", FULL)

    window = open_window(qtbot, store, s.image_set.id, size=(1000, 700))  # the frame completes
    layers = window.layers
    problems = {entry.name: layers.get((RESULTS, entry.id)).problem for entry in (good, gone, twisted, garbage)}
    assert problems["good"] == ""
    assert "deleted.png" in problems["gone"] and "missing" in problems["gone"]
    assert "location_rect" in problems["twisted"]
    assert "garbage.png" in problems["garbage"] and "not a picture" in problems["garbage"]
    for entry in (gone, twisted, garbage):
        box, _threshold, _opacity = window.layers_panel.controls[(RESULTS, entry.id)]
        assert "cannot be drawn" in box.text() and problems[entry.name] in box.toolTip()
    assert window.overlay.drawn_bitmaps == 1  # the good one, over the slide
    window.grab().save(str(tmp_path / "window.png"))
    window.layers_panel.grab().save(str(tmp_path / "layers.png"))

    for entry in (gone, twisted, garbage):
        layers.set((RESULTS, entry.id), visible=False)
    layers.set((RESULTS, good.id), opacity=1.0)
    window.view.repaint()
    s_x, s_y = window.view.state.l0_to_screen(150, 20)
    shown = window.view.grab().toImage().pixelColor(int(s_x), int(s_y))
    viridis_top = (253, 231, 37)  # yellow
    assert max(abs(a - b) for a, b in zip((shown.red(), shown.green(), shown.blue()), viridis_top, strict=True)) <= 2
    window.close()
