"""Run a plugin on an image set, headless: jobs in, supervised workers, a summary out.

What `exact-desktop plugin run` does, and what the GUI's "Run plugin on image set" will hand
to its queue. The local project is served on loopback for the workers while they run.
"""

from __future__ import annotations

from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.plugins.job_book import StoreJobBook
from exact_desktop.plugins.jobs import create_jobs
from exact_desktop.plugins.local_queue import LocalQueue, project_env
from exact_desktop.server.server import serve_in_thread
from exact_desktop.store.sqlite.store import SqliteStore


def run_plugin(
    store: SqliteStore, plugin_name: str, image_set: int, params: dict[str, Any] | None = None,
    run_again: bool = False, workers: int | None = None, timeout_s: float = 600.0,
) -> dict[str, Any]:  # fmt: skip
    found = store.list(e.Plugin, name=plugin_name)
    if not found:
        names = ", ".join(p.name for p in store.list(e.Plugin)) or "none"
        raise LookupError(f"no plugin named {plugin_name!r} in this project (registered: {names})")
    plugin = found[0]
    submitted = create_jobs(store, plugin, image_set, params, run_again=run_again)
    job_ids = [j.id for j in submitted.created]
    server = serve_in_thread(store)
    try:
        queue_for(plugin, store, server.url, server.token, workers, timeout_s).run(plugin, job_ids)  # type: ignore[arg-type]
    finally:
        server.stop()
    return summary(store, plugin, job_ids, submitted.skipped)


def queue_for(
    plugin: e.Plugin, store: SqliteStore, url: str, token: str, workers: int | None = None, timeout_s: float = 600.0
) -> Any:
    """The plugin's queue: `local` (the default) or `celery` (broker from EXACT_DESKTOP_BROKER)."""
    if plugin.queue == "celery":
        from exact_desktop.plugins.celery_queue import CeleryQueue  # celery is only needed when used

        return CeleryQueue(store, url, token, timeout_s=timeout_s)
    return LocalQueue(StoreJobBook(store), project_env(url, token), size=workers, timeout_s=timeout_s)


def summary(store: SqliteStore, plugin: e.Plugin, job_ids: list[int], skipped: list[int]) -> dict[str, Any]:
    jobs = []
    for job_id in job_ids:
        job = store.get(e.PluginJob, job_id)
        results = [r.id for r in store.list(e.PluginResult, job=job_id)]
        entries = [x.id for x in store.list(e.PluginResultEntry, pluginresult__in=results)]
        jobs.append({
            "job": job.id, "image": job.image, "status": job.status, "processing_complete": job.processing_complete,
            "error": job.error_message or None,
            "result_annotations": store.count(e.PluginResultAnnotation, pluginresultentry__in=entries),
            "result_bitmaps": store.count(e.PluginResultBitmap, pluginresultentry__in=entries),
        })  # fmt: skip
    return {"plugin": plugin.name, "jobs": jobs, "skipped_images": skipped, "errors": [j for j in jobs if j["error"]]}
