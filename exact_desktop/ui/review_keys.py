"""While a review is open, its keys pressed over the slide view are the review's: a pan or a
click on the slide gives the view the focus, and j, k, d, s, g, Space and the numbers would
otherwise pick a tool (EXACT's d, s, g: knife, scissors, glue) or a drawing type, the candidate
undecided. The Tools menu still lends the edit tools; other docks keep their own keys."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from exact_desktop.ui.review_panel import ReviewPanel


class ReviewKeysOverSlide(QObject):
    """An event filter on the slide view, owned by the panel (it goes with the review's dock).
    `drawing()`: the view's annotator is drawing, so Enter finishes the drawing there."""

    def __init__(self, view: QWidget, panel: ReviewPanel, drawing: Callable[[], bool]) -> None:
        super().__init__(panel)
        self.panel, self.drawing = panel, drawing
        view.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or not isinstance(event, QKeyEvent):
            return False
        key = event
        if not self.panel.isVisible() or not self.panel.handles(key):
            return False
        if key.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.drawing():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            key.accept()  # the window's shortcut for the same key does not fire
        else:
            self.panel.keyPressEvent(key)
        return True
