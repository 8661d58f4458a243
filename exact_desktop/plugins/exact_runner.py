"""Run a plugin on a server's image set from this machine: `exact-desktop plugin run --server`.

One job per image through EXACT's `processing/api/plugin_job/create/` (the only way EXACT makes
jobs), workers on this machine under the same supervisor as offline, and a summary counted from
what the server holds afterwards, never from what was sent.
"""

from __future__ import annotations

import json
from typing import Any

from exact_desktop.model import entities as e
from exact_desktop.model.entities import JobStatus, status_from_exact
from exact_desktop.plugins.job_book import ExactJobBook
from exact_desktop.plugins.jobs import check_parameters
from exact_desktop.plugins.local_queue import LocalQueue, Report
from exact_desktop.plugins.progress import detail_tail
from exact_desktop.plugins.registry import check_runnable
from exact_desktop.plugins.sdk.context import now_iso
from exact_desktop.plugins.sdk.worker import find_plugin
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError, RefusedError
from exact_desktop.rest.processing import (
    JOBS,
    RESULT_ANNOTATIONS,
    Job,
    entry_read,
    item,
    job_read,
    jobs_listed,
    results_listed,
)

CREATE_JOB = "/processing/api/plugin_job/create/"


def server_jobs(connection: Connection, plugin_id: int) -> dict[int, Job]:
    """Image id -> the plugin's job for it (EXACT has no plugin filter on jobs: matched here)."""
    return {j["image"]: j for j in jobs_listed(connection) if j["plugin"] == plugin_id}


def submit_jobs(
    connection: Connection, plugin_id: int, image_set: int, run_again: bool = False
) -> tuple[list[int], list[int]]:
    """(job ids to run, skipped image ids): new jobs, pending ones nobody works on and interrupted
    ones (their run was stopped); a job that ended is reset only when asked to run again; one a
    worker holds is left to it."""
    images = [i["id"] for i in connection.iterate("/api/v1/images/images/", image_set=image_set, fields="id,image_set")
              if i["image_set"] == image_set]  # fmt: skip
    existing = server_jobs(connection, plugin_id)
    run, skipped = [], []
    for image in images:
        job = existing.get(image)
        if job is None:
            run.append(_create_job(connection, plugin_id, image))
            continue
        status = status_from_exact(job)
        if status == JobStatus.PENDING:  # waiting for a worker (made by the web UI, say): this is one
            run.append(job["id"])
            continue
        if status == JobStatus.RUNNING or (status != JobStatus.INTERRUPTED and not run_again):
            skipped.append(image)
            continue
        connection.patch(item(JOBS, job['id']), error_message="", error_detail="", attached_worker="",
                         processing_complete=0, updated_time=now_iso())  # fmt: skip
        run.append(job["id"])
    return run, skipped


def _create_job(connection: Connection, plugin_id: int, image: int) -> int:
    try:
        return connection.post(CREATE_JOB, {"image_id": image, "plugin_id": plugin_id})["id"]
    except RefusedError:  # made meanwhile (EXACT answers 400 when it exists): take that one
        job = server_jobs(connection, plugin_id).get(image)
        if job is None:
            raise
        return job["id"]


def run_on_server(
    connection: Connection, connection_env: dict[str, str], plugin: e.Plugin, image_set: int,
    params: dict[str, Any] | None = None, run_again: bool = False, workers: int | None = None,
    timeout_s: float = 600.0, report: Report | None = None,
) -> dict[str, Any]:  # fmt: skip
    """`plugin` is the local record (script, parameter schema); its namesake on the server gets the
    jobs, once everything has been checked."""
    check_runnable(plugin.script)
    record = find_plugin(connection, plugin.name)
    values = check_parameters(plugin.parameter_schema, params or {})
    job_ids, skipped = submit_jobs(connection, record["id"], image_set, run_again)
    queue = LocalQueue(
        ExactJobBook(connection), connection_env, size=workers, timeout_s=timeout_s,
        extra_env={"EXACT_PLUGIN_PARAMS": json.dumps(values)},
    )  # fmt: skip
    try:
        queue.run(plugin, job_ids, report=report)
        return server_summary(connection, plugin.name, job_ids, skipped)
    except ExactApiError as err:
        raise RunCutOffError(job_ids, err) from err


class RunCutOffError(ExactApiError):
    """The server stopped answering after the run had made its jobs there: they stay as the
    server has them (a running one is taken over by a `plugin work` once its lease has run out)."""

    def __init__(self, job_ids: list[int], cause: ExactApiError) -> None:
        self.job_ids, self.cause = job_ids, cause
        made = ", ".join(map(str, job_ids)) or "none"
        super().__init__(
            f"{cause}: the run stopped after making its jobs there ({made}); they stay as the server has "
            "them, and `plugin work` takes up a running one once its lease has run out"
        )


def stored_results(connection: Connection, job_id: int) -> tuple[int, int]:
    """(result annotations, result bitmaps) the server holds for the job."""
    annotations = bitmaps = 0
    for result in results_listed(connection, job_id=job_id, fields="id,job,entries"):
        if result.get("job") != job_id:
            continue
        for entry in result["entries"]:
            annotations += connection.count(RESULT_ANNOTATIONS, pluginresultentry=entry)
            bitmaps += len(entry_read(connection, entry, fields="bitmap_results")["bitmap_results"])
    return annotations, bitmaps


def server_summary(connection: Connection, name: str, job_ids: list[int], skipped: list[int]) -> dict[str, Any]:
    jobs = []
    for job_id in job_ids:
        job = job_read(connection, job_id)
        annotations, bitmaps = stored_results(connection, job_id)
        jobs.append({
            "job": job_id, "image": job["image"], "status": status_from_exact(job),
            "processing_complete": job["processing_complete"], "error": job.get("error_message") or None,
            "detail": detail_tail(job.get("error_detail") or "") or None,
            "result_annotations": annotations, "result_bitmaps": bitmaps,
        })  # fmt: skip
    return {"plugin": name, "server": connection.url, "jobs": jobs, "skipped_images": skipped,
            "errors": [j for j in jobs if j["error"]]}  # fmt: skip
