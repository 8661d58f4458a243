"""Sync conflicts of a server project, for a person to resolve: what changed here and there.

Both versions are on both sides already (the copy of this side's version is marked
`sync_conflict`); keeping one deletes the other, and the next push carries that out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from exact_desktop.store.base import StoreError
from exact_desktop.sync.exact_mirror import ExactMirror


class ConflictsPanel(QWidget):
    resolved = Signal(int, str)  # conflict id, what was kept

    def __init__(self, mirror: ExactMirror, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mirror = mirror
        self.summary = QLabel("")
        self.list = QListWidget()
        self.list.setWordWrap(True)
        buttons = QHBoxLayout()
        self.keep_server = QPushButton("Keep the server's")
        self.keep_local = QPushButton("Keep mine")
        self.keep_both = QPushButton("Keep both")
        for button, keep in ((self.keep_server, "server"), (self.keep_local, "local"), (self.keep_both, "both")):
            button.clicked.connect(lambda _checked=False, k=keep: self.resolve_current(k))
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        conflicts = self.mirror.conflicts()
        self.list.clear()
        for c in conflicts:
            item = QListWidgetItem(f"{c.unique_identifier[:8]}…  here: {_short(c.local_change)}  ·  "
                                   f"server: {_short(c.server_change)}")  # fmt: skip
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(f"here: {c.local_change}\nserver: {c.server_change}\nfound {c.found}")
            self.list.addItem(item)
        self.summary.setText(f"{len(conflicts)} open conflict{'s' if len(conflicts) != 1 else ''}")
        for button in (self.keep_server, self.keep_local, self.keep_both):
            button.setEnabled(bool(conflicts))
        if conflicts:
            self.list.setCurrentRow(0)

    def resolve_current(self, keep: str) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        conflict = int(item.data(Qt.ItemDataRole.UserRole))
        try:
            self.mirror.resolve_conflict(conflict, keep)
        except StoreError as err:
            self.summary.setText(str(err))
            return
        self.resolved.emit(conflict, keep)
        self.refresh()


def _short(change: str) -> str:
    return change if len(change) <= 60 else change[:57] + "…"
