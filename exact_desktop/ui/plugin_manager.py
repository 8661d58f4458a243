"""Plugins -> Manage plugins (EXACT's Administration -> Plugins): the project's plugin records."""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.registry import PluginRegistryError, ensure_types, produced_types, register
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.processing import PLUGINS
from exact_desktop.store.base import Store, StoreError

QUEUES = ("local", "celery")


class PluginManager(QDialog):
    testRequested = Signal(int)  # plugin id: run it on the image shown

    def __init__(self, store: Store, product: int, parent: QWidget | None = None,
                 pick_script: Callable[[], str] | None = None,
                 listed: Callable[[], list[e.Plugin]] | None = None) -> None:  # fmt: skip
        """`listed`: the project's plugins as the window's session has them (not a plugin test's
        record, there while it runs in another process); all the store's records by default."""
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(760, 460)
        self.store, self.product = store, product
        self._listed = listed or (lambda: self.store.list(e.Plugin))
        self._pick_script = pick_script or self._ask_for_script
        self.listing = QListWidget()
        self.listing.currentRowChanged.connect(self._show)
        self.name = QLineEdit()
        self.script = QLabel("")
        self.queue = QComboBox()
        self.queue.addItems(QUEUES)
        self.products = QLineEdit()
        self.products.setToolTip("annotation type names, separated by commas; missing ones are made in the product")
        self.parameters = QPlainTextEdit()
        self.parameters.setToolTip("the parameter schema as JSON: name, type, default, min/max or choices, help")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        form = QFormLayout()
        for label, widget in (("Name", self.name), ("Script", self.script), ("Queue", self.queue),
                              ("Produces", self.products), ("Parameters", self.parameters)):  # fmt: skip
            form.addRow(label, widget)
        buttons = QHBoxLayout()
        self.add_button, self.save_button = QPushButton("Add\u2026"), QPushButton("Save")
        self.server_button = QPushButton("Server\u2026")
        self.server_button.setToolTip("Also list the plugin records of an EXACT server (read only)")
        self.server_button.clicked.connect(self._ask_for_server)
        self.server_plugins: list[dict[str, object]] = []
        self.remove_button, self.test_button = QPushButton("Remove"), QPushButton("Test on this image")
        for button, slot in ((self.add_button, self.add), (self.save_button, self.save),
                             (self.remove_button, self.remove), (self.test_button, self._test)):  # fmt: skip
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addWidget(self.server_button)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(buttons)
        right.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addWidget(self.listing, 1)
        layout.addLayout(right, 2)
        self.reload()

    def plugins(self) -> list[e.Plugin]:
        return self._listed()

    def current(self) -> e.Plugin | None:
        row = self.listing.currentRow()
        plugins = self.plugins()
        return plugins[row] if 0 <= row < len(plugins) else None

    def reload(self, select: int | None = None) -> None:
        plugins = self.plugins()
        self.listing.clear()
        self.listing.addItems([f"{p.name}  [{p.queue}]" for p in plugins])
        self.listing.addItems([f"{p['name']}  [server]" for p in self.server_plugins])
        ids = [p.id for p in plugins]
        self.listing.setCurrentRow(ids.index(select) if select in ids else (0 if plugins else -1))

    def connect_server(self, url: str, token: str) -> bool:
        """Show the server's plugin records too (the token is kept in memory only)."""
        try:
            self.server_plugins = Connection(url, token).pages(PLUGINS)
        except ExactApiError as err:
            self.message.setText(f"Server: {err}")
            return False
        self.message.setText(f"{len(self.server_plugins)} plugin record(s) on {url}")
        self.reload()
        return True

    def _ask_for_server(self) -> None:
        url, ok = QInputDialog.getText(self, "EXACT server", "Address (https://...)")
        if not ok or not url:
            return
        token, ok = QInputDialog.getText(self, "EXACT server", "Access token", QLineEdit.EchoMode.Password)
        if ok:
            self.connect_server(url, token)

    def _show(self, row: int) -> None:
        plugin = self.current()
        for widget in (self.save_button, self.remove_button, self.test_button):
            widget.setEnabled(plugin is not None)
        if plugin is None:
            server_row = row - len(self.plugins())
            if 0 <= server_row < len(self.server_plugins):
                record = self.server_plugins[server_row]
                self.name.setText(str(record["name"]))
                self.script.setText(
                    f"on the server: package {record.get('package') or '-'}, author {record.get('author') or '-'}"
                )
                self.products.setText(", ".join(str(p) for p in record.get("products", [])))  # type: ignore[union-attr]
                self.parameters.setPlainText("")
            return
        self.name.setText(plugin.name)
        self.script.setText(plugin.script)
        self.queue.setCurrentText(plugin.queue)
        self.products.setText(self.products_text(plugin))
        self.parameters.setPlainText(json.dumps(plugin.parameter_schema, indent=1))

    def add(self) -> e.Plugin | None:
        script = self._pick_script()
        if not script:
            return None
        try:
            plugin = register(self.store, script, self.product)
        except (PluginRegistryError, StoreError) as err:
            self.message.setText(str(err))
            return None
        self.message.setText(
            f"Added {plugin.name}: {len(plugin.parameter_schema)} parameter(s), products: {self.products_text(plugin)}"
        )
        self.reload(select=plugin.id)
        return plugin

    def products_text(self, plugin: e.Plugin) -> str:
        return ", ".join(t.name for t in produced_types(self.store, plugin)) or "none"

    def save(self) -> None:
        plugin = self.current()
        if plugin is None:
            return
        try:
            schema = json.loads(self.parameters.toPlainText() or "[]")
            if not isinstance(schema, list) or not all(isinstance(p, dict) and "name" in p for p in schema):
                raise ValueError("a list of objects, each with a name")
        except ValueError as err:
            self.message.setText(f"Parameters: not a valid schema ({err})")
            return
        names = [n.strip() for n in self.products.text().split(",") if n.strip()]
        ensure_types(self.store, {"products": [{"name": n} for n in names]}, self.product)
        products = sorted({*plugin.products, self.product})
        try:
            self.store.update(e.Plugin, stored_id(plugin), name=self.name.text().strip() or plugin.name,
                              queue=self.queue.currentText(), products=products, produces=names,
                              parameter_schema=schema)  # fmt: skip
        except StoreError as err:
            self.message.setText(str(err))
            return
        self.message.setText("Saved.")
        self.reload(select=plugin.id)

    def remove(self) -> None:
        plugin = self.current()
        if plugin is not None:
            self.store.delete(e.Plugin, plugin.id)  # its jobs and results go with it
            self.message.setText(f"Removed {plugin.name}.")
            self.reload()

    def _test(self) -> None:
        plugin = self.current()
        if plugin is not None:
            self.testRequested.emit(plugin.id)

    def _ask_for_script(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Plugin script", "", "Python or executable (*)")
        return path
