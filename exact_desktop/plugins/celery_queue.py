"""The `celery` queue: plugin runs go to Celery workers through a broker (Redis), so a lab can
run plugins on a GPU machine or a cluster. The worker runs the same plugin command as the
local queue does, with the same environment.

Start workers with (broker in EXACT_DESKTOP_BROKER, e.g. redis://host:6379/0):
    celery -A exact_desktop.plugins.celery_queue worker -Q exact-desktop-plugins
The workers must reach the API the jobs name: a real EXACT server, or `exact-desktop serve
--host <address> --allow-remote` on the desktop (loopback only reaches workers on the same machine).
"""

from __future__ import annotations

import os
import socket
import subprocess
from typing import Any

from celery import Celery

from exact_desktop.model import entities as e
from exact_desktop.model.entities import JobStatus
from exact_desktop.plugins.jobs import fail_job
from exact_desktop.plugins.local_queue import QueueRun, Report
from exact_desktop.plugins.registry import command_for
from exact_desktop.store.base import Store

BROKER_ENV = "EXACT_DESKTOP_BROKER"
QUEUE_NAME = "exact-desktop-plugins"
TASK = "exact_desktop.run_plugin"


def make_app(broker: str | None = None) -> Celery:
    broker = broker or os.environ.get(BROKER_ENV, "redis://127.0.0.1:6379/0")
    app = Celery("exact_desktop", broker=broker, backend=broker)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"], task_acks_late=True,
        worker_prefetch_multiplier=1, task_default_queue=QUEUE_NAME, broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )  # fmt: skip
    return app


app = make_app()


@app.task(name=TASK)
def run_plugin_task(
    script: str, plugin: str, job_ids: list[int], url: str, token: str, timeout_s: float
) -> dict[str, Any]:
    """On the worker machine: the plugin's own command, connection in its environment."""
    worker = f"celery-{socket.gethostname()}-{os.getpid()}"
    env = {**os.environ, "EXACT_URL": url, "EXACT_TOKEN": token, "EXACT_PLUGIN": plugin, "EXACT_WORKER": worker,
           "EXACT_JOB_IDS": ",".join(map(str, job_ids))}  # fmt: skip
    try:
        done = subprocess.run(command_for(script), env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"worker": worker, "returncode": None, "stderr": f"timed out after {timeout_s:g} s"}
    return {"worker": worker, "returncode": done.returncode, "stderr": done.stderr[-2000:]}


class CeleryQueue:
    def __init__(self, store: Store, url: str, token: str, broker: str | None = None, timeout_s: float = 600.0) -> None:
        self.store, self.url, self.token = store, url, token
        self.broker, self.timeout_s = broker, timeout_s

    def run(self, plugin: e.Plugin, job_ids: list[int], report: Report | None = None) -> QueueRun:
        """`report` hears of the jobs once, when the task has ended (celery reports no rounds)."""
        run = QueueRun(list(job_ids))
        if not job_ids:
            return run
        client = make_app(self.broker)
        pending = client.send_task(
            TASK, args=[plugin.script, plugin.name, job_ids, self.url, self.token, self.timeout_s]
        )
        try:
            outcome = pending.get(timeout=self.timeout_s + 60)
        except Exception as err:
            outcome = {"worker": "?", "returncode": None, "stderr": f"the celery task failed: {err}"}
        run.workers = [outcome["worker"]]
        for job_id in job_ids:
            job = self.store.get(e.PluginJob, job_id)
            if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
                code = outcome["returncode"]
                message = f"celery worker {outcome['worker']}: plugin ended (exit code {code}) before this job finished"
                run.failures[job_id] = message
                fail_job(self.store, job_id, message, outcome["stderr"])
        if report is not None:
            report(job_ids)
        return run
