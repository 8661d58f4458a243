"""The `local` queue: plugin worker processes on this machine, supervised.

Workers get the connection in their environment (never argv) and work through the jobs they are
given. The jobs live in the local project or on an EXACT server: the `JobBook` hides which.
The supervisor turns what a plugin cannot report itself into job errors: a process that
exits with jobs in hand (crash), a job without progress past the timeout (hang, the worker is
killed), and a job cancelled while its worker does not stop within the grace period (only while
the worker is still on it: one that has gone on to its next job is left to finish that). When
the supervisor itself is stopped (a signal, Ctrl+C), it ends its workers and marks the jobs of
the run that had not ended as interrupted, so a later run takes them up.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from exact_desktop.model import entities as e
from exact_desktop.model.entities import INTERRUPTED_MESSAGE, JobStatus
from exact_desktop.plugins.job_book import JobBook, JobState
from exact_desktop.plugins.registry import command_for

CANCEL_GRACE_S = 2.0
STOP_GRACE_S = 2.0  # for a worker asked to end (SIGTERM) before it is killed
Report = Callable[[list[int]], None]  # called with the run's job ids at each round of supervision


def project_env(url: str, token: str) -> dict[str, str]:
    """The connection to a project's embedded API, for its workers' environment."""
    return {"EXACT_URL": url, "EXACT_TOKEN": token}


def worker_name(index: int) -> str:
    """`local-<supervisor pid>-<ms>-<index>`: a job's holder names the run that supervises it."""
    return f"local-{os.getpid()}-{int(time.time() * 1000) % 100000}-{index}"


def supervisor_gone(worker: str) -> bool:
    """True when `worker` was started by a supervisor on this machine that is no longer running
    (killed outright, or the machine went down): nobody will end or mark its job."""
    match = re.fullmatch(r"local-(\d+)-\d+-\d+", worker)
    if match is None:
        return False
    try:
        os.kill(int(match[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process of that number: alive
    return False


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

    def run(self, plugin: e.Plugin, job_ids: list[int], poll_s: float = 0.2, report: Report | None = None) -> QueueRun:
        """Start workers for the jobs and supervise them until every job has ended.

        Anything that stops the supervision (KeyboardInterrupt, a signal turned into an
        exception) ends the workers and marks the run's jobs that had not ended interrupted."""
        run = QueueRun(list(job_ids))
        if not job_ids:
            return run
        workers: list[Worker] = []
        try:
            workers.extend(self._start(plugin, job_ids, i) for i in range(min(self.size, len(job_ids))))
            run.workers = [w.name for w in workers]
            self._supervise(plugin, job_ids, workers, run, poll_s, report)
        except BaseException as stopped:
            self._stop(workers)
            self._interrupt(job_ids, stopped)
            raise
        for job_id in job_ids:  # never claimed: every worker died before reaching it
            job = self.book.get(job_id)
            if job is not None and job.status == JobStatus.PENDING:
                last = self._last_stderr.strip().splitlines()[-1:] or ["(it printed nothing)"]
                run.failures[job_id] = (
                    f"not run: every worker process of the plugin ended before it; the last said: {last[0]}"
                )
                self.book.fail(job_id, run.failures[job_id], self._last_stderr)
        return run

    def _supervise(
        self, plugin: e.Plugin, job_ids: list[int], workers: list[Worker], run: QueueRun, poll_s: float,
        report: Report | None,
    ) -> None:  # fmt: skip
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
            if report is not None:
                report(job_ids)

    @staticmethod
    def _stop(workers: list[Worker]) -> None:
        """SIGTERM to each worker, SIGKILL to those still there after the grace period."""
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for worker in workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            worker.stderr.close()

    def _interrupt(self, job_ids: list[int], why: BaseException) -> None:
        reason = str(why) or type(why).__name__
        message = (
            f"{INTERRUPTED_MESSAGE}: the run was stopped ({reason}) before this job ended; the next run takes it up"
        )
        for job in self.book.states(job_ids):
            if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
                self.book.interrupt(job.id, message)

    def _pending(self, job_ids: list[int]) -> bool:
        return any((job := self.book.get(j)) is not None and job.status == JobStatus.PENDING for j in job_ids)

    def _start(self, plugin: e.Plugin, job_ids: list[int], index: int) -> Worker:
        name = worker_name(index)
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
        held = self._held(worker)
        moved_on = any(j.status == JobStatus.RUNNING for j in held)  # one job at a time: this is its job now
        for job in held:
            if job.status == JobStatus.CANCELLED:
                since = cancelled_at.setdefault(job.id, time.monotonic())
                late = time.monotonic() - since > CANCEL_GRACE_S
                if late and not moved_on and worker.process.poll() is None:
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
