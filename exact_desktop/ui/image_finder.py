"""Ctrl+F (EXACT's key): find an image of the set by name. A line above the image list filters
it as one types (every word must appear, in any case); Enter shows the first image left and
then clears and hides the line (the whole set listed again, the match selected in it), so no
filter stays on unseen; Escape clears and hides the line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDockWidget, QLineEdit, QListWidget, QVBoxLayout, QWidget


class ImageFinder(QLineEdit):
    def __init__(self, images: QListWidget, dock: QDockWidget) -> None:
        super().__init__()
        self.images = images
        self.setPlaceholderText("Find an image by name (Enter shows the first)")
        self.setClearButtonEnabled(True)
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self)
        layout.addWidget(images)
        dock.setWidget(holder)
        self.hide()
        self.textChanged.connect(self._filter)
        self.returnPressed.connect(self.show_first)

    def start(self) -> None:
        self.show()
        self.setFocus()
        self.selectAll()

    def matches(self) -> list[int]:
        """Rows of the images whose names hold every word typed."""
        words = self.text().lower().split()
        return [r for r in range(self.images.count()) if all(w in self.images.item(r).text().lower() for w in words)]

    def _filter(self) -> None:
        shown = set(self.matches())
        for row in range(self.images.count()):
            self.images.item(row).setHidden(row not in shown)

    def show_first(self) -> None:
        found = self.matches()
        if found:
            self.images.setCurrentRow(found[0])
            self._close()

    def _close(self) -> None:
        self.clear()
        self.hide()
        self.images.scrollToItem(self.images.currentItem())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self._close()
            return
        super().keyPressEvent(event)
