"""While a review is shown, its keys are the review's wherever they are pressed in the window:
over the slide view (a pan or a click there gives it the focus, and d, s, g would pick EXACT's
knife, scissors and glue, a number a drawing type, the candidate undecided) and in the dock's
own lists (a magnification list took `1` as "10x"). Not in a text field, and not while the
review's dock is behind another tab or closed: then the tools and types have their keys back."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QWidget

from exact_desktop.ui.label_keys import TYPING
from exact_desktop.ui.review_panel import ReviewPanel


class ReviewKeys(QObject):
    """One per window, watching the application's key presses; `panel` is the review shown now
    (None: none). `drawing()`: the slide view's annotator is drawing, so Enter finishes it."""

    def __init__(self, window: QWidget, drawing: Callable[[], bool]) -> None:
        super().__init__(window)
        self.window, self.drawing = window, drawing
        self.panel: ReviewPanel | None = None
        QGuiApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget) or isinstance(watched, TYPING):
            return False
        panel = self.panel
        if panel is None or panel.closed or not shiboken6.isValid(panel):
            return False
        if watched.window() not in (self.window, panel.window()) or not panel.handles(event):
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.drawing():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # the window's shortcut for the same key does not fire
        else:
            panel.command(event)  # handles() asked above
        return True
