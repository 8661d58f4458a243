"""The selected annotation: type (change it here too), description (edit, Enter stores it),
meta_data, author, times and UUID. Several selected: how many, of which types."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from exact_desktop.annotating.annotator import Annotator
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.model.entities import Annotation, User, stored_id
from exact_desktop.review.provenance import described
from exact_desktop.store.base import NotFoundError
from exact_desktop.ui.type_palette import swatch


def local_time(value: datetime) -> str:
    """A stored (UTC) time as the person's own clock shows it, with its zone."""
    return f"{value.astimezone():%Y-%m-%d %H:%M:%S %Z}"


class PropertiesPanel(QWidget):
    def __init__(self, annotator: Annotator, history: EditHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.annotator, self.history = annotator, history
        self.summary = QLabel("Nothing selected")
        self.type_box = QComboBox()
        self.type_box.activated.connect(self._retype)
        self.description = QLineEdit()
        self.description.setPlaceholderText("Description (Enter stores it)")
        self.description.editingFinished.connect(self._store_description)
        self.meta = QPlainTextEdit()
        self.meta.setReadOnly(True)
        self.meta.setMaximumHeight(90)
        self.fields = {
            name: QLabel("") for name in ("From", "Author", "Created", "Edited", "Last editor", "UUID", "Id")
        }
        self.fields["From"].setWordWrap(True)  # an accepted candidate's plugin, score and reviewer
        for label in self.fields.values():
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout(self)
        form.addRow(self.summary)
        form.addRow("Type", self.type_box)
        form.addRow("Description", self.description)
        form.addRow("meta_data", self.meta)
        for name, label in self.fields.items():
            form.addRow(name, label)
        annotator.selection_changed.connect(self._selection_changed)
        self.show_selection()

    def _selection_changed(self, _sender: object, ids: list[int] = ()) -> None:  # type: ignore[assignment]
        self.show_selection()

    def show_selection(self) -> None:
        selected = self.annotator.selected
        one = selected[0] if len(selected) == 1 else None
        for widget in (self.type_box, self.description):
            widget.setEnabled(one is not None)
        if not selected:
            self.summary.setText("Nothing selected")
        elif one is None:
            kinds = Counter((self.annotator.type_of(a).name if self.annotator.type_of(a) else "?") for a in selected)  # type: ignore[union-attr]
            self.summary.setText(f"{len(selected):,} selected: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
        else:
            t = self.annotator.type_of(one)
            self.summary.setText(f"{t.name if t else '?'} annotation")
        self.type_box.clear()
        self.description.setText(one.description if one else "")
        self.meta.setPlainText(json.dumps(one.meta_data, indent=1) if one and one.meta_data else "")
        values = dict.fromkeys(self.fields, "")
        if one is not None:
            current = self.annotator.type_of(one)
            for t in self.annotator.palette:
                if current is not None and t.vector_type == current.vector_type:
                    self.type_box.addItem(swatch(t.color_code), t.name, t.id)
            self.type_box.setCurrentIndex(max(0, self.type_box.findData(one.annotation_type)))
            values = {
                "From": described(one.meta_data) or "-", "Author": self._user(one.user),
                "Created": local_time(one.time),
                "Edited": local_time(one.last_edit_time), "Last editor": self._user(one.last_editor),
                "UUID": one.unique_identifier, "Id": str(one.id),
            }  # fmt: skip
        for name, label in self.fields.items():
            label.setText(values[name])

    def _user(self, id: int | None) -> str:
        if id is None:
            return "-"
        try:
            return self.annotator.store.get(User, id).username
        except NotFoundError:
            return f"user {id}"

    def _one(self) -> Annotation | None:
        selected = self.annotator.selected
        return selected[0] if len(selected) == 1 else None

    def _store_description(self) -> None:
        one = self._one()
        if one is not None and self.description.text() != one.description:
            self.history.change("Edit description", {stored_id(one): {"description": self.description.text()}})
            self.annotator.refresh()

    def _retype(self, row: int) -> None:
        one = self._one()
        type_id = self.type_box.itemData(row)
        if one is not None and type_id is not None and type_id != one.annotation_type:
            self.history.change("Change type", {stored_id(one): {"annotation_type": type_id}})
            self.annotator.refresh()
