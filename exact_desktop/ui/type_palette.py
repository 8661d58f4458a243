"""Annotation types of the image set's products: pick what to draw (number keys), draw or select,
box or circle, and the image's global labels as check boxes (EXACT: a click toggles the label)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.annotating.annotator import BOX, CIRCLE, DRAW, SELECT, Annotator
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model import shapes
from exact_desktop.model.entities import Annotation, AnnotationType, VectorType, stored_id


def key_of(index: int) -> str:
    """Palette position -> its number key: 1..9, then 0."""
    return str((index + 1) % 10) if index < 10 else ""


def swatch(colour: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class TypePalette(QWidget):
    def __init__(self, annotator: Annotator, history: EditHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.annotator, self.history = annotator, history
        self.types = QListWidget()
        self.types.currentRowChanged.connect(self._pick)
        self.draw_mode = QRadioButton("Draw")
        self.select_mode = QRadioButton("Select")
        self.box_shape = QRadioButton("Box")
        self.circle_shape = QRadioButton("Circle")
        modes, shapes_ = QButtonGroup(self), QButtonGroup(self)
        for group, buttons in (
            (modes, (self.draw_mode, self.select_mode)),
            (shapes_, (self.box_shape, self.circle_shape)),
        ):
            for button in buttons:
                group.addButton(button)
        self.draw_mode.toggled.connect(self._mode_toggled)
        self.circle_shape.toggled.connect(self._shape_toggled)
        self.labels_box = QGroupBox("Image labels")
        self.labels_layout = QVBoxLayout(self.labels_box)
        self.label_checks: dict[int, QCheckBox] = {}
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Mode (c):"))
        row.addWidget(self.draw_mode)
        row.addWidget(self.select_mode)
        row.addStretch()
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Boxes, polygons as:"))
        row.addWidget(self.box_shape)
        row.addWidget(self.circle_shape)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(self.types, 1)
        layout.addWidget(self.labels_box)
        annotator.changed.connect(self._annotator_changed)
        history.changed.connect(self._history_changed)
        self.brought: dict[int, str] = {}
        self.rebuild()

    def rebuild(self, brought: dict[int, str] | None = None) -> None:
        """After the image changed: its types and its labels; the types plugins brought (type id
        -> plugin, kept from the last call when not given) under a heading of their own, last."""
        if brought is not None:
            self.brought = brought
        brought = self.brought
        self.types.blockSignals(True)
        self.types.clear()
        for index, t in enumerate(self.annotator.palette):
            if t.id in brought and (index == 0 or self.annotator.palette[index - 1].id not in brought):
                heading = QListWidgetItem("From plugins")
                heading.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading: cannot be picked
                font = heading.font()
                font.setBold(True)
                heading.setFont(font)
                self.types.addItem(heading)
            key = key_of(index)
            item = QListWidgetItem(
                swatch(t.color_code),
                f"{key + '  ' if key else ''}{t.name}  ({shapes.name_of(t.vector_type)})",
            )
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            if t.id in brought:
                item.setToolTip(f"Brought by the plugin {brought[t.id]}")
            self.types.addItem(item)
        self.types.blockSignals(False)
        for check in self.label_checks.values():
            check.deleteLater()
        self.label_checks = {}
        for index, t in enumerate(self._global_types()):
            key = key_of(index)
            check = QCheckBox(f"Shift+{key}  {t.name}" if key else t.name)
            check.setIcon(swatch(t.color_code))
            check.clicked.connect(lambda _checked, type_id=t.id: self.toggle_label(type_id))
            self.labels_layout.addWidget(check)
            self.label_checks[stored_id(t)] = check
        self.labels_box.setVisible(bool(self.label_checks))
        self._annotator_changed(None)
        self._show_labels()

    def _global_types(self) -> list[AnnotationType]:
        return [t for t in self.annotator.types.values() if t.vector_type == VectorType.GLOBAL]

    # --- labels -----------------------------------------------------------------------------
    def _label_ids(self, type_id: int) -> list[int]:
        image = self.annotator.image
        if image is None:
            return []
        found = self.annotator.store.list(Annotation, image=image, annotation_type=type_id, deleted=False)
        return [stored_id(a) for a in found]

    def label_key(self, digit: int) -> str:
        """Shift+`digit`: toggle the global label shown with that key; what happened, in words."""
        labels = self._global_types()
        index = (digit - 1) % 10
        if index >= len(labels):
            return f"No image label on Shift+{digit}: this image set has {len(labels)}"
        label = labels[index]
        self.toggle_label(stored_id(label))
        return f"Image label {label.name} {'set' if self._label_ids(stored_id(label)) else 'taken off'}"

    def toggle_label(self, type_id: int) -> None:
        """Set the image-level label, or take it off: one undoable edit."""
        image = self.annotator.image
        if image is None:
            return
        existing = self._label_ids(type_id)
        name = self.annotator.types[type_id].name
        if existing:
            self.history.delete(existing, f"Remove label {name}")
        else:
            self.history.create([Annotation(annotation_type=type_id, image=image, vector=None)], f"Label {name}")
        self._show_labels()

    def _show_labels(self) -> None:
        for type_id, check in self.label_checks.items():
            check.setChecked(bool(self._label_ids(type_id)))

    # --- observing --------------------------------------------------------------------------
    def _annotator_changed(self, _sender: object) -> None:
        active = self.annotator.active
        rows = [
            r
            for r in range(self.types.count())
            if active and self.types.item(r).data(Qt.ItemDataRole.UserRole) == active.id
        ]
        if rows and self.types.currentRow() != rows[0]:
            self.types.blockSignals(True)
            self.types.setCurrentRow(rows[0])
            self.types.blockSignals(False)
        for button, on in (
            (self.draw_mode, self.annotator.mode == DRAW),
            (self.select_mode, self.annotator.mode == SELECT),
            (self.box_shape, self.annotator.box_shape == BOX),
            (self.circle_shape, self.annotator.box_shape == CIRCLE),
        ):
            if button.isChecked() != on:
                button.blockSignals(True)
                button.setChecked(on)
                button.blockSignals(False)

    def _history_changed(self, _sender: object, **_: object) -> None:
        self._show_labels()

    def _pick(self, row: int) -> None:
        type_id = self.types.item(row).data(Qt.ItemDataRole.UserRole) if row >= 0 else None
        if type_id is not None:
            self.annotator.set_active(type_id)
            if self.annotator.mode != DRAW:
                self.annotator.toggle_mode()

    def _mode_toggled(self, draw: bool) -> None:
        if (self.annotator.mode == DRAW) != draw:
            self.annotator.toggle_mode()

    def _shape_toggled(self, circle: bool) -> None:
        self.annotator.box_shape = CIRCLE if circle else BOX
