"""A project window on a seeded image set, the way the plugin GUI tests start."""

from __future__ import annotations

from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.ui.main_window import MainWindow


def open_window(qtbot, store: SqliteStore, image_set: int, size: tuple[int, int] = (1200, 800)) -> MainWindow:
    window = MainWindow(store=store, interactive_errors=False)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    with qtbot.waitSignal(window.view.frameCompleted, timeout=10_000):
        window.open_image_set(image_set)
    assert window.plugins is not None
    return window
