"""The `local` queue: plugin worker processes on this machine, supervised.

Workers get the connection in their environment (never argv) and work through the jobs they are
given. The jobs live in the local project or on an EXACT server: the `JobBook` hides which.
The supervisor turns what a plugin cannot report itself into job errors: a process that
exits with jobs in hand (crash), a job without progress past the timeout (hang, the worker is
killed), and a job cancelled while its worker does not stop within the grace period (only while
the worker is still on it: one that has gone on to its next job is left to finish that). When
the supervisor itself is stopped (a signal, Ctrl+C), it ends its workers and marks the jobs of
the run that had not ended as interrupted, so a later run takes them up.

Workers say when they are ready, when a job ends and when they have nothing left (worker_process.py):
the supervisor wakes on each of those rather than at its next poll, and a run is over when every
worker has ended or is idle. With `WarmWorkers`, workers can be started ahead of the jobs (`warm`),
and the ones idle at the end of a run wait there for the next; without, they are ended.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from exact_desktop.model import entities as e
from exact_desktop.model.entities import INTERRUPTED_MESSAGE, JobStatus
from exact_desktop.plugins.job_book import JobBook, JobState
from exact_desktop.plugins.warm_workers import WarmWorkers, end_workers
from exact_desktop.plugins.worker_process import WorkerProcess, start_worker, wait_or_kill
from exact_desktop.plugins.worker_threads import thread_env

CANCEL_GRACE_S = 2.0
STOP_GRACE_S = 2.0  # for a worker asked to end (SIGTERM) before it is killed
Report = Callable[[list[int]], None]  # called with the run's job ids at each round of supervision


def project_env(url: str, token: str) -> dict[str, str]:
    """The connection to a project's embedded API, for its workers' environment."""
    return {"EXACT_URL": url, "EXACT_TOKEN": token}


_SERIAL = itertools.count()


def worker_name() -> str:
    """`local-<supervisor pid>-<ms>-<serial>`: a job's holder names the process that supervises it."""
    return f"local-{os.getpid()}-{int(time.time() * 1000) % 100000}-{next(_SERIAL)}"


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
class QueueRun:
    jobs: list[int]
    workers: list[str] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)


class LocalQueue:
    """Workers for `plugin` on this machine; jobs are read and failed through `book`."""

    def __init__(
        self, book: JobBook, connection_env: dict[str, str], size: int | None = None, timeout_s: float = 600.0,
        extra_env: dict[str, str] | None = None, warm: WarmWorkers | None = None,
    ) -> None:  # fmt: skip
        self.book, self.connection_env = book, connection_env
        self.size = size or default_size()
        self.timeout_s = timeout_s
        self.extra_env = extra_env or {}
        self.pool = warm
        self._last_stderr = ""
        self._bell = threading.Event()  # rung by the workers: something to look at now

    @property
    def env(self) -> dict[str, str]:
        """What its workers get: the connection, the run's own variables, and their numeric
        libraries' threads bounded to their share of the cores (worker_threads.py)."""
        return {**thread_env(self.size), **self.connection_env, **self.extra_env}

    def warm(self, plugin: e.Plugin, count: int | None = None) -> list[WorkerProcess]:
        """Start workers for `plugin` ahead of its jobs (up to `count`, default the queue's size);
        the ones started now, each `ready` once it can take a job. Needs a WarmWorkers."""
        assert self.pool is not None, "a LocalQueue without WarmWorkers starts its workers for each run"
        return self.pool.warm(plugin, self.env, count or self.size, worker_name)

    def run(self, plugin: e.Plugin, job_ids: list[int], poll_s: float = 0.2, report: Report | None = None) -> QueueRun:
        """Hand the jobs to workers (warm ones first) and supervise them until every job has ended.

        Anything that stops the supervision (KeyboardInterrupt, a signal turned into an
        exception) ends the workers and marks the run's jobs that had not ended interrupted."""
        run = QueueRun(list(job_ids))
        if not job_ids:
            return run
        workers: list[WorkerProcess] = []
        try:
            workers.extend(self._worker(plugin, job_ids) for _ in range(min(self.size, len(job_ids))))
            run.workers = [w.name for w in workers]
            self._supervise(plugin, job_ids, workers, run, poll_s, report)
        except BaseException as stopped:
            self._stop(workers)
            self._interrupt(job_ids, stopped)
            raise
        self._release(plugin, workers)
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
        self, plugin: e.Plugin, job_ids: list[int], workers: list[WorkerProcess], run: QueueRun, poll_s: float,
        report: Report | None,
    ) -> None:  # fmt: skip
        cancelled_at: dict[int, float] = {}
        while True:
            self._bell.clear()  # before looking: what rings from now on is seen at the next round
            for worker in list(workers):
                self._watch(worker, run, cancelled_at)
                if worker.process.poll() is not None:
                    self._after_exit(worker, run)
                    workers.remove(worker)
                    # a crash costs its own job only: replace the worker while jobs wait (bounded)
                    if self._pending(job_ids) and len(run.workers) < self.size + len(job_ids):
                        workers.append(self._start(plugin, job_ids))
                        run.workers.append(workers[-1].name)
            if report is not None:
                report(job_ids)
            if not any(w.working() for w in workers):
                return
            self._bell.wait(poll_s)

    def _worker(self, plugin: e.Plugin, job_ids: list[int]) -> WorkerProcess:
        warm = self.pool.take(plugin, self.env) if self.pool is not None else None
        if warm is None:
            return self._start(plugin, job_ids)
        warm.bell = self._bell
        warm.wake(job_ids)
        return warm

    def _release(self, plugin: e.Plugin, workers: list[WorkerProcess]) -> None:
        """After the run: idle workers wait for the next one (with WarmWorkers) or are ended."""
        if self.pool is None:
            end_workers(workers)
            return
        for worker in workers:
            self.pool.keep(plugin, self.env, worker)

    @staticmethod
    def _stop(workers: list[WorkerProcess]) -> None:
        """SIGTERM to each worker, SIGKILL to those still there after the grace period."""
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.terminate()
        wait_or_kill(workers, STOP_GRACE_S)

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

    def _start(self, plugin: e.Plugin, job_ids: list[int]) -> WorkerProcess:
        return start_worker(plugin, self.env, worker_name(), job_ids, self._bell)

    def _held(self, worker: WorkerProcess) -> list[JobState]:
        jobs = self.book.held_by(worker.name, worker.job_ids)
        return [j for j in jobs if j.processing_complete < 100 and j.status in (JobStatus.RUNNING, JobStatus.CANCELLED)]

    def _watch(self, worker: WorkerProcess, run: QueueRun, cancelled_at: dict[int, float]) -> None:
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

    def _after_exit(self, worker: WorkerProcess, run: QueueRun) -> None:
        code = worker.process.returncode
        self._last_stderr = worker.stderr_tail()
        for job in self._held(worker):
            if job.status == JobStatus.CANCELLED:
                continue
            message = f"the plugin process ended (exit code {code}) while working on this job"
            run.failures[job.id] = message
            self.book.fail(job.id, message, self._last_stderr)
        worker.close()
