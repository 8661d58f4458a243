"""The annotating part of the main window: tools, palette, list, properties, undo, keys.

It builds the Qt-free `Annotator` and `EditHistory` over the window's store and puts their
panels and actions into the window; the slide view feeds the annotator pointer events.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMenu, QMessageBox

from exact_desktop.annotating.annotator import Annotator
from exact_desktop.annotating.edit_history import EditHistory
from exact_desktop.exchange.files import ImportResult, carry_out, export_file, plan_file
from exact_desktop.exchange.plan import ExchangeError, ImportPlan
from exact_desktop.exchange.problem_lines import problem_lines
from exact_desktop.model.entities import AnnotationType, VectorType, stored_id
from exact_desktop.model.geometry import Rect
from exact_desktop.model.layers import ANNOTATIONS
from exact_desktop.plugins.brought_types import brought_types
from exact_desktop.store.base import Store, StoreError, ViewportQuery
from exact_desktop.ui.annotation_list import AnnotationList
from exact_desktop.ui.busy import busy
from exact_desktop.ui.edit_tools_ui import EditToolsUi
from exact_desktop.ui.help_dialog import HelpDialog
from exact_desktop.ui.image_finder import ImageFinder
from exact_desktop.ui.label_keys import LabelKeys
from exact_desktop.ui.project_window import ProjectWindow
from exact_desktop.ui.properties_panel import PropertiesPanel
from exact_desktop.ui.screening_ui import ScreeningUi
from exact_desktop.ui.scrolled import scrolled
from exact_desktop.ui.type_palette import TypePalette
from exact_desktop.viewer.hit_test import hit_test

REPAIR = "repair"  # the answer to repair the invalid outlines (shapely's make_valid) and import


def import_question(plan: ImportPlan) -> str:
    """The bad features one a line, as the command line names them, and what can be done."""
    count = len(plan.problems)
    shown = "\n".join(problem_lines(plan.problems, 15))
    repair = "Repair the invalid outlines and import them, or import" if plan.repairable else "Import"
    return (
        f"{count:,} of {plan.features:,} feature{'s' if plan.features != 1 else ''} cannot be imported:\n\n"
        f"{shown}\n\n{repair} the {plan.annotation_count:,} valid annotations and leave the bad "
        f"feature{'s' if count != 1 else ''} out?"
    )


ANNOTATION_FILTER = "GeoJSON (QuPath) (*.geojson);;EXACT JSON (*.json);;All files (*)"
_FLY_FILL = 0.35  # a flown-to annotation takes about this share of the view


class AnnotationUi:
    def __init__(self, window: ProjectWindow, store: Store) -> None:
        self.window, self.store = window, store
        self.history = EditHistory(store, editor=window.editor)
        self.annotator = Annotator(store, self.history, self._hit, self._in_rect)
        window.view.set_annotator(self.annotator)
        self.palette = TypePalette(self.annotator, self.history)
        self.list = AnnotationList(store, window.current_image_id)
        self.properties = PropertiesPanel(self.annotator, self.history)
        self.list.flyTo.connect(self.fly_to)
        self.annotator.selection_changed.connect(self._selection_changed)
        self.history.changed.connect(self._history_changed)
        self.docks = [
            self._dock("Annotation types", "types-dock", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea),
            self._dock("Annotations", "annotations-dock", self.list, Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock(
                "Properties", "properties-dock", scrolled(self.properties), Qt.DockWidgetArea.RightDockWidgetArea
            ),
        ]
        # the list shares the right column's top with the layers; properties sit below them
        window.tabifyDockWidget(window.layers_dock, self.docks[1])
        window.layers_dock.raise_()
        self._build_actions()
        self.edit_tools = EditToolsUi(window, self.annotator, self._action)
        resting = [self.edit_tools.actions[name] for name in ("scissor", "knife", "wand")]
        self.screening = ScreeningUi(window, store, self.edit_tools.menu, self._action, resting)
        self.finder = ImageFinder(window.images, window.images_dock)
        self.find_action = self._action("&Find an image\u2026", self.finder.start, "Ctrl+F")
        self.back_action = self._action("Active type to the &background", self.active_to_back, "B")
        window.view_menu.addAction(self.back_action)
        window.view_menu.addAction(self.find_action)
        self.label_keys = LabelKeys(window, self.label_key)

    def _dock(self, title: str, name: str, widget: object, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)  # type: ignore[arg-type]
        self.window.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot: object, *keys: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(slot)
        self.window.addAction(action)  # keys work wherever the focus is in the window
        return action

    def _build_actions(self) -> None:
        self.undo_action = self._action("&Undo", self.undo, "Ctrl+Z")
        self.redo_action = self._action("&Redo", self.redo, "Ctrl+Shift+Z", "Ctrl+Y")
        self.delete_action = self._action("&Delete selected", self.delete_selected, "Del", "X")
        self.mode_action = self._action("Toggle draw / select", self.annotator.toggle_mode, "C")
        self.help_action = self._action("&Keys\u2026", self.show_help, "F1")
        self.type_actions = [
            self._action(f"Type {(i + 1) % 10}", lambda _c=False, i=i: self.number_key(i), str((i + 1) % 10))
            for i in range(10)
        ]
        edit_menu = QMenu("&Edit", self.window)
        for action in (self.undo_action, self.redo_action, self.delete_action, self.mode_action):
            edit_menu.addAction(action)
        self.window.menuBar().insertMenu(self.window.menuBar().actions()[1], edit_menu)
        self.import_action = self._action("&Import annotations\u2026", self.choose_import)
        self.export_action = self._action("&Export annotations\u2026", self.choose_export)
        file_menu = self.window.file_menu
        first = file_menu.actions()[-1]  # before Quit
        file_menu.insertAction(first, self.import_action)
        file_menu.insertAction(first, self.export_action)
        file_menu.insertSeparator(first)
        help_menu = self.window.menuBar().addMenu("&Help")
        help_menu.addAction(self.help_action)
        self._update_undo_texts()

    # --- the shown image --------------------------------------------------------------------
    def image_shown(self, image: int | None, types: list[AnnotationType]) -> None:
        self.screening.stop()
        brought = brought_types(self.annotator.store, types)
        types = [t for t in types if t.id not in brought] + [t for t in types if t.id in brought]  # theirs last
        self.annotator.set_image(image, types)
        self.palette.rebuild(brought)
        self.list.set_types(types)

    def written_elsewhere(self) -> None:
        """Another process changed the project: the list, the selection and the labels as stored."""
        self.list.refresh()
        self.annotator.refresh()
        self.palette.rebuild()

    # --- commands ---------------------------------------------------------------------------
    def _guarded(self, what: str, call: object) -> object:
        try:
            return call()  # type: ignore[operator]
        except (StoreError, ValueError) as err:
            self.window.show_error(f"{what} failed: {err}")
            return None

    def undo(self) -> None:
        if self.annotator.undo_vertex():
            return
        label = self.history.undo_label()
        if label is not None:
            with busy(self.window, f"Undoing {label}\u2026"):  # an undone import of 200,000 writes for seconds
                done = self._guarded("Undo", self.history.undo)
            if done is not None:  # said: an undo may change what is not on screen (a closed review's decision)
                self.window.statusBar().showMessage(f"Undone: {label}", 10_000)

    def redo(self) -> None:
        label = self.history.redo_label()
        if label is not None:
            with busy(self.window, f"Redoing {label}\u2026"):
                done = self._guarded("Redo", self.history.redo)
            if done is not None:
                self.window.statusBar().showMessage(f"Redone: {label}", 10_000)

    def delete_selected(self) -> None:
        self._guarded("Delete", self.annotator.delete_selected)

    def number_key(self, index: int) -> None:
        said = self._guarded("Change of type", lambda: self.annotator.number_key(index))
        if said:
            self.window.statusBar().showMessage(str(said), 10_000)

    def label_key(self, digit: int) -> None:
        """Shift+digit (EXACT): set or take off the image's global label with that number."""
        said = self._guarded("Label", lambda: self.palette.label_key(digit))
        if said:
            self.window.statusBar().showMessage(str(said), 10_000)

    def active_to_back(self) -> None:
        """`b` (EXACT's key): the active type's layer is drawn under the others."""
        active = self.annotator.active
        if active is not None and self.window.layers.to_back((ANNOTATIONS, stored_id(active))):
            self.window.statusBar().showMessage(f"{active.name} is drawn under the other layers", 10_000)

    def show_help(self) -> HelpDialog:
        dialog = HelpDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # --- import and export -----------------------------------------------------------------
    def choose_import(self) -> None:
        if self.window.current_image_id() is None:
            self.window.show_error("Open an image of the project first: annotations are imported into it")
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Import annotations", "", ANNOTATION_FILTER)
        if path:
            self.import_file(Path(path), self._ask_to_skip)

    def import_file(self, path: Path, ask_to_skip: Callable[[ImportPlan], bool | str]) -> ImportResult | None:
        """Check the file, ask about bad features (by number, name and reason): repair the outlines
        that can be (`REPAIR`, asked again about what is left), import the rest (true) or nothing;
        then store them as one undoable edit."""
        image = self.window.current_image_id()
        if image is None:
            return None
        try:
            with busy(self.window, f"Checking {path.name}\u2026"):
                plan = plan_file(self.store, image, path)
            if plan.problems and not plan.annotation_count and not plan.repairable:  # no "Import the 0 valid?"
                lines = "\n".join(problem_lines(plan.problems, 15))
                self.window.show_error(f"Nothing can be imported from {path.name}: no feature is valid.\n\n{lines}")
                return None
            answer = ask_to_skip(plan) if plan.problems else True
            if answer == REPAIR:
                with busy(self.window, f"Repairing {path.name}\u2026"):
                    plan = plan_file(self.store, image, path, make_valid=True)
                answer = ask_to_skip(plan) if plan.problems else True
            if answer is not True:
                self.window.statusBar().showMessage(f"Nothing imported from {path.name}", 10_000)
                return None
            with busy(self.window, f"Importing {plan.annotation_count:,} annotations from {path.name}\u2026"):
                result = carry_out(self.store, plan, self.history)
        except (ExchangeError, StoreError) as err:
            self.window.show_error(f"Import failed: {err}")
            return None
        back = f" ({result.restored:,} of them deleted here before, now back)" if result.restored else ""
        skipped = f", {result.already_present:,} already here" if result.already_present else ""
        shown = f"Imported {result.stored:,} annotations from {path.name}{back}{skipped}"
        self.window.statusBar().showMessage(shown, 15_000)
        return result

    def _ask_to_skip(self, plan: ImportPlan) -> bool | str:
        box = QMessageBox(QMessageBox.Icon.Question, "Import annotations", import_question(plan), parent=self.window)
        repair = box.addButton("Repair and import", QMessageBox.ButtonRole.AcceptRole) if plan.repairable else None
        skip = box.addButton(f"Import the {plan.annotation_count:,} valid", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.exec()
        return REPAIR if repair is not None and box.clickedButton() is repair else box.clickedButton() is skip

    def choose_export(self) -> None:
        image = self.window.current_image_id()
        if image is None:
            self.window.show_error("Open an image of the project first: its annotations are exported")
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export annotations", "", ANNOTATION_FILTER)
        if path:
            try:
                count = export_file(self.store, image, Path(path))
            except (ExchangeError, StoreError) as err:
                self.window.show_error(f"Export failed: {err}")
                return
            self.window.statusBar().showMessage(f"Exported {count:,} annotations to {path}", 15_000)

    def fly_to(self, id: int, x0: float, y0: float, x1: float, y1: float) -> None:
        """Centre the annotation, zoomed so it fills about a third of the view, and select it."""
        state = self.window.view.state
        size = max(x1 - x0, y1 - y0, 1.0)
        room = max(1, min(state.viewport_width, state.viewport_height)) * _FLY_FILL
        state.set_downsample(max(0.25, size / room))
        state.center_on((x0 + x1) / 2, (y0 + y1) / 2)
        self.annotator.select([id])

    # --- observing --------------------------------------------------------------------------
    def _selection_changed(self, _sender: object, ids: list[int] = ()) -> None:  # type: ignore[assignment]
        if len(ids) == 1:
            self.list.select_id(ids[0])

    def _history_changed(self, _sender: object, edit: object = None) -> None:
        image = getattr(edit, "image", None)
        if image is not None and image != self.window.current_image_id():
            self.window.show_image(image)  # undo reaches across images: show where it happened
        self.annotator.refresh()
        self._update_undo_texts()

    def _update_undo_texts(self) -> None:
        undo, redo = self.history.undo_label(), self.history.redo_label()
        self.undo_action.setText(f"&Undo {undo}" if undo else "&Undo")
        self.redo_action.setText(f"&Redo {redo}" if redo else "&Redo")

    # --- geometry questions of the tools ----------------------------------------------------
    def _visible_layers(self) -> list:
        image = self.window.current_image_id()
        if image is None:
            return []
        return [layer for layer in self.window.layers.for_image(image, ANNOTATIONS) if layer.visible]

    def _vector_type(self, type_id: int) -> int:
        t = self.annotator.types.get(type_id)
        return t.vector_type if t else VectorType.BOUNDING_BOX

    def _hit(self, x: float, y: float, tolerance: float) -> int | None:
        image = self.window.current_image_id()
        if image is None:
            return None
        found = hit_test(self.store, image, self._visible_layers(), x, y, tolerance, self._vector_type)
        return found.id if found else None

    def _in_rect(self, rect: Rect) -> list[int]:
        """Annotations of the visible types lying wholly inside `rect` (a rubber band)."""
        image = self.window.current_image_id()
        types = tuple(layer.group for layer in self._visible_layers())
        if image is None or not types:
            return []
        found = self.store.viewport(ViewportQuery(image, rect, annotation_types=types))
        b = found.bboxes
        inside = (b[:, 0] >= rect.x) & (b[:, 1] >= rect.y) & (b[:, 2] <= rect.x + rect.w) & (b[:, 3] <= rect.y + rect.h)
        return [int(i) for i in found.ids[inside]]
