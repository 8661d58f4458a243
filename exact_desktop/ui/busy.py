"""A wait cursor and a status line while long work runs on the GUI thread."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QMainWindow


@contextlib.contextmanager
def busy(window: QMainWindow, message: str) -> Iterator[None]:
    """`message` in the status bar and a wait cursor, painted before the work starts: a file
    dialog just closed otherwise stays on screen over a window that looks hung (an import of
    200,000 boxes checks and writes for seconds). Input is not taken meanwhile."""
    window.statusBar().showMessage(message)
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
        window.statusBar().clearMessage()
