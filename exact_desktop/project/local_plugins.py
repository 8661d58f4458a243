"""Plugins on a local project, for a window (Qt-free): the jobs are the project's, each run
is `local_run.queue_jobs` (as `exact-desktop plugin run` runs them) on a thread of its own, against the
project served on loopback for as long as the window is open. Workers that end a run idle stay
warm for the next run of their plugin (plugins/warm_workers.py) until the window closes."""

from __future__ import annotations

import threading
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.jobs import JobView
from exact_desktop.plugins.jobs import Submitted, cancel_job, create_jobs, mark_interrupted, retry_job
from exact_desktop.plugins.warm_workers import WarmWorkers
from exact_desktop.project.dead_tests import tidy_dead_tests
from exact_desktop.project.local_run import queue_jobs
from exact_desktop.project.test_records import project_plugins
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.trial_book import TrialBook
from exact_desktop.sync.results_pull import ResultsPulled

QUEUE_CLOSE_WAIT_S = 1


class LocalPlugins:
    where = ""
    skipped_why = "finished or queued already"

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        tidy_dead_tests(store)
        # nothing of ours runs any job at the start; the tests left run in processes of their own
        self.interrupted = mark_interrupted(store, spared=TrialBook(store).plugins())
        self.api = serve_in_thread(store)
        self.warm = WarmWorkers()
        self.queues: list[threading.Thread] = []

    def ready_plugins(self) -> list[e.Plugin]:
        return self.plugins()

    def plugins(self) -> list[e.Plugin]:
        """The project's plugins: a `plugin test`'s record, there while it runs, is not one."""
        return project_plugins(self.store)

    def on_server(self) -> None:
        return None  # the plugins are the project's own records

    def jobs(self) -> list[JobView]:
        """The jobs of the project's plugins (a `plugin test`'s is not one)."""
        plugins = {p.id: p.name for p in self.plugins()}
        images = {i.id: i.name for i in self.store.list(e.Image)}
        return [
            JobView(j.id, plugins[j.plugin], images.get(j.image, "?"), j.status, j.processing_complete,  # type: ignore[arg-type]
                    j.eta_time, j.error_message, j.error_detail)
            for j in self.store.list(e.PluginJob) if j.plugin in plugins
        ]  # fmt: skip

    def pull_results(self, image_id: int) -> ResultsPulled:
        return ResultsPulled()  # the plugins write into this project itself

    def submit(self, plugin: e.Plugin, params: dict[str, Any], image_set: int, images: list[int] | None,
               run_again: bool) -> tuple[list[int], list[int]]:  # fmt: skip
        submitted = create_jobs(self.store, plugin, image_set, params, images, run_again)
        self._queue(plugin, submitted)
        return [j.id for j in submitted.created], submitted.skipped  # type: ignore[misc]

    def cancel(self, job_id: int) -> None:
        cancel_job(self.store, job_id)

    def retry(self, job_id: int, plugin_name: str) -> None:
        job = retry_job(self.store, job_id)
        self._queue(self.store.get(e.Plugin, job.plugin), Submitted(created=[job]))

    def _queue(self, plugin: e.Plugin, submitted: Submitted) -> None:
        thread = threading.Thread(
            target=queue_jobs, args=(self.store, plugin, submitted), kwargs={"api": self.api, "warm": self.warm},
            name="local-queue", daemon=True,
        )  # fmt: skip
        self.queues.append(thread)
        thread.start()

    def close(self) -> None:
        for thread in self.queues:
            thread.join(timeout=QUEUE_CLOSE_WAIT_S)
        self.warm.close()
        self.api.stop()
