"""The window's server part: Connect to EXACT server, Synchronise, and pushing edits as they come.

Syncs run on a worker thread (one at a time); the window shows their progress and summary. On
a server project every edit is in the outbox when it is made; a timer pushes it a moment later,
and keeps trying while the server cannot be reached, so nothing waits on the network. Every
30 s it also pulls what others changed on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QProgressDialog

from exact_desktop.rest.errors import ExactApiError
from exact_desktop.slides.base import SlideError
from exact_desktop.slides.opener import open_slide
from exact_desktop.store.base import StoreError
from exact_desktop.sync.engine import SyncSummary
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.sync.failure import sync_failure
from exact_desktop.ui.conflicts_panel import ConflictsPanel
from exact_desktop.ui.connect_dialog import ConnectDialog
from exact_desktop.ui.project_window import ProjectWindow

PUSH_EVERY_MS = 3000
PULL_EVERY_TICKS = 10  # the server's own changes are fetched every 30 s (last_edit_time__gte)
SYNC_CLOSE_WAIT_S = 30  # a closing window waits this long for a running sync before closing its store


class _Bridge(QObject):
    progressed = Signal(str, int, int)
    finished = Signal(object)  # a SyncSummary, or the error's message


class ExactServerUi(QObject):
    synced = Signal(object)  # SyncSummary or str, after every sync this window ran
    opened = Signal(object)  # the new window showing a server's image set
    downloaded = Signal(object)  # the path of an original slide file, once it is shown

    def __init__(self, window: ProjectWindow, make_window: Callable[[ExactMirror], ProjectWindow]) -> None:
        super().__init__(window)
        self.window, self.make_window = window, make_window
        self.mirror: ExactMirror | None = window.mirror
        self.running = False
        self._sync_thread: threading.Thread | None = None
        self._ticks = 0
        self.windows: list[ProjectWindow] = []  # windows this one opened, kept alive
        self.connect_action = window._action("&Connect to EXACT server\u2026", None, self.choose_server)
        window.file_menu.insertAction(window.file_menu.actions()[1], self.connect_action)
        if self.mirror is not None:
            self.sync_action = window._action("&Synchronise", None, lambda: self.sync("both"), "Ctrl+Shift+S")
            window.file_menu.insertAction(window.file_menu.actions()[2], self.sync_action)
            self.download_action = window._action("&Download original slide", None, self.download_current)
            window.file_menu.insertAction(window.file_menu.actions()[3], self.download_action)
            self.conflicts = ConflictsPanel(self.mirror)
            dock = QDockWidget("Sync conflicts", window)
            dock.setObjectName("conflicts-dock")
            dock.setWidget(self.conflicts)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            window.tabifyDockWidget(window.layers_dock, dock)
            window.layers_dock.raise_()
            self.conflicts_dock = dock
            self.synced.connect(lambda _outcome: self.conflicts.refresh())
            self.timer = QTimer(self)
            self.timer.timeout.connect(self._push_if_waiting)
            self.timer.start(PUSH_EVERY_MS)

    def close(self) -> None:
        """No more pushes from this window; a running sync is waited for (up to SYNC_CLOSE_WAIT_S),
        as the window closes its store next and the sync writes to it (what it had not stored
        waits in the outbox for the next start)."""
        if self.mirror is not None:
            self.timer.stop()
        if self._sync_thread is not None:
            self._sync_thread.join(SYNC_CLOSE_WAIT_S)

    # --- connect ------------------------------------------------------------------------------
    def choose_server(self) -> None:
        dialog = ConnectDialog(self.window)
        if dialog.exec() and dialog.connection is not None and dialog.chosen_set is not None:
            self.open_server_set(ExactMirror(dialog.connection, dialog.chosen_set))

    def open_server_set(self, mirror: ExactMirror) -> None:
        """Pulls the set into its mirror (with progress), then shows it in a new window."""
        progress = QProgressDialog(f"Fetching from {mirror.url}\u2026", "", 0, 0, self.window)
        progress.setCancelButton(None)
        progress.setMinimumDuration(300)

        def done(outcome: object) -> None:
            progress.close()
            if isinstance(outcome, str):
                self.window.show_error(outcome)
                return
            window = self.make_window(mirror)
            self.windows.append(window)
            window.open_image_set(mirror.image_set())
            window.show()
            self.opened.emit(window)

        self._run(mirror, "pull", done, progress)

    # --- the original slide file ----------------------------------------------------------------
    def download_current(self) -> None:
        """Downloads the shown image's original file (with progress; a cut download continues
        where it stopped when asked again), then shows the image from that file."""
        image_id = self.window.current_image_id()
        if self.mirror is None or image_id is None:
            return
        mirror = self.mirror
        progress = QProgressDialog(f"Downloading from {mirror.url}\u2026", "", 0, 0, self.window)
        progress.setCancelButton(None)
        progress.setMinimumDuration(300)
        bridge = _Bridge(self)

        def shown(_stage: str, kib: int, total_kib: int) -> None:  # KiB: a dialog counts in 32-bit ints
            progress.setMaximum(total_kib)
            progress.setValue(min(kib, total_kib) if total_kib else 0)

        bridge.progressed.connect(shown)

        def done(outcome: object) -> None:
            progress.close()
            if isinstance(outcome, str):
                self.window.show_error(outcome)
                return
            try:
                self.window.replace_source(image_id, open_slide(outcome))  # type: ignore[arg-type]
            except SlideError as err:
                self.window.show_error(str(err))
                return
            self.downloaded.emit(outcome)

        bridge.finished.connect(done)

        def work() -> None:
            try:
                outcome: object = mirror.download_original(
                    image_id, lambda d, t: bridge.progressed.emit("download", d >> 10, (t or 0) >> 10)
                )
            except (ExactApiError, StoreError, LookupError, OSError) as err:
                outcome = f"Download from {mirror.url} stopped (run it again to continue): {err}"
            bridge.finished.emit(outcome)

        threading.Thread(target=work, name="download-original", daemon=True).start()

    # --- sync ---------------------------------------------------------------------------------
    def sync(self, direction: str) -> None:
        if self.mirror is None or self.running:
            return
        self._run(self.mirror, direction, self._report)

    def _report(self, outcome: object) -> None:
        if isinstance(outcome, str):
            self.window.statusBar().showMessage(outcome, 15000)
        else:
            s: SyncSummary = outcome  # type: ignore[assignment]
            text = f"Synchronised: {s.pulled:,} pulled, {s.pushed:,} pushed, {s.conflicts} conflicts"
            if s.errors:
                text += f", {len(s.errors)} problems (first: {s.errors[0]})"
            elif s.notes:
                text += f"; {s.notes[0]}"
            self.window.statusBar().showMessage(text, 15000)
            if s.conflicts:  # both versions are kept; the panel lists them for the person to resolve
                self.conflicts_dock.raise_()
        self.synced.emit(outcome)

    def _push_if_waiting(self) -> None:
        if self.mirror is None or self.running:
            return
        self._ticks += 1
        if self._ticks % PULL_EVERY_TICKS == 0:
            self._run(self.mirror, "both", self._report)
        elif self.mirror.waiting():
            self._run(self.mirror, "push", lambda outcome: self.synced.emit(outcome))

    def _run(self, mirror: ExactMirror, direction: str, done: Callable[[object], None],
             progress: QProgressDialog | None = None) -> None:  # fmt: skip
        bridge = _Bridge(self)
        if progress is not None:
            bridge.progressed.connect(lambda _stage, n, total: progress.setLabelText(
                f"{direction.capitalize()} {mirror.url}: {n:,} annotations"))  # fmt: skip
        bridge.finished.connect(lambda outcome: (setattr(self, "running", False), done(outcome)))
        self.running = True

        def work() -> None:
            try:
                outcome: object = mirror.sync(direction, bridge.progressed.emit)
            except ExactApiError as err:
                outcome = sync_failure(mirror.url, err)
            except (StoreError, LookupError) as err:
                outcome = f"Sync with {mirror.url} stopped, nothing is lost: {err}"
            bridge.finished.emit(outcome)

        self._sync_thread = threading.Thread(target=work, name=f"sync-{direction}", daemon=True)
        self._sync_thread.start()
