"""Python's cycle collector runs only on the GUI thread, on a timer (as pyqtgraph's
GarbageCollector does). Left automatic, a collection starts in whichever thread allocates when the
threshold is crossed: a tile reader's, say. A cycle holding a Qt object (a closed view, a panel and
its callbacks) is then destroyed there, and Qt objects with timers must be destroyed on their own
thread: "QObject::~QObject: Timers cannot be stopped from another thread", then a segfault
(seen in `bench overlay`, about one run in five, and in a tester's window)."""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000
FULL_EVERY_S = 60.0


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self.last_full = time.monotonic()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(INTERVAL_MS)

    def collect(self) -> None:
        """The generations whose counts passed their thresholds, as the automatic collector would;
        a full collection (every tracked object: a second with a million-object heap, on the GUI
        thread) at most every FULL_EVERY_S, as CPython spaces its own out by the heap's growth."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return
        now = time.monotonic()
        if counts[2] > thresholds[2] and now - self.last_full >= FULL_EVERY_S:
            self.last_full = now
            gc.collect(2)
        else:
            gc.collect(1 if counts[1] > thresholds[1] else 0)


def collect_on_gui_thread(app: QObject) -> None:
    """Once per application (its child keeps the timer): the window's and the benchmarks'."""
    if app.findChild(GuiThreadCollector) is None:
        GuiThreadCollector(app)


def collect_anywhere(app: QObject) -> None:
    """Back to Python's automatic collector (tests that share one application)."""
    collector = app.findChild(GuiThreadCollector)
    if collector is not None:
        collector.timer.stop()
        collector.setParent(None)
    gc.enable()
