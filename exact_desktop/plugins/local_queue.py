"""The `local` queue: plugin worker processes on this machine, supervised.

Workers get the connection in their environment (never argv) and work through the jobs they are
given. The jobs live in the local project or on an EXACT server: the `JobBook` hides which.
The supervisor turns what a plugin cannot report itself into job errors: a process that
exits with jobs in hand (crash), a job without progress past the timeout (hang, the worker is
killed), and a job cancelled while its worker does not stop within the grace period.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from exact_desktop.model import entities as e
from exact_desktop.model.entities import JobStatus
from exact_desktop.plugins.job_book import JobBook, JobState
from exact_desktop.plugins.registry import command_for

CANCEL_GRACE_S = 2.0


def project_env(url: str, token: str) -> dict[str, str]:
    """The connection to a project's embedded API, for its workers' environment."""
    return {"EXACT_URL": url, "EXACT_TOKEN": token}


def default_size() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    stderr: tempfile._TemporaryFileWrapper  # type: ignore[type-arg]
    job_ids: list[int]

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-2000:]


@dataclass
class QueueRun:
    jobs: list[int]
    workers: list[str] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)


class LocalQueue:
    """Workers for `plugin` on this machine; jobs are read and failed through `book`."""

    def __init__(
        self, book: JobBook, connection_env: dict[str, str], size: int | None = None, timeout_s: float = 600.0,
        extra_env: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.book, self.connection_env = book, connection_env
        self.size = size or default_size()
        self.timeout_s = timeout_s
        self.extra_env = extra_env or {}
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
            job = self.book.get(job_id)
            if job is not None and job.status == JobStatus.PENDING:
                run.failures[job_id] = "not run: every worker process of the plugin ended before it (see the detail)"
                self.book.fail(job_id, run.failures[job_id], self._last_stderr)
        return run

    def _pending(self, job_ids: list[int]) -> bool:
        return any((job := self.book.get(j)) is not None and job.status == JobStatus.PENDING for j in job_ids)

    def _start(self, plugin: e.Plugin, job_ids: list[int], index: int) -> Worker:
        name = f"local-{os.getpid()}-{int(time.time() * 1000) % 100000}-{index}"
        env = {
            **os.environ, **self.connection_env, **self.extra_env, "EXACT_PLUGIN": plugin.name,
            "EXACT_WORKER": name, "EXACT_JOB_IDS": ",".join(map(str, job_ids)), "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _after_exit when the worker has ended
        process = subprocess.Popen(command_for(plugin.script), env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        return Worker(name, process, stderr, job_ids)

    def _held(self, worker: Worker) -> list[JobState]:
        jobs = self.book.held_by(worker.name, worker.job_ids)
        return [j for j in jobs if j.processing_complete < 100 and j.status in (JobStatus.RUNNING, JobStatus.CANCELLED)]

    def _watch(self, worker: Worker, run: QueueRun, cancelled_at: dict[int, float]) -> None:
        for job in self._held(worker):
            if job.status == JobStatus.CANCELLED:
                since = cancelled_at.setdefault(job.id, time.monotonic())
                if time.monotonic() - since > CANCEL_GRACE_S and worker.process.poll() is None:
                    worker.process.kill()  # it did not stop by itself: make it
            elif self.book.idle_s(job) > self.timeout_s and worker.process.poll() is None:
                worker.process.kill()
                run.failures[job.id] = (
                    f"timed out: no progress for {self.timeout_s:g} s; the plugin process was stopped"
                )
                self.book.fail(job.id, run.failures[job.id])

    def _after_exit(self, worker: Worker, run: QueueRun) -> None:
        code = worker.process.returncode
        self._last_stderr = worker.stderr_tail()
        for job in self._held(worker):
            if job.status == JobStatus.CANCELLED:
                continue
            message = f"the plugin process ended (exit code {code}) while working on this job"
            run.failures[job.id] = message
            self.book.fail(job.id, message, self._last_stderr)
        worker.stderr.close()
