"""The main window: image list, slide view, status bar with position, µm and magnification."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QScrollArea,
    QToolBar,
)

from exact_desktop.model.entities import AnnotationType, Image, ImageSet, VectorType, stored_id
from exact_desktop.model.layers import ANNOTATIONS, Layer, LayerList
from exact_desktop.model.scale_bar import magnification
from exact_desktop.paths import resource_path
from exact_desktop.project.base import Project
from exact_desktop.project.exact import ExactProject
from exact_desktop.slides.base import SlideError, SlideSource
from exact_desktop.slides.opener import open_slide
from exact_desktop.ui.annotation_ui import AnnotationUi
from exact_desktop.ui.exact_server_ui import ExactServerUi
from exact_desktop.ui.layers_panel import LayersPanel
from exact_desktop.ui.plugins_ui import PluginsUi
from exact_desktop.ui.project_menu import ProjectMenu, remembered
from exact_desktop.ui.project_window import ProjectWindow
from exact_desktop.ui.settings import last_image, remember_project, remember_recent, settings
from exact_desktop.viewer.candidate_marker import CandidateMarker
from exact_desktop.viewer.overlay_painter import OverlayPainter
from exact_desktop.viewer.slide_view import SlideView

SLIDE_PATTERNS = "*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.scn *.mrxs *.svslide *.bif *.dcm *.png *.jpg *.jpeg *.bmp"
SLIDE_FILTER = f"Slides ({SLIDE_PATTERNS});;All files (*)"
OUTSIDE_WRITES_EVERY_MS = 1000  # how often the window asks whether another process wrote to the project


class MainWindow(ProjectWindow):
    errorShown = Signal(str)

    def __init__(self, interactive_errors: bool = True, project: Project | None = None) -> None:
        """On `project` (as `project.opening` opens it: local, or a server's mirror); with none,
        on slide files alone."""
        super().__init__()
        self.project = project
        self.store = store = project.store if project is not None else None
        self.mirror = project.mirror if project is not None else None  # the server image set mirrored, if any
        self.editor = project.editor() if project is not None else None
        self.setWindowTitle("exact-desktop")
        self.resize(1600, 1000)
        self._interactive_errors = interactive_errors
        self.errors: list[str] = []
        self.sources: list[SlideSource] = []
        self.image_ids: list[int | None] = []  # the project's image behind each source, if any
        self.image_set_id: int | None = None
        self.view = SlideView(parent=self)
        self.setCentralWidget(self.view)
        self.layers = LayerList()
        self.overlay = (
            OverlayPainter(store, project.review_marks(), self.layers, self.current_image_id)
            if project is not None and store is not None
            else None
        )
        if self.overlay is not None:
            self.view.add_overlay(self.overlay)
        self.candidate_marker = CandidateMarker(self.current_image_id)
        self.view.add_overlay(self.candidate_marker)  # over the layers, under the tools' preview
        self.layers.changed.connect(self._layers_changed)
        self.layers_panel = LayersPanel(self.layers, self.current_image_id)
        layers_dock = self.layers_dock = QDockWidget("Layers", self)
        layers_dock.setObjectName("layers-dock")
        layers_scroll = QScrollArea()  # many layers scroll instead of stretching the window
        layers_scroll.setWidgetResizable(True)
        layers_scroll.setWidget(self.layers_panel)
        layers_dock.setWidget(layers_scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, layers_dock)
        self.resizeDocks([layers_dock], [340], Qt.Orientation.Horizontal)  # the slide keeps the room
        self.images = QListWidget()
        self.images.currentRowChanged.connect(self._show_row)
        dock = QDockWidget("Images", self)
        self.images_dock = dock
        dock.setObjectName("images-dock")
        dock.setWidget(self.images)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self._build_status_bar()
        self._build_actions()
        self.annotation = AnnotationUi(self, store) if store is not None else None
        session = project.plugin_session() if project is not None else None
        self.api = session.api if session is not None else None  # the project served for plugin processes
        self.plugins = PluginsUi(self, session) if session is not None else None
        self.server_ui = ExactServerUi(self, lambda mirror: MainWindow(interactive_errors, ExactProject(mirror)))
        self.project_menu = ProjectMenu(self, lambda project: MainWindow(interactive_errors, project))
        self.view.cursorMoved.connect(self._show_cursor)
        self.view.state.changed.connect(self._show_magnification)
        self.view.readFailed.connect(self.show_error)
        self.view.editFailed.connect(self.show_error)
        self._outside_writes = QTimer(self, interval=OUTSIDE_WRITES_EVERY_MS, timeout=self._check_outside_writes)
        if store is not None:  # a file other processes (the command line) may write to
            store.outside_writes()  # from now on
            self._outside_writes.start()
        self._restore_layout()

    # --- building ---------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.position_label = QLabel("")
        self.micron_label = QLabel("")
        self.magnification_label = QLabel("")
        for label in (self.position_label, self.micron_label, self.magnification_label):
            label.setMinimumWidth(150)
            self.statusBar().addPermanentWidget(label)

    def _action(self, text: str, icon: str | None, slot: object, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(QIcon(str(resource_path(f"icons/{icon}.svg"))))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        # Keys the view handles itself (+, -, H, arrows) are shown after a tab, not registered twice.
        self.open_action = self._action("&Open slide\u2026", "open", self.choose_files, "Ctrl+O")
        quit_action = self._action("&Quit", None, self.close, "Ctrl+Q")
        self.zoom_in_action = self._action("Zoom &in\t+", "zoom-in", self.view.zoom_in)
        self.zoom_out_action = self._action("Zoom &out\t-", "zoom-out", self.view.zoom_out)
        self.fit_action = self._action("&Fit slide\tH", "fit", self.view.fit)
        # EXACT's r and f work wherever the focus is in the window, as its other keys do
        self.rotate_action = self._action("&Rotate the view a quarter turn", None, self.view.rotate, "R")
        self.flip_action = self._action("F&lip the view left to right", None, self.view.flip, "F")
        self.overview_action = self._action("Show &overview", None, self._toggle_overview)
        self.overview_action.setCheckable(True)
        self.overview_action.setChecked(True)
        self.toggle_layers_action = self._action("Show or hide all &layers", None, self.toggle_all_layers, "Y")
        self.previous_action = self._action("&Previous image", None, lambda: self.step_image(-1), "Q")
        self.next_action = self._action("&Next image", None, lambda: self.step_image(1), "E")
        file_menu = self.file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        view_menu = self.view_menu = self.menuBar().addMenu("&View")
        for action in (
            self.zoom_in_action,
            self.zoom_out_action,
            self.fit_action,
            self.rotate_action,
            self.flip_action,
        ):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.previous_action)
        view_menu.addAction(self.next_action)
        view_menu.addSeparator()
        view_menu.addAction(self.overview_action)
        view_menu.addAction(self.toggle_layers_action)
        view_menu.addSeparator()
        self.panels_menu = view_menu.addMenu("&Panels")
        self.panels_menu.aboutToShow.connect(self._list_panels)
        toolbar = QToolBar("Navigation", self)
        toolbar.setObjectName("navigation-toolbar")
        for action in (self.open_action, self.zoom_in_action, self.zoom_out_action, self.fit_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)

    # --- slides -----------------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open slides", "", SLIDE_FILTER)
        self.open_paths([Path(p) for p in paths])

    def open_paths(self, paths: list[Path]) -> list[SlideError]:
        """Open each slide; failures are reported (named) and the rest still open."""
        return self._open([(path.name, path) for path in paths])

    def open_image_set(self, image_set_id: int) -> list[SlideError]:
        """Show the images of an image set of the project (those with a local file)."""
        assert self.store is not None, "an image set needs a project"
        image_set = self.store.get(ImageSet, image_set_id)
        self.images_dock.setWindowTitle(f"Image set: {image_set.name}")
        self.image_set_id = image_set_id
        self._show_title()
        recent = remembered(self)
        if recent is not None:
            remember_recent(recent)
        project = self.project
        assert project is not None
        images = [i for i in self.store.list(Image, image_set=image_set_id) if project.shows(i)]
        openers = [(i.name, lambda i=i: project.slide_for(i)) for i in images]
        failures = self._open_each(openers, [stored_id(image) for image in images])
        path = getattr(self.store, "path", None)
        last = last_image(Path(path)) if path is not None else None
        if last is not None:
            self.show_image(last)
        return failures

    def _open(self, named_paths: list[tuple[str, Path]], ids: list[int | None] | None = None) -> list[SlideError]:
        return self._open_each([(name, lambda p=path: open_slide(p)) for name, path in named_paths], ids)

    def _open_each(
        self, openers: list[tuple[str, Callable[[], SlideSource]]], ids: list[int | None] | None = None
    ) -> list[SlideError]:
        failures: list[SlideError] = []
        first_new = len(self.sources)
        for index, (name, opener) in enumerate(openers):
            try:
                source = opener()
            except SlideError as err:
                failures.append(err)
                self.show_error(str(err))
                continue
            self.sources.append(source)
            self.image_ids.append(ids[index] if ids else None)
            item = QListWidgetItem(name)
            item.setToolTip(str(source.path))
            self.images.addItem(item)
        if len(self.sources) > first_new:
            self.images.setCurrentRow(first_new)
        return failures

    def step_image(self, step: int) -> None:
        """q / e: the previous or next image of the list."""
        row = self.images.currentRow() + step
        if 0 <= row < self.images.count():
            self.images.setCurrentRow(row)

    def show_image(self, image_id: int) -> bool:
        """Show the project's image `image_id` if it is in the list."""
        if image_id in self.image_ids:
            self.images.setCurrentRow(self.image_ids.index(image_id))
            return True
        return False

    def replace_source(self, image_id: int, source: SlideSource) -> None:
        """Shows image `image_id` from `source` from now on (a slide downloaded, say)."""
        row = self.image_ids.index(image_id)
        self.sources[row] = source
        self.images.item(row).setToolTip(str(source.path))
        if self.images.currentRow() == row:
            self._show_row(row)

    def current_image_id(self) -> int | None:
        row = self.images.currentRow()
        return self.image_ids[row] if 0 <= row < len(self.image_ids) else None

    def _show_row(self, row: int) -> None:
        source = self.sources[row] if 0 <= row < len(self.sources) else None
        self.view.set_source(source)
        self._sync_annotation_layers()
        if self.plugins is not None:
            self.plugins.image_shown()
        self._show_title()
        if source is not None:
            self._show_magnification()

    def _show_title(self) -> None:
        """The slide shown and, in a window on a server, the image set and the server."""
        parts = []
        source = self.view.source
        if source is not None:
            width, height = source.dimensions
            mpp = f", {source.mpp:.3f} µm/px" if source.mpp else ""
            parts.append(f"{source.path.name} ({width:,} x {height:,} px{mpp})")
        if self.mirror is not None and self.store is not None and self.image_set_id is not None:
            parts.append(f"{self.store.get(ImageSet, self.image_set_id).name} on {self.mirror.url}")
        self.setWindowTitle(" - ".join([*parts, "exact-desktop"]))

    def _image_types(self, image_id: int) -> list[AnnotationType]:
        """The annotation types of the image set's products, in palette order."""
        assert self.store is not None
        image_set = self.store.get(ImageSet, self.store.get(Image, image_id).image_set)
        types = self.store.list(AnnotationType, product__in=image_set.product_set) if image_set.product_set else []
        return sorted(types, key=lambda t: (t.sort_order, t.name))

    def _sync_annotation_layers(self) -> None:
        """One layer per annotation type of the image set's products (global labels draw nothing)."""
        image_id = self.current_image_id()
        if self.store is None:
            return
        if image_id is None:
            if self.annotation is not None:
                self.annotation.image_shown(None, [])
            return
        types = self._image_types(image_id)
        if self.annotation is not None:
            self.annotation.image_shown(image_id, types)
        fresh = [
            Layer(ANNOTATIONS, stored_id(t), t.name, image_id, t.color_code, opacity=1.0)
            for t in types
            if t.vector_type != VectorType.GLOBAL
        ]
        self.layers.sync(image_id, ANNOTATIONS, fresh)

    def _check_outside_writes(self) -> None:
        """Another process wrote to the project (a pull or an import from the command line):
        what the window shows is read again, with no restart. The image's types are read again
        after any commit, this process's own too: a type made here (the plugin manager's, a pull
        of a server's results) joins the palette and the layers as one made elsewhere does."""
        assert self.store is not None
        writes = self.store.outside_writes()
        theirs = writes.news()
        if not writes.commits():  # (theirs is one)
            return
        if theirs and self.overlay is not None:
            self.overlay.refresh_all()
        image_id = self.current_image_id()
        if image_id is None:
            return
        annotation = self.annotation
        if annotation is not None:
            if {stored_id(t): t for t in self._image_types(image_id)} != annotation.annotator.types:
                self._sync_annotation_layers()  # types came, went or changed: palette and layers anew
            elif theirs:
                annotation.written_elsewhere()
        if theirs:
            if self.plugins is not None:
                self.plugins.image_shown()
            self.view.update()

    def _layers_changed(self, _sender: object) -> None:
        self.view.update()

    def toggle_all_layers(self) -> None:
        """`y`: hide every layer of the image, or show them all again."""
        image_id = self.current_image_id()
        if image_id is None:
            return
        shown = self.layers.for_image(image_id)
        self.layers.set_all(image_id, visible=not any(layer.visible for layer in shown))

    def show_error(self, message: str) -> None:
        self.errors.append(message)
        self.statusBar().showMessage(message, 15000)
        self.errorShown.emit(message)
        if self._interactive_errors:
            box = QMessageBox(QMessageBox.Icon.Warning, "exact-desktop", message, QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    # --- status bar -------------------------------------------------------------------------
    def _show_cursor(self, x: float, y: float) -> None:
        self.position_label.setText(f"x {x:,.0f}  y {y:,.0f} px")
        mpp = self.view.source.mpp if self.view.source else None
        self.micron_label.setText(f"{x * mpp:,.1f}, {y * mpp:,.1f} µm" if mpp else "")

    def _show_magnification(self, _state: object = None) -> None:
        source = self.view.source
        if source is None:
            self.magnification_label.setText("")
            return
        ds = self.view.state.downsample
        mag = magnification(source.objective_power, source.mpp, ds)
        zoom = f"{100 / ds:.1f} %"
        self.magnification_label.setText(f"{mag:.2f}x  ({zoom})" if mag else zoom)

    def _list_panels(self) -> None:
        """Every dock of the window, listed when the menu opens (docks come with plugins, a server,
        a review), so one a saved layout hid can be shown again; the review, when none is open."""
        self.panels_menu.clear()
        for dock in sorted(self.findChildren(QDockWidget), key=lambda d: d.windowTitle()):
            self.panels_menu.addAction(dock.toggleViewAction())
        if self.plugins is not None and self.findChild(QDockWidget, "review-dock") is None:
            self.panels_menu.addAction(self.plugins.review_action)

    def _toggle_overview(self, checked: bool) -> None:
        self.view.overview.setVisible(checked and self.view.source is not None)

    # --- what the window remembers ---------------------------------------------------------
    def _restore_layout(self) -> None:
        s = settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)  # type: ignore[arg-type]
        if state is not None:
            self.restoreState(state)  # type: ignore[arg-type]

    def remember(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()
        path = getattr(self.store, "path", None)
        if path is not None:
            remember_project(Path(path), self.image_set_id, self.current_image_id())

    def closeEvent(self, event: object) -> None:  # noqa: N802
        self._outside_writes.stop()
        self.remember()
        self.server_ui.close()
        if self.plugins is not None:
            self.plugins.close()
        self.view.set_source(None)
        if self.overlay is not None:
            self.overlay.close()
        for source in self.sources:
            source.close()
        self.api = None  # stopped with the plugins
        if self.store is not None:
            self.store.close()
        super().closeEvent(event)  # type: ignore[arg-type]
