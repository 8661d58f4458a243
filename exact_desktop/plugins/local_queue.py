"""The `local` queue: plugin worker processes on this machine, supervised.

Workers get the connection in their environment (never argv) and work through the jobs they are
given. The supervisor turns what a plugin cannot report itself into job errors: a process that
exits with jobs in hand (crash), a job without progress past the timeout (hang, the worker is
killed), and a job cancelled while its worker does not stop within the grace period.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from exact_desktop.model import entities as e
from exact_desktop.model.entities import JobStatus
from exact_desktop.plugins.jobs import fail_job
from exact_desktop.plugins.registry import command_for
from exact_desktop.store.base import NotFoundError, Store

CANCEL_GRACE_S = 2.0


def default_size() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    stderr: tempfile._TemporaryFileWrapper  # type: ignore[type-arg]

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-2000:]


@dataclass
class QueueRun:
    jobs: list[int]
    workers: list[str] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)


class LocalQueue:
    def __init__(self, store: Store, url: str, token: str, size: int | None = None, timeout_s: float = 600.0) -> None:
        self.store, self.url, self.token = store, url, token
        self.size = size or default_size()
        self.timeout_s = timeout_s
        self._last_stderr = ""

    def run(self, plugin: e.Plugin, job_ids: list[int], poll_s: float = 0.2) -> QueueRun:
        """Start workers for the jobs and supervise them until every job has ended."""
        run = QueueRun(list(job_ids))
        if not job_ids:
            return run
        workers = [self._start(plugin, job_ids, i) for i in range(min(self.size, len(job_ids)))]
        run.workers = [w.name for w in workers]
        cancelled_at: dict[int, float] = {}
        while workers:
            time.sleep(poll_s)
            for worker in list(workers):
                self._watch(worker, run, cancelled_at)
                if worker.process.poll() is not None:
                    self._after_exit(worker, run)
                    workers.remove(worker)
                    # a crash costs its own job only: replace the worker while jobs wait (bounded)
                    if self._pending(job_ids) and len(run.workers) < self.size + len(job_ids):
                        workers.append(self._start(plugin, job_ids, len(run.workers)))
                        run.workers.append(workers[-1].name)
        for job_id in job_ids:  # never claimed: every worker died before reaching it
            job = self._job(job_id)
            if job is not None and job.status == JobStatus.PENDING:
                run.failures[job_id] = "not run: every worker process of the plugin ended before it (see the detail)"
                self._fail(job_id, run.failures[job_id], self._last_stderr)
        return run

    def _job(self, job_id: int) -> e.PluginJob | None:
        """None once the job is gone (its plugin or image was removed while it ran)."""
        try:
            return self.store.get(e.PluginJob, job_id)
        except NotFoundError:
            return None

    def _fail(self, job_id: int, message: str, detail: str = "") -> None:
        with contextlib.suppress(NotFoundError):  # gone meanwhile: nothing left to mark
            fail_job(self.store, job_id, message, detail)

    def _pending(self, job_ids: list[int]) -> bool:
        return any((job := self._job(j)) is not None and job.status == JobStatus.PENDING for j in job_ids)

    def _start(self, plugin: e.Plugin, job_ids: list[int], index: int) -> Worker:
        name = f"local-{os.getpid()}-{index}"
        env = {
            **os.environ, "EXACT_URL": self.url, "EXACT_TOKEN": self.token, "EXACT_PLUGIN": plugin.name,
            "EXACT_WORKER": name, "EXACT_JOB_IDS": ",".join(map(str, job_ids)), "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _after_exit when the worker has ended
        process = subprocess.Popen(command_for(plugin.script), env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        return Worker(name, process, stderr)

    def _held(self, worker: Worker) -> list[e.PluginJob]:
        jobs = self.store.list(e.PluginJob, attached_worker=worker.name)
        return [j for j in jobs if j.processing_complete < 100 and j.status in (JobStatus.RUNNING, JobStatus.CANCELLED)]

    def _watch(self, worker: Worker, run: QueueRun, cancelled_at: dict[int, float]) -> None:
        now = datetime.now(UTC)
        for job in self._held(worker):
            if job.status == JobStatus.CANCELLED:
                since = cancelled_at.setdefault(job.id, time.monotonic())  # type: ignore[arg-type]
                if time.monotonic() - since > CANCEL_GRACE_S and worker.process.poll() is None:
                    worker.process.kill()  # it did not stop by itself: make it
            elif (now - job.updated_time).total_seconds() > self.timeout_s and worker.process.poll() is None:
                worker.process.kill()
                run.failures[job.id] = (
                    f"timed out: no progress for {self.timeout_s:g} s; the plugin process was stopped"  # type: ignore[index]
                )
                self._fail(job.id, run.failures[job.id])  # type: ignore[arg-type, index]

    def _after_exit(self, worker: Worker, run: QueueRun) -> None:
        code = worker.process.returncode
        self._last_stderr = worker.stderr_tail()
        for job in self._held(worker):
            if job.status == JobStatus.CANCELLED:
                continue
            message = f"the plugin process ended (exit code {code}) while working on this job"
            run.failures[job.id] = message  # type: ignore[index]
            self._fail(job.id, message, self._last_stderr)  # type: ignore[arg-type]
        worker.stderr.close()
