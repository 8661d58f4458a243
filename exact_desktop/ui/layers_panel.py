"""The overlay layers of the shown image: visibility and opacity; score threshold and Accept for results."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model.layers import ANNOTATIONS, RESULTS, Layer, LayerKey, LayerList


class LayersPanel(QWidget):
    acceptRequested = Signal(int)  # result entry id

    def __init__(
        self, layers: LayerList, image_of_view: Callable[[], int | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.layers, self.image_of_view = layers, image_of_view
        self.grid = QGridLayout()
        outer = QVBoxLayout(self)
        outer.addLayout(self.grid)
        outer.addStretch()
        self.controls: dict[LayerKey, tuple[QCheckBox, QSlider | None, QSlider]] = {}
        self.swatches: dict[LayerKey, QLabel] = {}  # each layer's colour, as it is now
        self.score_labels: dict[LayerKey, QLabel] = {}  # "score ≥ 0.45": a result layer's threshold, as a number
        self._problems: list[tuple[str, str]] = []
        layers.changed.connect(self.rebuild)

    def rebuild(self, _sender: object = None) -> None:
        image = self.image_of_view()
        listed = self.layers.for_image(image) if image is not None else []
        shown = [x for x in listed if x.kind == RESULTS] + [x for x in listed if x.kind != RESULTS]
        problems = [(layer.problem, layer.details) for layer in shown]
        if [layer.key for layer in shown] == list(self.controls) and problems == self._problems:
            for layer in shown:  # values only: keep the widgets the person is dragging
                box, threshold, opacity = self.controls[layer.key]
                _quietly(box, lambda b=box, v=layer.visible: b.setChecked(v))
                _quietly(opacity, lambda o=opacity, v=layer.opacity: o.setValue(round(v * 100)))
                if threshold is not None:
                    _quietly(threshold, lambda t=threshold, v=layer.threshold: t.setValue(round(v * 100)))
                    self.score_labels[layer.key].setText(_score_text(threshold.value()))
                box.setText(_title(layer))
                self.swatches[layer.key].setPixmap(_swatch(layer.colour))
            return
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.controls, self.swatches, self.score_labels, self._problems = {}, {}, {}, problems
        row = 0
        for heading, kind in (("Plugin results", RESULTS), ("Annotation types", ANNOTATIONS)):
            group = [layer for layer in shown if layer.kind == kind]  # results first, never under the types
            if group:
                title = QLabel(f"<b>{heading}</b>")
                title.setObjectName(f"heading-{kind}")
                self.grid.addWidget(title, row, 0, 1, 6)
                row += 1
            for layer in group:
                row = self._add_layer(layer, row)

    def _add_layer(self, layer: Layer, row: int) -> int:
        """The name on one row, what made a result layer under it, its controls, then a problem."""
        key = layer.key
        swatch = self.swatches[key] = QLabel()
        swatch.setPixmap(_swatch(layer.colour))
        box = QCheckBox(_title(layer))
        tip = "\n".join(x for x in (layer.name, layer.details) if x)
        box.setToolTip(f"{tip}\nCannot be drawn: {layer.problem}" if layer.problem else tip)
        box.setChecked(layer.visible)
        box.toggled.connect(lambda on, key=key: self.layers.set(key, visible=on))
        self.grid.addWidget(swatch, row, 0)
        self.grid.addWidget(box, row, 1, 1, 5)
        row += 1
        if layer.details:
            details = QLabel(layer.details)
            details.setObjectName("layer-details")
            details.setWordWrap(True)
            details.setStyleSheet("color: gray")
            self.grid.addWidget(details, row, 1, 1, 5)
            row += 1
        opacity = _slider(layer.opacity, lambda v, key=key: self.layers.set(key, opacity=v / 100))
        self.grid.addWidget(QLabel("opacity"), row, 1)
        self.grid.addWidget(opacity, row, 2)
        threshold = None
        if layer.kind == RESULTS:
            threshold = _slider(layer.threshold, lambda v, key=key: self.layers.set(key, threshold=v / 100))
            accept = QPushButton("Accept")
            accept.setToolTip("Turn the objects above the threshold into annotations")
            accept.clicked.connect(lambda _=False, entry=layer.group: self.acceptRequested.emit(entry))
            score = self.score_labels[key] = QLabel(_score_text(threshold.value()))
            threshold.valueChanged.connect(lambda v, label=score: label.setText(_score_text(v)))
            row += 1  # a row of its own: beside the opacity, Accept was cut off in a dock of the default width
            self.grid.addWidget(score, row, 1)
            self.grid.addWidget(threshold, row, 2)
            self.grid.addWidget(accept, row, 3)
        row += 1
        if layer.problem:
            reason = QLabel(layer.problem)
            reason.setWordWrap(True)
            reason.setStyleSheet("color: #c0392b")
            self.grid.addWidget(reason, row, 1, 1, 5)
            row += 1
        self.controls[key] = (box, threshold, opacity)
        return row


def _title(layer: Layer) -> str:
    return f"\u26a0 {layer.name} (cannot be drawn)" if layer.problem else layer.name


def _score_text(slider_value: int) -> str:
    return f"score ≥ {slider_value / 100:.2f}"


def _swatch(colour: str) -> QPixmap:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return pixmap


def _quietly(widget: QWidget, change: Callable[[], None]) -> None:
    widget.blockSignals(True)
    change()
    widget.blockSignals(False)


class _ClickedSlider(QSlider):
    """Moved by the wheel only once clicked or tabbed to: the wheel over the panel scrolls its
    layers, not the opacity or threshold of whichever row passes under the pointer."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not the wheel focus a slider takes otherwise

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # to the scroll area


def _slider(value: float, changed: object) -> QSlider:
    slider = _ClickedSlider()
    slider.setRange(0, 100)
    slider.setValue(round(value * 100))
    slider.setMaximumWidth(90)
    slider.valueChanged.connect(changed)
    return slider
