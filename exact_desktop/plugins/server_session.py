"""Plugins on a server image set, for a window working on that server (Qt-free).

What `exact-desktop plugin run --server` does, split so a window can follow it: the server's
plugin record (registered from the installed plugin when it has none), jobs made on the server
through EXACT's own job endpoint, workers on this machine under the usual supervisor, the
server's jobs as the jobs panel shows them, and the results pulled into the mirror for the
result layers.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import CANCELLED_MESSAGE, status_from_exact
from exact_desktop.model.jobs import JobView
from exact_desktop.plugins.job_book import ServerJobBook
from exact_desktop.plugins.jobs import check_parameters
from exact_desktop.plugins.local_queue import LocalQueue
from exact_desktop.plugins.registry import describe, discovered_scripts, local_plugin
from exact_desktop.plugins.sdk.context import now_iso
from exact_desktop.plugins.sdk.worker import find_plugin
from exact_desktop.plugins.server_registry import register_on_server
from exact_desktop.plugins.server_runner import JOBS, submit_jobs
from exact_desktop.rest.connection import PluginError
from exact_desktop.sync.results_pull import pull_results
from exact_desktop.sync.server_project import ServerProject


class ServerPlugins:
    def __init__(self, project: ServerProject) -> None:
        self.project, self.connection = project, project.connection
        self._installed: list[e.Plugin] | None = None
        self._lock = threading.Lock()
        self.queues: list[threading.Thread] = []

    def plugins(self) -> list[e.Plugin]:
        """The plugins installed here (built-in and entry points), which can run on the server."""
        with self._lock:
            if self._installed is None:
                self._installed = [local_plugin(None, describe(script)["name"]) for script in discovered_scripts()]
            return list(self._installed)

    def _record(self, plugin: e.Plugin) -> dict[str, Any]:
        """The server's record of the plugin, registered in the image set's product if missing."""
        try:
            return find_plugin(self.connection, plugin.name)
        except PluginError:
            remote_set = self.project.api.image_set(self.project.remote_set)
            if not remote_set.product_set:
                raise PluginError(f"image set {remote_set.name!r} on {self.connection.url} has no product") from None
            return register_on_server(self.connection, describe(plugin.script), remote_set.product_set[0])

    def run(self, plugin: e.Plugin, params: dict[str, Any], run_again: bool = False,
            images: list[int] | None = None) -> tuple[list[int], list[int]]:  # fmt: skip
        """Makes the jobs on the server and starts workers here; (job ids, skipped images).
        `images` (server ids) limits the run to some of the set's images."""
        values = check_parameters(plugin.parameter_schema, params)
        record = self._record(plugin)
        job_ids, skipped = submit_jobs(self.connection, record["id"], self.project.remote_set, run_again)
        if images is not None:
            wanted = set(images)
            job_ids = [j for j in job_ids if self.connection.get(f"{JOBS}{j}/")["image"] in wanted]
        self._queue(plugin, job_ids, values)
        return job_ids, skipped

    def retry(self, job_id: int, plugin: e.Plugin) -> None:
        self.connection.patch(f"{JOBS}{job_id}/", error_message="", error_detail="", attached_worker="",
                              processing_complete=0, updated_time=now_iso())  # fmt: skip
        self._queue(plugin, [job_id], {})

    def cancel(self, job_id: int) -> None:
        self.connection.patch(f"{JOBS}{job_id}/", error_message=f"{CANCELLED_MESSAGE} by the user")

    def _queue(self, plugin: e.Plugin, job_ids: list[int], values: dict[str, Any]) -> None:
        queue = LocalQueue(ServerJobBook(self.connection), self.project.plugin_environment(),
                           extra_env={"EXACT_PLUGIN_PARAMS": json.dumps(values)})  # fmt: skip
        thread = threading.Thread(target=queue.run, args=(plugin, job_ids), name="server-queue", daemon=True)
        self.queues.append(thread)
        thread.start()

    def jobs(self) -> list[JobView]:
        """The server's jobs on this set's images, as the panel shows them (runs on the poller)."""
        store = self.project.store
        images = {i.remote_id: i for i in store.list(e.Image, image_set=self.project.image_set())}
        names = {p["id"]: p["name"] for p in self.connection.iterate("/api/v1/processing/plugins/", fields="id,name")}
        found = []
        for job in self.connection.iterate(JOBS):
            image = images.get(job["image"])
            if image is None:
                continue
            found.append(JobView(
                job["id"], names.get(job["plugin"], "?"), image.name, status_from_exact(job),
                float(job.get("processing_complete") or 0), None, job.get("error_message") or "",
                job.get("error_detail") or "",
            ))  # fmt: skip
        return found

    def pull_results(self, image_id: int) -> int:
        """The server's results of a mirrored image into the mirror; how many objects arrived."""
        image = self.project.store.get(e.Image, image_id)
        if image.remote_id is None:
            return 0
        return pull_results(self.project.store, self.connection, image).annotations
