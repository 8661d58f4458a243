"""Where a queue's supervisor reads and marks jobs: the local project, or an EXACT server.

The supervisor needs four things of a job: its state, who holds it, how long it has gone without
progress, and a way to fail it with a reason. The project store has the desktop's own status; on
a server the state is derived from EXACT's fields. "Without progress" is measured with this
machine's monotonic clock from the moment `processing_complete` (or the holder) last changed:
not from `updated_time`, which the worker's heartbeat refreshes while it holds the job (its
lease), also when `process()` hangs.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any, Protocol

from exact_desktop.model import entities as e
from exact_desktop.model.entities import JobStatus, status_from_exact, stored_id
from exact_desktop.plugins.jobs import fail_job
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.processing import JOBS, item, job_read, jobs_listed
from exact_desktop.store.base import NotFoundError, Store


@dataclass(frozen=True)
class JobState:
    id: int
    status: str
    processing_complete: float
    attached_worker: str
    error: str = ""
    image: int = 0
    detail: str = ""


class JobBook(Protocol):
    def get(self, job_id: int) -> JobState | None: ...
    def states(self, job_ids: list[int]) -> list[JobState]: ...
    def held_by(self, worker: str, job_ids: list[int]) -> list[JobState]: ...
    def idle_s(self, job: JobState) -> float: ...
    def fail(self, job_id: int, message: str, detail: str = "") -> None: ...
    def interrupt(self, job_id: int, message: str) -> None: ...


class ProgressClock:
    """When each job's progress last changed, by this machine's monotonic clock."""

    def __init__(self) -> None:
        self._changed: dict[int, tuple[tuple[Any, ...], float]] = {}

    def seen(self, job: JobState) -> JobState:
        state = (job.processing_complete, job.attached_worker)
        before = self._changed.get(job.id)
        if before is None or before[0] != state:
            self._changed[job.id] = (state, time.monotonic())
        return job

    def idle_s(self, job: JobState) -> float:
        return time.monotonic() - self._changed[job.id][1]


class StoreJobBook(ProgressClock):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def get(self, job_id: int) -> JobState | None:
        try:
            job = self.store.get(e.PluginJob, job_id)
        except NotFoundError:
            return None  # its plugin or image was removed while it ran
        return self._view(job)

    def _view(self, job: e.PluginJob) -> JobState:
        return self.seen(JobState(
            stored_id(job), job.status, job.processing_complete, job.attached_worker,
            job.error_message, job.image, job.error_detail,
        ))  # fmt: skip

    def states(self, job_ids: list[int]) -> list[JobState]:
        return [self._view(j) for j in self.store.list(e.PluginJob, id__in=job_ids)]

    def held_by(self, worker: str, job_ids: list[int]) -> list[JobState]:
        return [self._view(j) for j in self.store.list(e.PluginJob, attached_worker=worker)]

    def fail(self, job_id: int, message: str, detail: str = "") -> None:
        with contextlib.suppress(NotFoundError):  # gone meanwhile: nothing left to mark
            fail_job(self.store, job_id, message, detail)

    def interrupt(self, job_id: int, message: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.store.update(e.PluginJob, job_id, status=JobStatus.INTERRUPTED, error_message=message[:500])


class ExactJobBook(ProgressClock):
    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection

    def _view(self, fields: dict[str, Any]) -> JobState:
        return self.seen(JobState(
            fields["id"], status_from_exact(fields), float(fields.get("processing_complete") or 0),
            fields.get("attached_worker") or "", fields.get("error_message") or "", fields.get("image") or 0,
            fields.get("error_detail") or "",
        ))  # fmt: skip

    def get(self, job_id: int) -> JobState | None:
        try:
            return self._view(job_read(self.connection, job_id))
        except ExactApiError:
            return None

    def states(self, job_ids: list[int]) -> list[JobState]:
        if not job_ids:
            return []
        listed = jobs_listed(self.connection, filter_ids=",".join(map(str, job_ids)))  # job ids, on EXACT too
        return [self._view(j) for j in listed if j["id"] in job_ids]

    def held_by(self, worker: str, job_ids: list[int]) -> list[JobState]:
        return [j for j in self.states(job_ids) if j.attached_worker == worker]

    def fail(self, job_id: int, message: str, detail: str = "") -> None:
        self.connection.patch(item(JOBS, job_id), error_message=message[:500], error_detail=detail[-5000:])

    def interrupt(self, job_id: int, message: str) -> None:
        """EXACT has no state field: the message says it (its first word, as for a cancel)."""
        self.connection.patch(item(JOBS, job_id), error_message=message[:500])
