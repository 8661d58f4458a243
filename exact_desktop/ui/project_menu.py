"""File -> Open project... and File -> Recent projects: another project file opened from the
window, of the kind its file says (`project.opening`: a server's mirror is a server project
again), in a window of its own. This window keeps its project: every edit is already in its
file, so there is nothing to save, and a second window is the simplest safe way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QFileDialog

from exact_desktop.project.base import Project
from exact_desktop.project.opening import image_set_to_show, open_project
from exact_desktop.store.base import StoreError
from exact_desktop.ui.project_window import ProjectWindow
from exact_desktop.ui.settings import RecentProject, recent_projects

PROJECT_FILTER = "Projects (*.db);;All files (*)"


class ProjectMenu(QObject):
    opened = Signal(object)  # the window showing the project opened

    def __init__(self, window: ProjectWindow, make_window: Callable[[Project], ProjectWindow]) -> None:
        super().__init__(window)
        self.window, self.make_window = window, make_window
        self.windows: list[ProjectWindow] = []  # windows this one opened, kept alive
        menu = window.file_menu
        self.open_action = window._action("Open &project\u2026", None, self.choose_project, "Ctrl+Shift+O")
        self.recent_menu = menu.addMenu("&Recent projects")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self.list_recent)
        after_open_slide = menu.actions()[1]
        menu.insertAction(after_open_slide, self.open_action)
        menu.insertMenu(after_open_slide, self.recent_menu)
        self.list_recent()

    def choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", "", PROJECT_FILTER)
        if path:
            self.open_project_file(Path(path))

    def list_recent(self) -> None:
        """The recent projects, newest first; a file no longer there is shown disabled."""
        self.recent_menu.clear()
        recent = recent_projects()
        for number, project in enumerate(recent, 1):
            where = f"  (server {project.server})" if project.server else ""
            action = self.recent_menu.addAction(f"&{number % 10} {_shortened(project.path)}{where}")
            action.setToolTip(str(project.path))
            action.setEnabled(project.path.is_file())
            if not action.isEnabled():
                action.setText(f"{action.text()}  (missing)")
            action.triggered.connect(lambda _checked=False, p=project: self.open_project_file(p.path, p.image_set))
        self.recent_menu.setEnabled(bool(recent))

    def open_project_file(self, path: Path, image_set: int | None = None) -> ProjectWindow | None:
        """The project in a window of its own at `image_set` (else its first); one already open in
        a window is shown instead (one file, one window). A file that cannot be a project is named
        in a message, and nothing opens."""
        showing = _window_on(path)
        if showing is not None:
            showing.raise_()
            showing.activateWindow()
            return showing
        try:
            project = open_project(path, image_set)
        except StoreError as err:
            self.window.show_error(str(err))
            return None
        window = self.make_window(project)
        self.windows.append(window)
        window.show()
        shown = image_set_to_show(project, image_set)
        if shown is not None:
            window.open_image_set(shown)
        self.opened.emit(window)
        return window


def _window_on(path: Path) -> ProjectWindow | None:
    """The open window on the project file `path`, if any."""
    for widget in QApplication.topLevelWidgets():
        store_path = getattr(getattr(widget, "store", None), "path", None)
        shown = isinstance(widget, ProjectWindow) and widget.isVisible() and store_path is not None
        if shown and Path(store_path).resolve() == path.resolve():  # type: ignore[arg-type]
            return widget  # type: ignore[return-value]
    return None


def _shortened(path: Path) -> str:
    """The path with the home folder as ~, as a menu shows it."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


def remembered(window: ProjectWindow) -> RecentProject | None:
    """What the recent list keeps of the window's project: its file, image set and server."""
    path = getattr(window.store, "path", None)
    if path is None:
        return None
    return RecentProject(Path(path), window.image_set_id, window.mirror.url if window.mirror is not None else None)
