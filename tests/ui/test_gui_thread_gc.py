"""Cycles are collected on the GUI thread only: a Qt object in a cycle collected on a tile
reader's thread is destroyed there, and Qt aborts or crashes (seen in bench overlay)."""

from __future__ import annotations

import gc
import threading
import weakref

from exact_desktop.ui.app import application
from exact_desktop.ui.gui_thread_gc import collect_anywhere, collect_on_gui_thread


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cycle collector frees it


def test_a_cycle_is_collected_on_the_gui_thread_even_when_another_thread_allocates(qtbot):
    app = application()
    collect_on_gui_thread(app)  # as the window (run_gui) and the overlay benchmark do
    try:
        collected(qtbot)
    finally:
        collect_anywhere(app)
    assert gc.isenabled()


def collected(qtbot) -> None:
    collected_on: list[str] = []
    node = Node()
    weakref.finalize(node, lambda: collected_on.append(threading.current_thread().name))
    del node

    kept: list[list[int]] = []

    def allocate() -> None:  # what crosses the collector's threshold in a reader thread (tiles kept)
        kept.extend([i] for i in range(200_000))

    reader = threading.Thread(target=allocate, name="reader")
    reader.start()
    reader.join()
    assert collected_on == []  # not on the reader's thread
    qtbot.waitUntil(lambda: bool(collected_on), timeout=5_000)
    assert collected_on == [threading.main_thread().name]
    assert not gc.isenabled()
