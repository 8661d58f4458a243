"""The plugin parts of the main window: menu actions, run dialog, jobs and layers docks, poller.

What runs where is the project's plugin session (`project/plugin_session.py`): in a local project the
jobs run on their queue against the project served on loopback; in a server's mirror they are
the server's, worked on by processes on this machine, their results pulled into the mirror. The
poller follows them and the result layers of the shown image appear while they run.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMessageBox

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.model.jobs import JobList, JobView
from exact_desktop.model.layers import RESULTS, Layer
from exact_desktop.plugins.jobs import ParameterError
from exact_desktop.plugins.registry import PluginRegistryError
from exact_desktop.project.plugin_session import PluginSession
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.review.audit import DEFAULT_SAMPLE
from exact_desktop.review.provenance import described_origin, origins
from exact_desktop.review.session import ReviewSession
from exact_desktop.store.base import Store, StoreError
from exact_desktop.ui.audit_dialog import AuditDialog
from exact_desktop.ui.background import in_background
from exact_desktop.ui.exact_plugin_manager import ExactPluginManager
from exact_desktop.ui.job_poller import CANNOT_READ, JobPoller
from exact_desktop.ui.jobs_panel import JobsPanel
from exact_desktop.ui.plugin_manager import PluginManager
from exact_desktop.ui.project_window import ProjectWindow
from exact_desktop.ui.review_dock import open_review, open_verification, slides_of
from exact_desktop.ui.review_panel import ReviewPanel
from exact_desktop.ui.run_plugin_dialog import RunPluginDialog

PLUGIN_FAILURES = (PluginRegistryError, StoreError, LookupError)
NOTHING_YET = "#FFFF00"  # a result layer's colour before its entry has a result (and so a type)


class PluginsUi:
    def __init__(self, window: ProjectWindow, session: PluginSession) -> None:
        self.window = window
        self.store: Store = window.store  # type: ignore[assignment]
        self.session = session
        self.interrupted = session.interrupted
        self._shown: int | None = None  # the image shown, as the poller thread may read it
        self.jobs = JobList()
        self.layers, self.overlay, self.layers_panel = window.layers, window.overlay, window.layers_panel
        assert self.overlay is not None, "plugins need a project"
        self.jobs_panel = JobsPanel(self.jobs)
        self.jobs_panel.cancelRequested.connect(self.cancel)
        self.jobs_panel.retryRequested.connect(self.retry)
        self.layers_panel.acceptRequested.connect(lambda entry: self.accept(entry, ask=True))
        dock = self.jobs_dock = QDockWidget("Jobs", window)
        dock.setObjectName("jobs-dock")
        dock.setWidget(self.jobs_panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        window.resizeDocks([dock], [self.jobs_panel.minimumSizeHint().height()], Qt.Orientation.Vertical)
        self.run_action = QAction("&Run plugin on image set\u2026", window)
        self.run_action.triggered.connect(self.show_run_dialog)
        self.manage_action = QAction("&Manage plugins…", window)
        self.manage_action.triggered.connect(self.show_manager)
        menu = window.menuBar().addMenu("&Plugins")
        self.review_action = QAction("Re&view results…", window)
        self.review_action.setShortcut("Ctrl+R")
        self.review_action.triggered.connect(self.open_review)
        self.verify_action = QAction("&Verify annotations of a type…", window)
        self.verify_action.triggered.connect(self.ask_verification)
        menu.addAction(self.run_action)
        menu.addAction(self.review_action)
        menu.addAction(self.verify_action)
        menu.addAction(self.manage_action)
        self.manager: PluginManager | ExactPluginManager | None = None
        window.images.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        window.images.addAction(self.run_action)
        self.run_dialog: RunPluginDialog | None = None
        self.poller = JobPoller(self.fetch_jobs)
        self.poller.polled.connect(self._polled)
        self.poller.problem.connect(window.statusBar().showMessage)
        self.poller.recovered.connect(self._jobs_read_again)
        self.poller.start()
        if session.ready_plugins() is None:  # described now, so the run dialog and the manager find them ready
            in_background(window, session.plugins, self._plugins_read, PLUGIN_FAILURES, "read-plugins")

    def _plugins_read(self, outcome: object) -> None:
        if isinstance(outcome, str):
            self.window.statusBar().showMessage(f"The plugins here cannot all be read: {outcome}", 15_000)

    # --- jobs -------------------------------------------------------------------------------------
    def fetch_jobs(self) -> list[JobView]:
        """Runs on the poller thread: the project's jobs as the panel shows them, and the shown
        image's results pulled in where they are made elsewhere (off the GUI thread)."""
        jobs = self.session.jobs()
        if self._shown is not None:  # cheap when nothing is new: one count per result entry
            for problem in self.session.pull_results(self._shown).problems:
                self.poller.problem.emit(problem)
        return jobs

    def _jobs_read_again(self) -> None:
        """The server answers again: its old "cannot read the jobs" goes from the status bar."""
        if self.window.statusBar().currentMessage().startswith(CANNOT_READ):
            self.window.statusBar().showMessage("The jobs are read again", 5000)

    def _polled(self, jobs: list[JobView]) -> None:
        if not shiboken6.isValid(self.window.images):  # a poll that finished after its window was closed
            return
        changed = self.jobs.update(jobs)
        self.image_shown()
        if changed or any(j.active for j in jobs):
            self.overlay.refresh()  # a job moved on: it may have written results
            self.window.view.update()

    def show_run_dialog(self) -> RunPluginDialog | None:
        """Up at once; on a server the plugins here are read (described, the first time) off the
        GUI thread and fill the dialog in when they arrive."""
        plugins = self.session.ready_plugins()
        if self.window.image_set_id is None or plugins == []:
            self.window.show_error("Run a plugin: open an image set of a project with registered plugins first.")
            return None
        selected = len(self.window.images.selectedItems())
        dialog = self.run_dialog = RunPluginDialog(plugins, selected, self.window, self._last_values)
        dialog.accepted.connect(self._dialog_accepted)
        dialog.open()
        if plugins is None:
            in_background(dialog, self.session.plugins, dialog.set_plugins, PLUGIN_FAILURES, "read-plugins")
        return dialog

    def _last_values(self, plugin: e.Plugin) -> dict[str, Any]:
        """The parameters of the plugin's latest job on the shown image set (a local project's:
        a server's plugin records are not this project's)."""
        images = [id for id in self.window.image_ids if id is not None]
        if self.session.on_server() is not None or not images or plugin.id is None:
            return {}
        jobs = self.store.list(e.PluginJob, plugin=plugin.id, image__in=images)
        latest = max(jobs, key=lambda j: (j.created_time, stored_id(j)), default=None)
        return dict(latest.parameters or {}) if latest is not None else {}

    def show_manager(self) -> PluginManager | ExactPluginManager:
        server = self.session.on_server()
        if server is not None:  # a server's records, and registering the plugins here there
            self.manager = ExactPluginManager(server, self.window)
            self.manager.open()
            return self.manager
        products = self.store.list(e.Product)
        product = products[0].id if products else self.store.create(e.Product("Plugins")).id
        listed = self.session.plugins  # not a plugin test's record, there while it runs elsewhere
        self.manager = PluginManager(self.store, product, self.window, listed=listed)  # type: ignore[arg-type]
        self.manager.testRequested.connect(self.test_on_shown_image)
        self.manager.open()
        return self.manager

    def test_on_shown_image(self, plugin_id: int) -> list[int]:
        image = self.window.current_image_id()
        if image is None:
            self.window.show_error("Test a plugin: show an image of the project first.")
            return []
        return self.run(self.store.get(e.Plugin, plugin_id), {}, [image], run_again=True)

    def _dialog_accepted(self) -> None:
        dialog = self.run_dialog
        assert dialog is not None
        images = None
        if dialog.selected_images.isChecked():
            rows = sorted(self.window.images.row(item) for item in self.window.images.selectedItems())
            images = [self.window.image_ids[r] for r in rows if self.window.image_ids[r] is not None]
        self.run(dialog.plugin, dialog.values(), images, dialog.run_again.isChecked())

    def run(
        self, plugin: e.Plugin, params: dict[str, object], images: list[int] | None = None, run_again: bool = False
    ) -> list[int]:
        if run_again and not self._forgetting_decisions_confirmed(plugin, images):
            return []
        try:
            ids, skipped = self.session.submit(plugin, params, self.window.image_set_id, images, run_again)  # type: ignore[arg-type]
        except (ParameterError, ExactApiError) as err:
            self.window.show_error(f"{plugin.name}{self.session.where}: {err}")
            return []
        if skipped:
            self.window.statusBar().showMessage(f"{len(skipped)} image(s) skipped: {self.session.skipped_why}", 10000)
        if ids:
            self.jobs_dock.show()  # a job queued is seen, even where a saved layout had hidden the jobs
            self.jobs_dock.raise_()
        return ids

    def _forgetting_decisions_confirmed(self, plugin: e.Plugin, images: list[int] | None) -> bool:
        """Running again replaces the plugin's results on the images: a new result that repeats a
        decided one keeps its decision (carried_decisions.py), the others' decisions go. Said, and
        asked, before any is lost (an outside tester lost 128 unwarned)."""
        chosen = images if images is not None else [id for id in self.window.image_ids if id is not None]
        decided, rejected = ReviewSession.decided_by_plugin(self.store, chosen, plugin.name)
        if not decided:
            return True
        text = (f"Running {plugin.name} again replaces its results on these images with new ones. "
                f"{decided:,} of the old results have review decisions ({rejected:,} of them rejections): "
                "a new result that repeats one (the same box or outline, of the same type) keeps its decision "
                "and the annotation an accept made; the decisions on results the new run does not find "
                "again are forgotten (the annotations accepts made stay, and a result found again in a later "
                "run takes its accept back). Other parameters usually change the boxes a plugin finds, and "
                "with them which results are found again.")  # fmt: skip
        no, yes = QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes
        answer = QMessageBox.question(self.window, "Run again", text + "\n\nRun again?", yes | no, no)  # No by default
        return answer == QMessageBox.StandardButton.Yes

    def cancel(self, job_id: int) -> None:
        self.session.cancel(job_id)

    def retry(self, job_id: int) -> None:
        self.session.retry(job_id, self.jobs.jobs[job_id].plugin if job_id in self.jobs.jobs else "")

    def open_review(self) -> ReviewPanel | None:
        """The review panel over the image set's results (ui/review_dock.py)."""
        assert self.window.annotation is not None, "reviewing needs a project"  # type: ignore[attr-defined]
        return open_review(self.window, self.window.annotation.history)  # type: ignore[attr-defined]

    def ask_verification(self) -> ReviewPanel | None:
        """Plugins -> Verify annotations of a type: the types the image set has annotations of,
        with their counts, to pick one."""
        images = [id for id in self.window.image_ids if id is not None]  # type: ignore[attr-defined]
        counts = {
            t.id: self.store.count(e.Annotation, image__in=images, annotation_type=t.id, deleted=False)
            for t in self.store.list(e.AnnotationType)
        }
        types = [t for t in self.store.list(e.AnnotationType) if counts[t.id]]
        if not types:
            self.window.statusBar().showMessage("Nothing to verify: no annotations on these images", 10000)  # type: ignore[attr-defined]
            return None
        names = [f"{t.name} ({counts[t.id]:,})" for t in types]
        name, ok = QInputDialog.getItem(self.window, "Verify annotations", "Annotation type:", names, 0, False)  # type: ignore[arg-type]
        return self.open_verification(types[names.index(name)].id) if ok else None  # type: ignore[arg-type]

    def open_verification(self, annotation_type: int) -> ReviewPanel | None:
        """The image set's annotations of the type in the review dock (ui/review_dock.py)."""
        assert self.window.annotation is not None, "verifying needs a project"  # type: ignore[attr-defined]
        return open_verification(self.window, self.window.annotation.history, annotation_type)  # type: ignore[attr-defined]

    def accept(self, entry: int, ask: bool = False) -> int:
        """The entry's undecided candidates at or above its layer's threshold become annotations,
        as one undoable edit with their provenance (review/); `ask` names the count first and
        offers an audited accept (a sample reviewed first)."""
        session, layer = self._band(entry)
        count = len(session.band_rows())
        if ask:
            if count == 0:
                return 0
            question = QMessageBox(QMessageBox.Icon.Question, "Accept candidates",
                                   f"Accept {count:,} undecided candidates of {layer.name} scoring at least "
                                   f"{layer.threshold:.2f}?", parent=self.window)  # fmt: skip
            everything = question.addButton("Accept all", QMessageBox.ButtonRole.AcceptRole)
            audited = question.addButton(
                f"Review a sample of {DEFAULT_SAMPLE} first", QMessageBox.ButtonRole.ActionRole
            )
            question.addButton(QMessageBox.StandardButton.Cancel)
            question.exec()
            if question.clickedButton() is audited:
                self.audit(entry)
                return 0
            if question.clickedButton() is not everything:
                return 0
        made = session.bulk_accept()
        self.window.statusBar().showMessage(f"{made:,} annotations made from {layer.name} (Ctrl+Z undoes)", 10000)
        return made

    def audit(self, entry: int, size: int = DEFAULT_SAMPLE, seed: int | None = None) -> AuditDialog:
        """The audited accept of the entry's band, in a dialog (open, not blocking)."""
        session, layer = self._band(entry)
        dialog = AuditDialog(session, slides_of(self.window), size, seed, parent=self.window)

        def done() -> None:
            if dialog.outcome is not None:
                estimate, made = dialog.outcome
                self.window.statusBar().showMessage(
                    f"{made:,} annotations made from {layer.name}; precision {estimate.precision:.2f} "
                    f"(95 %: {estimate.low:.2f}-{estimate.high:.2f}) from {estimate.sample} reviewed", 20000
                )  # fmt: skip

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def _band(self, entry: int) -> tuple[ReviewSession, Layer]:
        layer = self.layers.get((RESULTS, entry))
        assert layer is not None, f"no layer shows result entry {entry}"
        assert self.window.annotation is not None, "accepting needs a project"  # type: ignore[attr-defined]
        session = ReviewSession(self.store, self.window.annotation.history, [entry], self.window.editor)  # type: ignore[attr-defined]
        session.threshold = layer.threshold
        return session, layer

    # --- layers ------------------------------------------------------------------------------------
    def image_shown(self) -> None:
        image = self._shown = self.window.current_image_id()
        if image is None:
            return
        results = {r.id: r for r in self.store.list(e.PluginResult, image=image)}
        entries = self.store.list(e.PluginResultEntry, pluginresult__in=list(results)) if results else []
        plugins = {p.id: p.name for p in self.store.list(e.Plugin)}
        colours = {stored_id(t): t.color_code for t in self.store.list(e.AnnotationType)} if entries else {}
        said = origins(self.store, [stored_id(x) for x in entries])
        fresh = []
        for entry in entries:
            result = results[entry.pluginresult]
            name = f"{plugins.get(result.plugin, 'plugin ' + str(result.plugin))} · {entry.name} · "
            name += f"{result.created_time:%Y-%m-%d %H:%M}"
            colour = self._entry_colour(stored_id(entry), colours)
            details = described_origin(said[stored_id(entry)], result.created_time) if stored_id(entry) in said else ""
            fresh.append(Layer(
                RESULTS, stored_id(entry), name, image, colour, threshold=entry.default_threshold, details=details,
            ))  # fmt: skip
        self.layers.sync(image, RESULTS, fresh)

    def _entry_colour(self, entry: int, colours: dict[int, str]) -> str:
        """The colour of the entry's first result's type (dots and counts are drawn in one colour),
        asked at every poll: kept, it stayed the colour of nothing written yet, or of another
        entry that had the id before (a plugin test's records go with it; ids are used again)."""
        first = self.store.list(e.PluginResultAnnotation, limit=1, pluginresultentry=entry)
        return colours.get(first[0].annotation_type, NOTHING_YET) if first else NOTHING_YET

    def close(self) -> None:
        self.poller.stop()
        self.session.close()
