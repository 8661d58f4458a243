"""Screening mode in the window (EXACT's screening viewer): `^` starts or continues where the
person left off; in the mode EXACT's `a` `d` `w` `s` mark and move and `j` `l` `i` `k` move,
the view shows one field and its overlap, the overview shows what was screened, the status bar
the percentage. The annotator's `s`, `d`, `w` (scissor, knife, wand) rest while it is on."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QAction, QColor, QPainter, QPen
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu

from exact_desktop.annotating.screening import MAGNIFICATION, MOVES, Screening
from exact_desktop.model.entities import Image
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import RESULTS
from exact_desktop.store.base import Store, StoreError, ViewportQuery
from exact_desktop.ui.project_window import ProjectWindow

HINT = "Screening: a d w s mark the field screened and move, j l i k move, ^ continues; Tools > Screening: stop"
_SCREENED = QColor(40, 220, 80)
_CURRENT = QColor(255, 0, 255)


class ScreeningUi:
    def __init__(
        self, window: ProjectWindow, store: Store, menu: QMenu, add_action: Callable[..., QAction],
        resting: list[QAction],
    ) -> None:  # fmt: skip
        self.window, self.store, self.resting = window, store, resting
        self.screening: Screening | None = None
        menu.addSeparator()
        self.start_action = add_action("Screening: start or continue", lambda _c=False: self.start(), "^")
        self.stop_action = add_action("Screening: stop", self.stop)
        self.candidates_action = add_action("Screening: next unscreened field with candidates", self.to_candidates)
        self.size_action = add_action("Screening: field size\u2026", self.ask_magnification)
        self.key_actions = [
            add_action(f"Screening {key}", lambda _c=False, k=key: self.key(k), key.upper()) for key in MOVES
        ]
        for action in (self.start_action, self.candidates_action, self.size_action, self.stop_action):
            menu.addAction(action)
        self.label = QLabel()
        window.statusBar().addPermanentWidget(self.label)
        window.view.overview.decorations.append(self._paint_fields)
        self._enable(False)

    @property
    def on(self) -> bool:
        return self.screening is not None

    def ask_magnification(self) -> None:
        value, ok = QInputDialog.getDouble(
            self.window, "Screening field size", "Fields as the view shows them at this magnification (x):",
            MAGNIFICATION, 1.0, 100.0, 1,
        )  # fmt: skip
        if ok:
            self.start(value)

    def start(self, magnification: float | None = None) -> None:
        """`^`: the person's screening of the shown image, at the field they were at; with a
        `magnification` that makes other fields, a new screening of fields of that size."""
        image, source = self.window.current_image_id(), self.window.view.source
        if image is None or source is None:
            self.window.statusBar().showMessage("Screening: open an image first", 10_000)
            return
        view = self.window.view
        try:
            self.screening = Screening.open(
                self.store,
                self.store.get(Image, image),
                self.window.editor,
                source,
                (view.width(), view.height()),
                magnification,
            )
        except StoreError as err:
            self.window.show_error(f"Screening failed: {err}")
            return
        self._enable(True)
        self._show(self.screening.shown())
        self.window.statusBar().showMessage(HINT)

    def stop(self) -> None:
        if self.screening is not None:
            self.window.statusBar().clearMessage()
        self.screening = None
        self._enable(False)
        self.window.view.overview.update()

    def key(self, key: str) -> None:
        if self.screening is None:
            return
        if self.screening.mode.image != self.window.current_image_id():
            self.stop()  # another image is shown: its own screening starts with ^
            return
        try:
            self._show(self.screening.key(key))
        except StoreError as err:
            self.window.show_error(f"Screening failed: {err}")

    def to_candidates(self) -> list[int]:
        """The unscreened fields holding results of the visible result layers above their
        thresholds, said in the status bar; moves to the first (without marking)."""
        image = self.window.current_image_id()
        if self.screening is None or image is None:
            return []
        state = self.window.view.state
        whole = Rect(0, 0, state.slide_width, state.slide_height)
        layers = [x for x in self.window.layers.for_image(image, RESULTS) if x.visible]
        queries = [ViewportQuery(image, whole, entries=(x.group,), min_score=x.threshold, nodes=False) for x in layers]
        found = [self.store.viewport(query) for query in queries]
        boxes = np.concatenate([f.bboxes for f in found]) if found else np.empty((0, 4))
        fields = self.screening.unscreened_holding((boxes[:, :2] + boxes[:, 2:]) / 2)
        if not fields:
            self.window.statusBar().showMessage("Screening: no unscreened field holds a shown candidate", 10_000)
            return []
        self._show(self.screening.go(fields[0]))
        shown = ", ".join(str(i) for i in fields[:12]) + (" ..." if len(fields) > 12 else "")
        self.window.statusBar().showMessage(
            f"Screening: {len(fields):,} unscreened fields hold candidates above their layers' thresholds "
            f"(fields {shown}); this is the first",
            15_000,
        )
        return fields

    def _enable(self, on: bool) -> None:
        for action in self.key_actions:
            action.setEnabled(on)
        for action in self.resting:  # the same keys cannot mean two things at once
            action.setEnabled(not on)
        self.stop_action.setEnabled(on)
        self.candidates_action.setEnabled(on)
        self.label.setVisible(on)

    def _show(self, field: Rect) -> None:
        assert self.screening is not None
        state = self.window.view.state
        state.set_downsample(max(field.w / state.viewport_width, field.h / state.viewport_height))
        state.center_on(*field.center)
        self.label.setText(str(self.screening.progress()))
        self.window.view.overview.update()

    def _paint_fields(self, painter: QPainter, target: QRectF, scale: float) -> None:
        if self.screening is None:
            return
        painter.save()
        current = str(self.screening.mode.current_index)
        for index, tile in self.screening.tiles.items():
            if not (tile.get("Screened") or index == current):
                continue
            rect = QRectF(target.x() + tile["x_min"] * scale, target.y() + tile["y_min"] * scale,
                          (tile["x_max"] - tile["x_min"]) * scale, (tile["y_max"] - tile["y_min"]) * scale)  # fmt: skip
            colour = _CURRENT if index == current else _SCREENED
            painter.fillRect(rect.intersected(target), QColor(colour.red(), colour.green(), colour.blue(), 70))
            painter.setPen(QPen(colour, 2 if index == current else 1))
            painter.drawRect(rect.intersected(target))
        painter.restore()
