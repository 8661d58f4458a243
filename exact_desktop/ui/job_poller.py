"""Follows the project's jobs from a QThread: adaptive interval, back-off on errors.

Reads through a plain function (so it works the same over the local mirror or a server), sends
the snapshot to the GUI thread, and says what changed: progress, finished, failed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QThread, Signal

from exact_desktop.model.entities import JobStatus
from exact_desktop.model.jobs import JobView

BUSY_S, IDLE_S, MAX_BACKOFF_S = 0.3, 2.0, 10.0
CANNOT_READ = "cannot read the jobs"


class JobPoller(QThread):
    polled = Signal(list)  # list[JobView]
    progress = Signal(int, float)  # job id, percent
    finished_job = Signal(int)
    failed_job = Signal(int, str)
    problem = Signal(str)  # the poller itself could not read the jobs
    recovered = Signal()  # it reads them again after a problem

    def __init__(self, fetch: Callable[[], list[JobView]], parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._fetch = fetch
        self._stop = False
        self._last: dict[int, JobView] = {}

    def stop(self) -> None:
        self._stop = True
        self.wait(5000)

    def poll_once(self) -> list[JobView]:
        """One read and its signals (what run() repeats; tests call it directly)."""
        jobs = self._fetch()
        for job in jobs:
            before = self._last.get(job.id)
            if before is not None and before.percent != job.percent:
                self.progress.emit(job.id, job.percent)
            if before is None or before.status != job.status:
                if job.status == JobStatus.DONE:
                    self.finished_job.emit(job.id)
                elif job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED):
                    self.failed_job.emit(job.id, job.error)
        self._last = {j.id: j for j in jobs}
        self.polled.emit(jobs)
        return jobs

    def run(self) -> None:
        delay = BUSY_S
        failing = False
        while not self._stop:
            try:
                jobs = self.poll_once()
                delay = BUSY_S if any(j.active for j in jobs) else IDLE_S
                if failing:
                    failing = False
                    self.recovered.emit()
            except Exception as err:
                failing = True
                self.problem.emit(f"{CANNOT_READ}: {err}")
                delay = min(MAX_BACKOFF_S, max(delay, BUSY_S) * 2)
            slept = 0.0
            while slept < delay and not self._stop:
                self.msleep(50)
                slept += 0.05
