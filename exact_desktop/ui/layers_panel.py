"""Result layers of the shown image: visibility, score threshold, opacity, and Accept."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from exact_desktop.model.jobs import LayerList


class LayersPanel(QWidget):
    acceptRequested = Signal(int)  # result entry id

    def __init__(self, layers: LayerList, image_of_view: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers, self.image_of_view = layers, image_of_view
        self.grid = QGridLayout()
        outer = QVBoxLayout(self)
        outer.addLayout(self.grid)
        outer.addStretch()
        self.controls: dict[int, tuple[QCheckBox, QSlider, QSlider]] = {}
        layers.changed.connect(self.rebuild)

    def rebuild(self, _sender: object = None) -> None:
        image = self.image_of_view()  # type: ignore[operator]
        shown = self.layers.for_image(image) if image is not None else []
        if [layer.entry for layer in shown] == list(self.controls):
            for layer in shown:  # values only: keep the widgets the person is dragging
                box, threshold, opacity = self.controls[layer.entry]
                for widget, value in (
                    (box, layer.visible),
                    (threshold, round(layer.threshold * 100)),
                    (opacity, round(layer.opacity * 100)),
                ):
                    widget.blockSignals(True)
                    if isinstance(widget, QCheckBox):
                        widget.setChecked(bool(value))
                    else:
                        widget.setValue(int(value))
                    widget.blockSignals(False)
            return
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.controls = {}
        for row, layer in enumerate(shown):
            box = QCheckBox(layer.name)
            box.setChecked(layer.visible)
            box.toggled.connect(lambda on, entry=layer.entry: self.layers.set(entry, visible=on))
            threshold = _slider(layer.threshold, lambda v, entry=layer.entry: self.layers.set(entry, threshold=v / 100))
            opacity = _slider(layer.opacity, lambda v, entry=layer.entry: self.layers.set(entry, opacity=v / 100))
            accept = QPushButton("Accept")
            accept.setToolTip("Turn the objects above the threshold into annotations")
            accept.clicked.connect(lambda _=False, entry=layer.entry: self.acceptRequested.emit(entry))
            for column, widget in enumerate((box, QLabel("score ≥"), threshold, QLabel("opacity"), opacity, accept)):
                self.grid.addWidget(widget, row, column)
            self.controls[layer.entry] = (box, threshold, opacity)


def _slider(value: float, changed: object) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, 100)
    slider.setValue(round(value * 100))
    slider.valueChanged.connect(changed)
    return slider
