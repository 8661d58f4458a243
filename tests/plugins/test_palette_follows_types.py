"""The annotation type palette follows the project's types while the window is open: a type made
by this process (the plugin manager's products, a pull of results made on a server) was no news
to the window, which read the types again only after another process's write, so it stayed out
of the palette (and its layer out of the Layers panel) until another image was shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from exact_desktop.model import entities as e
from exact_desktop.model.layers import ANNOTATIONS
from exact_desktop.plugins.registry import ensure_types
from tests.plugins.conftest import open_window

KEPT = Qt.ItemDataRole.UserRole + 1  # a mark on a palette row: gone if the palette is built again


def _rows(window) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each type row's text -> its swatch's colour."""
    types = window.annotation.palette.types
    items = [types.item(row) for row in range(types.count())]
    return {
        item.text(): QColor(item.icon().pixmap(14, 14).toImage().pixel(7, 7)).name().upper()
        for item in items
        if item.data(Qt.ItemDataRole.UserRole) is not None
    }


def test_a_type_made_here_after_the_window_opened_joins_the_palette(qtbot, project, tmp_path):
    store, s, _plugin, _third = project
    window = open_window(qtbot, store, s.image_set.id)
    assert not any("Cell" in text for text in _rows(window))
    window.annotation.palette.types.item(0).setData(KEPT, "kept")
    store.create(e.Annotation(s.box.id, s.image.id, {"x1": 5, "y1": 5, "x2": 40, "y2": 40}))
    qtbot.wait(2_500)  # two ticks of the window's check after a commit that made no type
    assert window.annotation.palette.types.item(0).data(KEPT) == "kept"  # not built again for nothing

    ensure_types(store, {"products": [{"name": "Cell", "color_code": "#2CA02C"}]}, s.product.id)  # the manager's Save
    qtbot.waitUntil(lambda: any(text.endswith("Cell  (box)") for text in _rows(window)), timeout=5_000)
    (cell,) = store.list(e.AnnotationType, name="Cell")
    assert window.layers.get((ANNOTATIONS, cell.id)).colour == "#2CA02C"  # its layer too
    store.update(e.AnnotationType, cell.id, color_code="#D62728")  # and it follows a change of colour
    qtbot.waitUntil(lambda: "#D62728" in _rows(window).values(), timeout=5_000)
    assert window.layers.get((ANNOTATIONS, cell.id)).colour == "#D62728"
    window.grab().save(str(tmp_path / "palette.png"))  # looked at: Cell in the palette, its red swatch
    window.close()
