"""F1: every key of the annotator, in EXACT's words where EXACT has the key."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.ui.review_panel import HELP as REVIEW_HELP

KEYS: tuple[tuple[str, str], ...] = (
    ("c", "Toggle annotation mode (draw \u2194 select)"),
    ("1-9, 0", "Draw with that annotation type; with a selection: change its type"),
    ("Shift+1-4, Shift+0", "Set or take off the image label (global type) with that number (0: the tenth)"),
    ("Click / drag", "Draw: box and circle by dragging, point and fixed-size box by a click"),
    ("Clicks, Double-click or Enter", "Line, multi-line, polygon: place vertices, then finish"),
    ("Click the first vertex", "Close the polygon being drawn"),
    ("Ctrl+Z or Backspace while drawing", "Remove the last vertex"),
    ("Escape", "Cancel drawing / deselect"),
    ("Click, Shift+click", "Select mode: select an annotation, add or remove one"),
    ("Shift+drag", "Select every annotation inside a rectangle"),
    ("Drag a selected annotation", "Move the selection"),
    ("Drag a handle", "Resize a box, move a vertex"),
    ("Double-click an edge", "Insert a vertex in the selected polygon or multi-line"),
    ("Ctrl+click a vertex", "Delete that vertex"),
    ("s", "Scissor: cut a drawn area out of the selected polygon (drag, or clicks and Enter)"),
    ("g", "Glue: add a drawn area to the selected polygon"),
    ("d", "Knife: split the selected polygon along a drawn line"),
    ("p", "Brush: paint onto the selected polygon, or a new one of the active polygon type"),
    ("Alt+paint", "Brush: erase"),
    ("Shift+wheel", "Brush size (kept on screen as you zoom)"),
    ("w", "Wand: press and drag over a region to outline it (Alt+drag subtracts)"),
    ("o", "Outline from a box: drag a box around a nucleus or a region"),
    ("^", "Screening: start, or continue where you left off"),
    ("a, d, w, s (screening)", "Mark the field screened and move left, right, up, down"),
    ("j, l, i, k (screening)", "Move to the next field without marking"),
    ("Del, x", "Delete the selected annotations"),
    ("Ctrl+Z", "Undo (every edit, across tools and images)"),
    ("Ctrl+Shift+Z, Ctrl+Y", "Redo"),
    ("y", "Show or hide all layers"),
    ("b", "Draw the active annotation type under the other layers"),
    ("q, e", "Previous, next image"),
    ("Ctrl+F", "Find an image of the set by name"),
    ("Mouse wheel, +, -", "Zoom"),
    ("Drag on empty slide, middle button, arrow keys", "Pan (Shift+arrow: farther)"),
    ("h, Home", "Fit the slide in the window (f is EXACT's flip)"),
    ("r", "Rotate the view a quarter turn clockwise (annotations stay where they are on the slide)"),
    ("f", "Flip the view left to right (annotations stay where they are on the slide)"),
    ("Ctrl+O", "Open slides"),
    ("F1", "This list"),
    *REVIEW_HELP,
)


class HelpDialog(QDialog):
    """Sized to its text as far as the screen allows; past that the texts wrap and the list scrolls."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys - exact-desktop")
        self.table = QTableWidget(len(KEYS), 2)
        self.table.setHorizontalHeaderLabels(["Key", "Does"])
        for row, (key, does) in enumerate(KEYS):
            self.table.setItem(row, 0, QTableWidgetItem(key))
            self.table.setItem(row, 1, QTableWidgetItem(does))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)  # a text too long wraps, never ends in "..."
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(self._rows_to_text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self._fit_text()

    def _rows_to_text(self, *_: object) -> None:
        """Each row as tall as its text needs at the column's width now (after the layout settled)."""
        QTimer.singleShot(0, self.table.resizeRowsToContents)

    def _fit_text(self) -> None:
        """As wide as the longest text (within the screen); the height follows once shown."""
        table, metrics = self.table, self.table.fontMetrics()
        table.resizeColumnToContents(0)
        padding = 4 * metrics.horizontalAdvance("M")  # cell margins and the grid
        does = max(metrics.horizontalAdvance(text) for _, text in KEYS) + padding
        scroll = table.verticalScrollBar().sizeHint().width()
        margins = self.layout().contentsMargins()
        width = table.columnWidth(0) + does + scroll + 2 * table.frameWidth() + margins.left() + margins.right()
        self.resize(min(width, int(self.screen().availableGeometry().width() * 0.9)), 480)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        QTimer.singleShot(0, self._fit_height)

    def _fit_height(self) -> None:
        """Every row at the height its text needs at the width it has, then the dialog as tall as
        they are (within the screen: past that the list scrolls)."""
        table = self.table
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        needed = table.horizontalHeader().height() + rows + 2 * table.frameWidth()
        height = self.height() - table.height() + needed
        room = self.screen().availableGeometry()
        self.resize(self.width(), min(height, int(room.height() * 0.85)))
        # grown after it was placed: centred again over the window, and kept on the screen
        frame = self.frameGeometry()
        frame.moveCenter(self.parentWidget().geometry().center() if self.parentWidget() else room.center())
        x = max(room.left(), min(frame.left(), room.right() - frame.width()))
        y = max(room.top(), min(frame.top(), room.bottom() - frame.height()))
        self.move(x, y)
