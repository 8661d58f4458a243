"""What `plugin run` tells the person while it waits: one line per job as it moves on.

A job's percentage is said at most every few seconds, its end at once; a failure brings the
last lines of its detail (the traceback's end), which is where the reason usually is.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from exact_desktop.model.entities import JobStatus
from exact_desktop.plugins.job_book import JobBook, JobState

EVERY_S = 2.0
DETAIL_LINES = 4
ENDED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)


def detail_tail(detail: str, lines: int = DETAIL_LINES) -> str:
    """The last non-empty lines of a job's detail, for a person and the summary."""
    return "\n".join([line for line in detail.strip().splitlines() if line.strip()][-lines:])


class ProgressLines:
    def __init__(self, book: JobBook, stream: TextIO | None = None, every_s: float = EVERY_S) -> None:
        self.book, self.stream, self.every_s = book, stream or sys.stderr, every_s
        self._said: dict[int, tuple[str, int]] = {}  # job -> (status, percent) last said
        self._last = 0.0

    def __call__(self, job_ids: list[int]) -> None:
        """A round of supervision: says what moved, at most every `every_s`."""
        if time.monotonic() - self._last >= self.every_s:
            self.flush(job_ids)

    def flush(self, job_ids: list[int]) -> None:
        """Says what moved now (at the end of a run: every job's end)."""
        self._last = time.monotonic()
        for job in sorted(self.book.states(job_ids), key=lambda j: j.id):
            self._say(job)

    def ends(self, jobs: list[dict[str, Any]]) -> None:
        """The end of each job of a run's summary that was not said while it ran: a job that
        failed within one round of supervision (and a test's, removed before the last round)
        otherwise ends without its reason on stderr."""
        for job in jobs:
            said = self._said.get(job["job"])
            if said is None or said[0] not in ENDED:
                state = JobState(job["job"], job["status"], job["processing_complete"], "", job["error"] or "",
                                 job["image"], job["detail"] or "")  # fmt: skip
                self._say(state)

    def _say(self, job: JobState) -> None:
        percent = int(job.processing_complete)
        before = self._said.get(job.id)
        if before is not None and (before[0] in ENDED or before == (job.status, percent)):
            return
        if job.status == JobStatus.PENDING and before is None:
            return  # waiting for a worker: nothing to say yet
        self._said[job.id] = (job.status, percent)
        line = f"job {job.id} (image {job.image}): "
        if job.status == JobStatus.RUNNING:
            line += f"{percent} %"
        elif job.status == JobStatus.DONE:
            line += "done"
        else:
            line += f"{job.status}: {job.error}"
            if job.status == JobStatus.FAILED and job.detail:
                line += "\n" + "\n".join(f"    {x}" for x in detail_tail(job.detail).splitlines())
        print(line, file=self.stream, flush=True)
