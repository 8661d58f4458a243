"""What the window's parts (annotating, plugins) may use of the main window: declared here so
they depend on this small surface, not on `main_window.py` (which builds them: no cycle)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QListWidget, QMainWindow, QMenu

from exact_desktop.model.layers import LayerList
from exact_desktop.project.base import Project
from exact_desktop.server.server import RunningServer
from exact_desktop.slides.base import SlideError, SlideSource
from exact_desktop.store.base import Store
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.ui.layers_panel import LayersPanel
from exact_desktop.viewer.candidate_marker import CandidateMarker
from exact_desktop.viewer.overlay_painter import OverlayPainter
from exact_desktop.viewer.slide_view import SlideView


class ProjectWindow(QMainWindow):
    project: Project | None  # None: slide files alone
    store: Store | None
    api: RunningServer | None
    view: SlideView
    layers: LayerList
    overlay: OverlayPainter | None
    candidate_marker: CandidateMarker  # the review's current candidate on the slide
    layers_panel: LayersPanel
    layers_dock: QDockWidget
    images: QListWidget
    images_dock: QDockWidget
    image_ids: list[int | None]
    sources: list[SlideSource]  # the slide behind each row of `images`
    image_set_id: int | None
    file_menu: QMenu
    view_menu: QMenu
    mirror: ExactMirror | None  # the server image set this project mirrors (None: a local project)
    editor: int | None  # the user the window's edits are stamped with (author, last editor)

    def _action(self, text: str, icon: str | None, slot: object, shortcut: str | None = None) -> QAction:
        raise NotImplementedError

    def open_image_set(self, image_set_id: int) -> list[SlideError]:
        raise NotImplementedError

    def current_image_id(self) -> int | None:
        raise NotImplementedError

    def replace_source(self, image_id: int, source: SlideSource) -> None:
        raise NotImplementedError

    def show_image(self, image_id: int) -> bool:
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        raise NotImplementedError
