"""The open image's annotations: counts per type, a type filter, a table; a click flies to one.

Rows come from the viewport query over the whole image (arrays, not entities), so a list of
100,000 annotations fills in well under a second; past `ROW_LIMIT` the header says how many
are not listed. The list refreshes, a moment after the store says something changed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from exact_desktop.model.entities import Annotation, AnnotationType, Image, VectorType, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import Store, ViewportObjects, ViewportQuery
from exact_desktop.ui.type_palette import swatch

ROW_LIMIT = 200_000
_REFRESH_MS = 300
_COLUMNS = ("Type", "Centre x", "Centre y", "Width", "Height")
_TIPS = (
    "The annotation type",
    "x of the centre of the annotation's bounding box (level-0 px)",
    "y of the centre of the annotation's bounding box (level-0 px)",
    "Width of the annotation's bounding box (level-0 px)",
    "Height of the annotation's bounding box (level-0 px)",
)
Index = QModelIndex | QPersistentModelIndex


class _Rows(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.objects = ViewportObjects()
        self.names: dict[int, AnnotationType] = {}

    def set_rows(self, objects: ViewportObjects, types: dict[int, AnnotationType]) -> None:
        self.beginResetModel()
        self.objects, self.names = objects, types
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.objects)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _TIPS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row, column = index.row(), index.column()
        t = self.names.get(int(self.objects.types[row]))
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and t is not None:
            return swatch(t.color_code)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        x0, y0, x1, y1 = (float(v) for v in self.objects.bboxes[row])
        return (
            t.name if t else "?",
            f"{(x0 + x1) / 2:,.0f}",
            f"{(y0 + y1) / 2:,.0f}",
            f"{x1 - x0:,.0f}",
            f"{y1 - y0:,.0f}",
        )[column]


class AnnotationList(QWidget):
    flyTo = Signal(int, float, float, float, float)  # id, x0, y0, x1, y1 (level-0 px)
    _storeChanged = Signal()  # carries the store's signal, from any thread, to the GUI thread

    def __init__(self, store: Store, image_of_view: Callable[[], int | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.image_of_view = store, image_of_view
        self.types: dict[int, AnnotationType] = {}
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.filter = QComboBox()
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.rows = _Rows()
        self.table = QTableView()
        self.table.setModel(self.rows)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self, singleShot=True, interval=_REFRESH_MS, timeout=self.refresh)
        self._storeChanged.connect(self._timer.start, Qt.ConnectionType.QueuedConnection)
        store.changed.connect(self._store_changed)

    def set_types(self, types: list[AnnotationType]) -> None:
        """The image's types (the shown image changed): rebuild the filter and the rows."""
        self.types = {stored_id(t): t for t in types if t.vector_type != VectorType.GLOBAL}
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("All types", None)
        for t in self.types.values():
            self.filter.addItem(swatch(t.color_code), t.name, t.id)
        self.filter.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        image = self.image_of_view()
        if image is None or not self.types:
            self.rows.set_rows(ViewportObjects(), {})
            self.summary.setText("")
            return
        img = self.store.get(Image, image)
        chosen = self.filter.currentData()
        wanted = (chosen,) if chosen is not None else tuple(self.types)
        everything = Rect(-1e9, -1e9, 2e9 + max(img.width, 1), 2e9 + max(img.height, 1))
        objects = self.store.viewport(ViewportQuery(image, everything, annotation_types=wanted, limit=ROW_LIMIT))
        self.rows.set_rows(objects, self.types)
        counts = {t: self.store.count(Annotation, image=image, annotation_type=t, deleted=False) for t in self.types}
        total = sum(counts[t] for t in wanted)
        parts = [f"{self.types[t].name} {n:,}" for t, n in counts.items()]
        more = f" (first {len(objects):,} listed)" if total > len(objects) else ""
        self.summary.setText(f"{sum(counts.values()):,} annotations: " + ", ".join(parts) + more)

    def id_at(self, row: int) -> int:
        return int(self.rows.objects.ids[row])

    def _clicked(self, index: QModelIndex) -> None:
        row = index.row()
        x0, y0, x1, y1 = (float(v) for v in self.rows.objects.bboxes[row])
        self.flyTo.emit(self.id_at(row), x0, y0, x1, y1)

    def select_id(self, id: int) -> None:
        """Show `id` as the current row (after a selection on the slide), if it is listed."""
        rows = np.flatnonzero(self.rows.objects.ids == id)
        if len(rows):
            self.table.selectRow(int(rows[0]))
            self.table.scrollTo(self.rows.index(int(rows[0]), 0))

    def _store_changed(self, _sender: object, changes: list = ()) -> None:  # type: ignore[assignment]
        image = self.image_of_view()
        if any(c.kind == "annotations" and c.image == image for c in changes):
            self._storeChanged.emit()
