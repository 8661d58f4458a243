"""Run plugin on image set: pick the plugin, fill the form its schema describes, choose images."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model.entities import Plugin


class RunPluginDialog(QDialog):
    def __init__(self, plugins: list[Plugin], selected_images: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run plugin on image set")
        self.plugins = plugins
        self.plugin_box = QComboBox()
        self.plugin_box.addItems([p.name for p in plugins])
        self.plugin_box.currentIndexChanged.connect(self._build_form)
        self.form = QFormLayout()
        self.all_images = QRadioButton("All images of the image set")
        self.selected_images = QRadioButton(f"Selected images ({selected_images})")
        self.all_images.setChecked(True)
        self.selected_images.setEnabled(selected_images > 0)
        self.run_again = QCheckBox("Run again on images it has finished")
        self.problem = QLabel("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plugin_box)
        layout.addLayout(self.form)
        for widget in (self.all_images, self.selected_images, self.run_again, self.problem, buttons):
            layout.addWidget(widget)
        self.fields: dict[str, QWidget] = {}
        self._build_form()

    @property
    def plugin(self) -> Plugin:
        return self.plugins[self.plugin_box.currentIndex()]

    def _build_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        for spec in self.plugin.parameter_schema:
            widget = _field(spec)
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
        return out


def _field(spec: dict[str, Any]) -> QWidget:
    """The widget for a parameter: ranges and choices are enforced by the widget itself."""
    kind, default = spec.get("type", "str"), spec.get("default")
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
    return QLineEdit(str(default or ""))
