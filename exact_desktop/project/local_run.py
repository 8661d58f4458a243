"""Run a plugin on an image set, headless: jobs in, supervised workers, a summary out.

What `exact-desktop plugin run` does; a window on a local project hands its runs to `queue_jobs`
(`local_plugins.py`). The local project is served on loopback for the workers while they run: a
run puts the project file, the embedded API (`server/`) and a plugin queue together, so it lives
here, above all three, and `plugins/` keeps the queues it hands the jobs to.
"""

from __future__ import annotations

from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.plugins.job_book import StoreJobBook
from exact_desktop.plugins.jobs import Submitted, create_jobs, mark_interrupted, settle_reruns
from exact_desktop.plugins.local_queue import LocalQueue, Report, project_env, supervisor_gone
from exact_desktop.plugins.progress import detail_tail
from exact_desktop.plugins.registry import check_runnable
from exact_desktop.plugins.warm_workers import WarmWorkers
from exact_desktop.project.dead_tests import tidy_dead_tests
from exact_desktop.project.test_records import project_plugin
from exact_desktop.review.session import ReviewSession
from exact_desktop.server.server import RunningServer, serve_in_thread
from exact_desktop.store.base import NotFoundError
from exact_desktop.store.sqlite.store import SqliteStore


def run_plugin(
    store: SqliteStore, plugin_name: str, image_set: int, params: dict[str, Any] | None = None,
    run_again: bool = False, workers: int | None = None, timeout_s: float = 600.0, report: Report | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Everything is checked (plugin, its script, the image set, the parameters) before a job is
    made or a result set aside; earlier results are replaced only by a job that is done."""
    plugin = project_plugin(store, plugin_name)  # never a test's record: its end takes every job under it
    check_runnable(plugin.script)
    try:
        store.get(e.ImageSet, image_set)
    except NotFoundError:
        raise LookupError(f"no image set {image_set} in this project") from None
    tidy_dead_tests(store)
    # a run killed outright (SIGKILL, a crash of the machine) left its jobs running: take them up
    mark_interrupted(store, lambda job: supervisor_gone(job.attached_worker))
    images = [stored_id(i) for i in store.list(e.Image, image_set=image_set)] if run_again else []
    decided_before, _rejected = ReviewSession.decided_by_plugin(store, images, plugin.name) if images else (0, 0)
    submitted = create_jobs(store, plugin, image_set, params, run_again=run_again)
    done = run_jobs(store, plugin, submitted, workers, timeout_s, report)
    if images:  # a run again keeps them only on the results it found again (carried_decisions.py)
        kept, _rejected = ReviewSession.decided_by_plugin(store, images, plugin.name)
        if decided_before or kept:
            done["review_decisions"] = {"before": decided_before, "kept": kept}
    return done


def run_jobs(
    store: SqliteStore, plugin: e.Plugin, submitted: Submitted, workers: int | None = None, timeout_s: float = 600.0,
    report: Report | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The submitted jobs on the plugin's queue (see `queue_jobs`), then the summary counted from the store."""
    queue_jobs(store, plugin, submitted, None, workers, timeout_s, report)
    return summary(store, plugin, [j.id for j in submitted.created], submitted.skipped)  # type: ignore[misc]


def queue_jobs(
    store: SqliteStore, plugin: e.Plugin, submitted: Submitted, api: RunningServer | None = None,
    workers: int | None = None, timeout_s: float = 600.0, report: Report | None = None,
    warm: WarmWorkers | None = None,
) -> None:  # fmt: skip
    """The submitted jobs on the plugin's queue, the project served for them (by `api`, a window's,
    else for this run only; `warm`: the window's workers kept between runs); then the reruns
    settled (see jobs.settle_reruns)."""
    job_ids = [j.id for j in submitted.created]
    try:
        server = api or serve_in_thread(store)
        try:
            queue = queue_for(plugin, store, server.url, server.token, workers, timeout_s, warm)
            queue.run(plugin, job_ids, report=report)
        finally:
            if server is not api:
                server.stop()
    finally:
        settle_reruns(store, [j.id for j in submitted.created])  # type: ignore[misc]


def queue_for(
    plugin: e.Plugin,
    store: SqliteStore,
    url: str,
    token: str,
    workers: int | None = None,
    timeout_s: float = 600.0,
    warm: WarmWorkers | None = None,
) -> Any:
    """The plugin's queue: `local` (the default) or `celery` (broker from EXACT_DESKTOP_BROKER)."""
    if plugin.queue == "celery":
        from exact_desktop.plugins.celery_queue import CeleryQueue  # celery is only needed when used

        return CeleryQueue(store, url, token, timeout_s=timeout_s)
    return LocalQueue(StoreJobBook(store), project_env(url, token), size=workers, timeout_s=timeout_s, warm=warm)


def summary(store: SqliteStore, plugin: e.Plugin, job_ids: list[int], skipped: list[int]) -> dict[str, Any]:
    jobs = []
    for job_id in job_ids:
        job = store.get(e.PluginJob, job_id)
        results = [r.id for r in store.list(e.PluginResult, job=job_id)]
        entries = [x.id for x in store.list(e.PluginResultEntry, pluginresult__in=results)]
        jobs.append({
            "job": job.id, "image": job.image, "status": job.status, "processing_complete": job.processing_complete,
            "error": job.error_message or None, "detail": detail_tail(job.error_detail) or None,
            "result_annotations": store.count(e.PluginResultAnnotation, pluginresultentry__in=entries),
            "result_bitmaps": store.count(e.PluginResultBitmap, pluginresultentry__in=entries),
        })  # fmt: skip
    return {"plugin": plugin.name, "jobs": jobs, "skipped_images": skipped, "errors": [j for j in jobs if j["error"]]}
