"""A result layer's swatch is its type's colour, as the type appears: a window open before a
`plugin test` made its type (and its entry before any result) showed the test's layer in another
colour than its boxes, for as long as it stayed open."""

from __future__ import annotations

from PySide6.QtGui import QColor

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.model.layers import RESULTS
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF
from tests.plugins.conftest import open_window
from tests.store.conftest import seed

BOX = {"x1": 20, "y1": 150, "x2": 120, "y2": 230}


def _swatch_colour(window, key) -> str:  # type: ignore[no-untyped-def]
    """The colour painted left of the layer's name in the Layers panel."""
    grid = window.layers_panel.grid
    row, _column, _rows, _columns = grid.getItemPosition(grid.indexOf(window.layers_panel.controls[key][0]))
    return QColor(grid.itemAtPosition(row, 0).widget().pixmap().toImage().pixel(6, 6)).name().upper()


def test_a_result_layers_swatch_follows_its_type_as_it_appears(qtbot, tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    store.update(e.Image, s.image.id, local_path=str(BOXES_TIFF), width=300, height=250)
    window = open_window(qtbot, store, s.image_set.id)
    ui = window.plugins

    plugin = store.create(e.Plugin("Dots (test 1a2b3c)", products=[s.product.id]))
    result = store.create(e.PluginResult(s.image.id, None, stored_id(plugin)))
    entry = stored_id(store.create(e.PluginResultEntry(stored_id(result), "results")))
    ui.image_shown()  # a poll between the test's entry and its first result
    assert ui.layers.get((RESULTS, entry)).colour == "#FFFF00"  # nothing written yet
    dot = store.create(e.AnnotationType("Dot", 1, s.product.id, color_code="#1F77B4"))
    store.create(e.PluginResultAnnotation(stored_id(dot), entry, s.image.id, BOX))
    ui.image_shown()
    assert ui.layers.get((RESULTS, entry)).colour == "#1F77B4"
    assert _swatch_colour(window, (RESULTS, entry)) == "#1F77B4"

    store.delete(e.Plugin, stored_id(plugin))  # the test ends: its records go, and their ids are free again
    ui.image_shown()
    plugin = store.create(e.Plugin("Spots (test 4d5e6f)", products=[s.product.id]))
    result = store.create(e.PluginResult(s.image.id, None, stored_id(plugin)))
    assert stored_id(store.create(e.PluginResultEntry(stored_id(result), "results"))) == entry  # the next test's
    spot = store.create(e.AnnotationType("Spot", 1, s.product.id, color_code="#FF7F0E"))
    store.create(e.PluginResultAnnotation(stored_id(spot), entry, s.image.id, BOX))
    ui.image_shown()
    assert ui.layers.get((RESULTS, entry)).colour == "#FF7F0E"
    assert _swatch_colour(window, (RESULTS, entry)) == "#FF7F0E"
    ui.overlay.refresh()
    qtbot.wait(300)  # laid out and drawn
    window.grab().save(str(tmp_path / "window.png"))  # looked at: the swatch and the box in one colour
    window.close()
