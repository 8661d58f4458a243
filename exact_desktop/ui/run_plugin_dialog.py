"""Run plugin on image set: pick the plugin, fill the form its schema describes, choose images.

The dialog is up at once; when the plugins take a while to know (a server window describes the
installed ones first), it shows that it is reading them and fills in when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model.entities import Plugin


class RunPluginDialog(QDialog):
    def __init__(
        self, plugins: list[Plugin] | None, selected_images: int, parent: QWidget | None = None,
        last_values: Callable[[Plugin], dict[str, Any]] | None = None,
    ) -> None:  # fmt: skip
        """`plugins` None: not known yet, `set_plugins` brings them. `last_values`: a plugin's
        parameters as its last run here had them, filled in instead of its defaults (a run again
        went back to the defaults: the same run repeated found other results)."""
        super().__init__(parent)
        self.last_values = last_values or (lambda _plugin: {})
        self.setWindowTitle("Run plugin on image set")
        self.plugins: list[Plugin] = []
        self.plugin_box = QComboBox()
        self.plugin_box.currentIndexChanged.connect(self._build_form)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # moves while the plugins are read
        self.busy_bar.setTextVisible(False)
        self.form = QFormLayout()
        self.all_images = QRadioButton("All images of the image set")
        self.selected_images = QRadioButton(f"Selected images ({selected_images})")
        self.all_images.setChecked(True)
        self.selected_images.setEnabled(selected_images > 0)
        self.run_again = QCheckBox("Run again on images it has finished")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plugin_box)
        layout.addWidget(self.busy_bar)
        layout.addLayout(self.form)
        for widget in (self.all_images, self.selected_images, self.run_again, self.problem, buttons):
            layout.addWidget(widget)
        self.fields: dict[str, QWidget] = {}
        if plugins is None:
            self.plugin_box.setEnabled(False)
            self.plugin_box.setPlaceholderText("Reading the plugins\u2026")
            self.ok_button.setEnabled(False)
        else:
            self.set_plugins(plugins)

    @property
    def reading(self) -> bool:
        """The plugins are still being read."""
        return self.busy_bar.isVisibleTo(self)

    def set_plugins(self, plugins: list[Plugin] | str) -> None:
        """The plugins that arrived, or why there are none."""
        self.busy_bar.hide()
        self.plugins = plugins if isinstance(plugins, list) else []
        self.plugin_box.addItems([p.name for p in self.plugins])
        self.plugin_box.setCurrentIndex(0 if self.plugins else -1)  # a placeholder text keeps the box at -1
        self.plugin_box.setEnabled(bool(self.plugins))
        self.ok_button.setEnabled(bool(self.plugins))
        if isinstance(plugins, str) or not plugins:
            self.plugin_box.setPlaceholderText("No plugin")
            self.problem.setText(f"No plugin to run: {plugins}" if isinstance(plugins, str) else "No plugin to run.")
        self._build_form()

    @property
    def plugin(self) -> Plugin:
        return self.plugins[self.plugin_box.currentIndex()]

    def _build_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        if not self.plugins:
            return
        last = self.last_values(self.plugin)
        for spec in self.plugin.parameter_schema:
            widget = _field(spec, last.get(spec["name"], spec.get("default")))
            widget.setToolTip(spec.get("help", ""))
            self.form.addRow(spec["name"], widget)
            self.fields[spec["name"]] = widget

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QSpinBox | QDoubleSpinBox):
                out[name] = widget.value()
            elif isinstance(widget, QComboBox):
                out[name] = widget.currentText()
            elif isinstance(widget, QCheckBox):
                out[name] = widget.isChecked()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
            elif isinstance(widget, FileField):
                out[name] = widget.path.text()
        return out


class FileField(QWidget):
    """A path typed or chosen with the file dialog (a parameter with a `file` name filter)."""

    def __init__(self, default: str, name_filter: str) -> None:
        super().__init__()
        self.name_filter = name_filter
        self.path = QLineEdit(default)
        self.path.setPlaceholderText(name_filter)
        self.choose = QPushButton("Choose\u2026")
        self.choose.clicked.connect(self.choose_file)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file", self.path.text(), self.name_filter)
        if path:
            self.path.setText(path)


def _field(spec: dict[str, Any], value: Any) -> QWidget:
    """The widget for a parameter showing `value` (the default where it is not one the widget
    can show): ranges and choices are enforced by the widget itself."""
    kind, default = spec.get("type", "str"), _shown(spec, value)
    if "choices" in spec:
        combo = QComboBox()
        combo.addItems([str(c) for c in spec["choices"]])
        combo.setCurrentText(str(default))
        return combo
    if kind == "int":
        spin = QSpinBox()
        spin.setRange(int(spec.get("min", -(10**9))), int(spec.get("max", 10**9)))
        spin.setValue(int(default or 0))
        return spin
    if kind == "float":
        double = QDoubleSpinBox()
        double.setDecimals(3)
        double.setRange(float(spec.get("min", -1e9)), float(spec.get("max", 1e9)))
        double.setValue(float(default or 0))
        return double
    if kind == "bool":
        check = QCheckBox()
        check.setChecked(bool(default))
        return check
    if spec.get("file"):
        return FileField(str(default or ""), str(spec["file"]))
    return QLineEdit(str(default or ""))


def _shown(spec: dict[str, Any], value: Any) -> Any:
    """`value` when it fits the parameter's kind, else its default."""
    kind = spec.get("type", "str")
    try:
        if "choices" in spec:
            return value if str(value) in [str(c) for c in spec["choices"]] else spec.get("default")
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError):
        return spec.get("default")
    return value
