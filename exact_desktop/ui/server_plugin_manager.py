"""Plugins -> Manage plugins in a window on a server: the server's plugin records beside the
plugins installed here, and registering these on the server.

EXACT keeps plugin records per server (Administration -> Plugins); a plugin installed here runs
the server's jobs only once the server has a record of it. Every request runs on a worker
thread, so a slow server never freezes the window; the dialog shows what came back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.plugins.registry import PluginRegistryError
from exact_desktop.plugins.server_session import CatalogueEntry, ServerPlugins
from exact_desktop.rest.connection import PluginError
from exact_desktop.store.base import StoreError

FAILURES = (PluginError, PluginRegistryError, StoreError, LookupError)


class _Bridge(QObject):
    finished = Signal(object, object)  # (what the work returned, or the error's message; what to do with it)


class ServerPluginManager(QDialog):
    changed = Signal()  # the catalogue was read again (after opening, registering or adding)

    def __init__(self, server: ServerPlugins, parent: QWidget | None = None,
                 pick_script: Callable[[], str] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.server = server
        self.setWindowTitle(f"Plugins on {server.connection.url}")
        self.resize(760, 420)
        self._pick_script = pick_script or self._ask_for_script
        self.entries: list[CatalogueEntry] = []
        self.products: dict[int, str] = {}
        self.busy = False
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._finished)
        self.listing = QListWidget()
        self.listing.currentRowChanged.connect(self._show)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.register_button = QPushButton("Register on server")
        self.register_button.setToolTip("Create or update the server's record of this plugin, in the set's product")
        self.register_button.clicked.connect(self.register_current)
        self.add_button = QPushButton("Add script\u2026")
        self.add_button.setToolTip("A plugin script of yours: kept with the mirror, registered on the server")
        self.add_button.clicked.connect(self.add)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for button in (self.register_button, self.add_button, self.refresh_button):
            buttons.addWidget(button)
        right = QVBoxLayout()
        right.addWidget(self.details, 1)
        right.addLayout(buttons)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addWidget(self.listing, 1)
        layout.addLayout(right, 1)
        self.refresh()

    # --- work off the GUI thread ---------------------------------------------------------------
    def _in_background(self, work: Callable[[], Any], then: Callable[[Any], None], doing: str) -> None:
        self.busy = True
        self._enable()
        self.message.setText(doing)

        def run() -> None:
            try:
                outcome: Any = work()
            except FAILURES as err:
                outcome = str(err)
            self._bridge.finished.emit(outcome, then)

        threading.Thread(target=run, name="server-plugins", daemon=True).start()

    def _finished(self, outcome: Any, then: Callable[[Any], None]) -> None:
        self.busy = False
        if isinstance(outcome, str):
            self.message.setText(outcome)
            self._enable()
            return
        then(outcome)

    # --- the catalogue ---------------------------------------------------------------------------
    def refresh(self, message: str = "", select: str | None = None) -> None:
        """Reads the catalogue again; `select` names the plugin to show (else the one shown)."""
        shown = self.current()
        keep = select or (shown.name if shown else None)

        def read() -> tuple[list[CatalogueEntry], dict[int, str]]:
            return self.server.catalogue(), self.server.product_names()

        self._in_background(read, lambda found: self._listed(*found, message, keep), "Reading the plugins\u2026")

    def _listed(self, entries: list[CatalogueEntry], products: dict[int, str], message: str,
                keep: str | None) -> None:  # fmt: skip
        self.entries, self.products = entries, products
        self.listing.clear()
        self.listing.addItems([f"{entry.name}  [{entry.state.split(':')[0]}]" for entry in entries])
        names = [entry.name for entry in entries]
        self.listing.setCurrentRow(names.index(keep) if keep in names else (0 if entries else -1))
        on_server = sum(entry.record is not None for entry in entries)
        here_only = len(entries) - on_server
        self.message.setText(message or f"{on_server} plugin record(s) on the server, {here_only} here only")
        self._enable()
        self.changed.emit()

    def current(self) -> CatalogueEntry | None:
        row = self.listing.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _show(self, _row: int) -> None:
        entry = self.current()
        self._enable()
        if entry is None:
            self.details.setText("")
            return
        lines = [f"<b>{entry.name}</b>", entry.state]
        if entry.record is not None:
            record = entry.record
            products = ", ".join(self.products.get(p, f"product {p}") for p in record.get("products", []))
            lines += [f"server record {record['id']}: author {record.get('author') or '-'}, "
                      f"package {record.get('package') or '-'}", f"products: {products or 'none'}"]  # fmt: skip
        if entry.here is not None:
            lines += [f"here: {entry.here.script}", f"produces: {', '.join(entry.here.produces) or '-'}"]
        self.details.setText("<br>".join(lines))

    def _enable(self) -> None:
        entry = self.current()
        self.register_button.setEnabled(not self.busy and entry is not None and entry.here is not None)
        self.add_button.setEnabled(not self.busy)
        self.refresh_button.setEnabled(not self.busy)

    # --- commands --------------------------------------------------------------------------------
    def register_current(self) -> None:
        entry = self.current()
        if entry is None or entry.here is None or self.busy:
            return
        plugin = entry.here
        self._in_background(
            lambda: self.server.register(plugin),
            lambda record: self.refresh(
                f"Registered {record['name']} on the server (record {record['id']}).", record["name"]
            ),
            f"Registering {plugin.name}\u2026",
        )

    def add(self) -> None:
        script = self._pick_script()
        if not script or self.busy:
            return
        self._in_background(
            lambda: self.server.add_script(script),
            lambda made: self.refresh(
                f"Added {made[0].name} and registered it on the server (record {made[1]['id']}).", made[0].name
            ),
            f"Describing and registering {script}\u2026",
        )

    def _ask_for_script(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Plugin script", "", "Python or executable (*)")
        return path
