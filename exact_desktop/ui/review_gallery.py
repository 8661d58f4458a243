"""A page of candidate crops (5 x 4 by default): a click marks a crop as wrong, and the page is
accepted but for the marked ones in one decision."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import QGridLayout, QWidget

from exact_desktop.ui.scaled_picture import ScaledPicture

COLUMNS, ROWS = 5, 4
CROP_PX = 128
SMALLEST_TILE_PX = 40


class CropTile(ScaledPicture):
    clicked = Signal(int)  # index on the page

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(CROP_PX + 6, SMALLEST_TILE_PX, parent)
        self.index = index
        self.show_marked(False)

    def show_marked(self, marked: bool) -> None:
        colour = "#e02020" if marked else "#d0d0d0"
        self.setStyleSheet(f"border: 3px solid {colour}; background: #202020;")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit(self.index)


class Gallery(QWidget):
    def __init__(self, columns: int = COLUMNS, rows: int = ROWS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(2)
        self.tiles = [CropTile(i) for i in range(columns * rows)]
        for tile in self.tiles:
            grid.addWidget(tile, tile.index // columns, tile.index % columns)
            tile.clicked.connect(self.toggle)
        self.ids: list[int] = []
        self.marked: set[int] = set()  # candidates clicked as wrong, on this page or another, until decided

    @property
    def size(self) -> int:
        return len(self.tiles)

    def show_page(self, crops: list[tuple[int, QImage, str]]) -> None:
        """(candidate id, crop, caption) per tile; tiles past the end go blank. A crop marked
        before stays marked when its page is shown again (after another page, a new threshold
        or the model's new order: the marks went with every redraw)."""
        self.ids = [id for id, _image, _caption in crops]
        for i, tile in enumerate(self.tiles):
            tile.show_marked(i < len(crops) and crops[i][0] in self.marked)
            if i < len(crops):
                tile.setPixmap(QPixmap.fromImage(crops[i][1]))
                tile.setToolTip(crops[i][2])
            else:
                tile.clear()
                tile.setToolTip("")

    def toggle(self, index: int) -> None:
        if index >= len(self.ids):
            return
        self.marked ^= {self.ids[index]}
        self.tiles[index].show_marked(self.ids[index] in self.marked)
