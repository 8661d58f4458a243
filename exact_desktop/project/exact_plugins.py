"""Plugins on a server image set, for a window working on that server (Qt-free).

What `exact-desktop plugin run --server` does, split so a window can follow it: the server's
plugin record (registered from the installed plugin when it has none), jobs made on the server
through EXACT's own job endpoint, workers on this machine under the usual supervisor, the
server's jobs as the jobs panel shows them, and the results pulled into the mirror for the
result layers. It puts the mirror (`sync/`) and the plugins' queues together, so it sits in
`project/`; what the installed plugins are and how they match the server's records is
`plugins/exact_catalogue.py`.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import CANCELLED_MESSAGE, status_from_exact
from exact_desktop.model.jobs import JobView
from exact_desktop.plugins.exact_catalogue import CatalogueEntry, catalogue, installed_plugins
from exact_desktop.plugins.exact_registry import register_on_server
from exact_desktop.plugins.exact_runner import submit_jobs
from exact_desktop.plugins.job_book import ExactJobBook
from exact_desktop.plugins.jobs import check_parameters
from exact_desktop.plugins.local_queue import LocalQueue
from exact_desktop.plugins.registry import describe, register
from exact_desktop.plugins.sdk.context import now_iso
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.plugins.sdk.worker import find_plugin
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.processing import JOBS, PLUGINS, item, job_read, jobs_listed
from exact_desktop.sync.exact_mirror import ExactMirror
from exact_desktop.sync.results_pull import ResultsPulled, pull_results


class ExactPlugins:
    """The `PluginSession` (plugin_session.py) of a project that mirrors an EXACT server."""

    skipped_why = "finished or running already"
    api = None  # the plugin processes work on the server itself

    def __init__(self, project: ExactMirror) -> None:
        self.project, self.connection = project, project.connection
        self.interrupted: list[int] = []  # the server's jobs are its own to mark
        self.queues: list[threading.Thread] = []

    @property
    def where(self) -> str:
        return f" on {self.connection.url}"

    def ready_plugins(self) -> None:
        """None: the installed plugins are described (seconds) the first time `plugins` is asked."""
        return None

    def plugins(self) -> list[e.Plugin]:
        """The plugins that can run here on the server's jobs: the mirror's own records (scripts
        added in this window), then the installed ones (built-in and entry points). The first
        call describes the installed scripts (seconds): a window asks off its GUI thread."""
        installed = installed_plugins()
        # a pulled result brings its plugin's name only (no script): that one runs as installed
        own = [p for p in self.project.store.list(e.Plugin) if p.script]
        names = {p.name for p in own}
        return [*own, *(p for p in installed if p.name not in names)]

    def on_server(self) -> ExactPlugins:
        return self

    def records(self) -> dict[str, dict[str, Any]]:
        """The server's plugin records by name (one request per page)."""
        return {r["name"]: r for r in self.connection.pages(PLUGINS, fields="id,name,author,package,products")}

    def catalogue(self) -> list[CatalogueEntry]:
        """Every plugin the server has a record of and every plugin here, matched by name."""
        return catalogue(self.records(), self.plugins())

    def product_names(self) -> dict[int, str]:
        """Server product id -> name, for the products the mirror knows."""
        return {p.remote_id: p.name for p in self.project.store.list(e.Product) if p.remote_id is not None}

    def register(self, plugin: e.Plugin) -> dict[str, Any]:
        """Creates or updates the plugin's record on the server, in the image set's product
        (its annotation types are found there by name or made); the record as stored."""
        remote_set = self.project.api.image_set(self.project.remote_set)
        if not remote_set.product_set:
            raise PluginError(f"image set {remote_set.name!r} on {self.connection.url} has no product")
        return register_on_server(self.connection, describe(plugin.script), remote_set.product_set[0])

    def add_script(self, script: str) -> tuple[e.Plugin, dict[str, Any]]:
        """A plugin script of the person's: recorded in the mirror (so this window can run it)
        and registered on the server; (the mirror's record, the server's record)."""
        products = self.project.store.get(e.ImageSet, self.project.image_set()).product_set
        if not products:
            raise PluginError(f"the image set of {self.connection.url} has no product to register {script} in")
        plugin = register(self.project.store, script, products[0])
        return plugin, self.register(plugin)

    def _record(self, plugin: e.Plugin) -> dict[str, Any]:
        """The server's record of the plugin, registered in the image set's product if missing."""
        try:
            return find_plugin(self.connection, plugin.name)
        except ExactApiError:
            return self.register(plugin)

    def run(self, plugin: e.Plugin, params: dict[str, Any], run_again: bool = False,
            images: list[int] | None = None) -> tuple[list[int], list[int]]:  # fmt: skip
        """Makes the jobs on the server and starts workers here; (job ids, skipped images).
        `images` (server ids) limits the run to some of the set's images."""
        values = check_parameters(plugin.parameter_schema, params)
        record = self._record(plugin)
        job_ids, skipped = submit_jobs(self.connection, record["id"], self.project.remote_set, run_again)
        if images is not None:
            wanted = set(images)
            job_ids = [j for j in job_ids if job_read(self.connection, j)["image"] in wanted]
        self._queue(plugin, job_ids, values)
        return job_ids, skipped

    def submit(self, plugin: e.Plugin, params: dict[str, Any], image_set: int, images: list[int] | None,
               run_again: bool) -> tuple[list[int], list[int]]:  # fmt: skip
        """`run` on the mirrored set; `images` are the mirror's ids (those not on the server are left out)."""
        remote = None
        if images is not None:
            found = self.project.store.get_many(e.Image, images).values()
            remote = [i.remote_id for i in found if i.remote_id is not None]
        return self.run(plugin, params, run_again, remote)

    def retry(self, job_id: int, plugin_name: str) -> None:
        plugin = next(p for p in self.plugins() if p.name == plugin_name)
        self.connection.patch(item(JOBS, job_id), error_message="", error_detail="", attached_worker="",
                              processing_complete=0, updated_time=now_iso())  # fmt: skip
        self._queue(plugin, [job_id], {})

    def cancel(self, job_id: int) -> None:
        self.connection.patch(item(JOBS, job_id), error_message=f"{CANCELLED_MESSAGE} by the user")

    def close(self) -> None:
        """Nothing to stop: the workers started here go on with the server's jobs until done."""

    def _queue(self, plugin: e.Plugin, job_ids: list[int], values: dict[str, Any]) -> None:
        queue = LocalQueue(ExactJobBook(self.connection), self.project.plugin_environment(),
                           extra_env={"EXACT_PLUGIN_PARAMS": json.dumps(values)})  # fmt: skip
        thread = threading.Thread(target=queue.run, args=(plugin, job_ids), name="server-queue", daemon=True)
        self.queues.append(thread)
        thread.start()

    def jobs(self) -> list[JobView]:
        """The server's jobs on this set's images, as the panel shows them (runs on the poller)."""
        store = self.project.store
        images = {i.remote_id: i for i in store.list(e.Image, image_set=self.project.image_set())}
        names = {p["id"]: p["name"] for p in self.connection.iterate(PLUGINS, fields="id,name")}
        found = []
        for job in jobs_listed(self.connection):
            image = images.get(job["image"])
            if image is None:
                continue
            found.append(JobView(
                job["id"], names.get(job["plugin"], "?"), image.name, status_from_exact(job),
                float(job.get("processing_complete") or 0), None, job.get("error_message") or "",
                job.get("error_detail") or "",
            ))  # fmt: skip
        return found

    def pull_results(self, image_id: int) -> ResultsPulled:
        """The server's results of a mirrored image into the mirror: what arrived, what could not."""
        image = self.project.store.get(e.Image, image_id)
        if image.remote_id is None:
            return ResultsPulled()
        return pull_results(self.project.store, self.connection, image)
