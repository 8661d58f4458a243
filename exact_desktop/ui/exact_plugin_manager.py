"""Plugins -> Manage plugins in a window on a server: the server's plugin records beside the
plugins installed here, and registering these on the server.

EXACT keeps plugin records per server (Administration -> Plugins); a plugin installed here runs
the server's jobs only once the server has a record of it. Every request runs on a worker
thread, so a slow server never freezes the window: the dialog is up at once, busy, and lists
each answer as it arrives (the plugins here, described once per run, and the server's records).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model.entities import Plugin
from exact_desktop.plugins.exact_catalogue import CatalogueEntry, catalogue
from exact_desktop.plugins.registry import PluginRegistryError
from exact_desktop.project.exact_plugins import ExactPlugins
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.store.base import StoreError
from exact_desktop.ui.background import in_background

FAILURES = (ExactApiError, PluginRegistryError, StoreError, LookupError)


class ExactPluginManager(QDialog):
    changed = Signal()  # the catalogue was read again (after opening, registering or adding)

    def __init__(self, server: ExactPlugins, parent: QWidget | None = None,
                 pick_script: Callable[[], str] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.server = server
        self.setWindowTitle(f"Plugins on {server.connection.url}")
        self.resize(760, 420)
        self._pick_script = pick_script or self._ask_for_script
        self.entries: list[CatalogueEntry] = []
        self.products: dict[int, str] = {}
        self._records: dict[str, dict[str, Any]] | None = None  # None: not read yet
        self._here: list[Plugin] | None = None
        self._doing: list[str] = []  # what the worker threads are reading or doing, as said
        self._failed = ""  # what went wrong in the work just done, said once it is all done
        self._said = ""  # else this
        self.listing = QListWidget()
        self.listing.currentRowChanged.connect(self._show)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # no figure to give: it moves while the answers are awaited
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
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
        right.addWidget(self.busy_bar)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addWidget(self.listing, 1)
        layout.addLayout(right, 1)
        self.refresh()

    # --- work off the GUI thread ---------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._doing)

    def _in_background(self, work: Callable[[], Any], then: Callable[[Any], None], doing: str) -> None:
        self._doing.append(doing)
        self._enable()
        in_background(self, work, lambda outcome: self._finished(outcome, doing, then), FAILURES, "server-plugins")

    def _finished(self, outcome: Any, doing: str, then: Callable[[Any], None]) -> None:
        self._doing.remove(doing)
        if isinstance(outcome, str):
            self._failed = outcome
            self._enable()
            return
        then(outcome)
        self._enable()

    # --- the catalogue ---------------------------------------------------------------------------
    def refresh(self, message: str = "", select: str | None = None) -> None:
        """Reads the catalogue again, each half as it comes: the plugins here and the server's
        records. `select` names the plugin to show (else the one shown); `message` is said once
        both are in."""
        shown = self.current()
        keep = select or (shown.name if shown else None)
        self._failed = ""

        def got_here(found: list[Plugin]) -> None:
            self._here = found
            self._listed(message, keep)

        def records() -> tuple[dict[str, dict[str, Any]], dict[int, str]]:
            return self.server.records(), self.server.product_names()  # the names its products are shown by

        def got_records(found: tuple[dict[str, dict[str, Any]], dict[int, str]]) -> None:
            self._records, self.products = found
            self._listed(message, keep)

        self._in_background(self.server.plugins, got_here, "describing the plugins here")
        self._in_background(records, got_records, f"reading the plugin records of {self.server.connection.url}")

    def _listed(self, message: str, keep: str | None) -> None:
        self.entries = catalogue(self._records, self._here)
        self.listing.clear()
        self.listing.addItems([f"{entry.name}  [{entry.state.split(':')[0].split(';')[0]}]" for entry in self.entries])
        names = [entry.name for entry in self.entries]
        self.listing.setCurrentRow(names.index(keep) if keep in names else (0 if self.entries else -1))
        if not self._doing:  # this answer was the last one awaited
            on_server = sum(entry.record is not None for entry in self.entries)
            here_only = len(self.entries) - on_server
            self._said = message or f"{on_server} plugin record(s) on the server, {here_only} here only"
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
        """Buttons, busy bar and message as the work in flight has them."""
        entry = self.current()
        self.register_button.setEnabled(not self.busy and entry is not None and entry.here is not None)
        self.add_button.setEnabled(not self.busy)
        self.refresh_button.setEnabled(not self.busy)
        self.busy_bar.setVisible(self.busy)
        if self.busy:
            doing = " and ".join(self._doing)
            self.message.setText(f"{doing[:1].upper()}{doing[1:]}\u2026")
        else:
            self.message.setText(self._failed or self._said)

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
            f"registering {plugin.name} on the server",
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
            f"describing {script} and registering it on the server",
        )

    def _ask_for_script(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Plugin script", "", "Python or executable (*)")
        return path
