"""Claiming jobs on a server that has no atomic claim and no lease; the lease and its heartbeat.

A claim writes our name and reads it back (another worker may have written at the same time).
A lease is a claim whose holder keeps refreshing `updated_time`; this worker notes each claimed
job's `updated_time` and, with its own monotonic clock, how long that value has stood still. A
claim that has not moved for the lease is abandoned and may be taken over. Server times are
only ever compared with server times (for equality), never with this machine's clock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from exact_desktop.plugins.sdk.context import now_iso
from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.processing import JOBS, Job, item

READ_BACK_DELAY_S = 0.05  # lets a concurrent claimer's write land before we read


def is_open(job: Job) -> bool:
    """Not finished, not failed or cancelled."""
    return not job.get("error_message") and (job.get("processing_complete") or 0) < 100


def claim(connection: Connection, job: Job, me: str) -> bool:
    path = item(JOBS, job["id"])
    connection.patch(path, attached_worker=me, updated_time=now_iso())
    time.sleep(READ_BACK_DELAY_S)
    return connection.get(path, fields="id,attached_worker").get("attached_worker") == me


class LeaseWatch:
    def __init__(self, lease_s: float) -> None:
        self.lease_s = lease_s
        self._seen: dict[int, tuple[tuple[Any, ...], float]] = {}  # job -> (state, since when, monotonic)

    def claimable(self, job: Job, me: str) -> bool:
        holder = job.get("attached_worker")
        if not holder or holder == me:
            return True
        state = (holder, job.get("updated_time"), job.get("processing_complete"))
        seen = self._seen.get(job["id"])
        now = time.monotonic()
        if seen is None or seen[0] != state:
            self._seen[job["id"]] = (state, now)
            return False
        return now - seen[1] >= self.lease_s

    def waiting_for(self, jobs: list[Job], me: str, idle_exit_s: float) -> bool:
        """True while a claim by another worker could still expire within the idle time."""
        now = time.monotonic()
        for job in jobs:
            seen = self._seen.get(job["id"])
            held_by_other = job.get("attached_worker") not in (None, "", me)
            if held_by_other and seen is not None and seen[1] + self.lease_s <= now + idle_exit_s:
                return True
        return False


class Heartbeat:
    """Refreshes the job's `updated_time` while the worker holds it: the lease other workers watch."""

    def __init__(self, connection: Connection, job_path: str, every_s: float) -> None:
        self.connection, self.job_path, self.every_s = connection, job_path, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(ExactApiError):  # the next beat tries again; a lease outlasts a few misses
                self.connection.patch(self.job_path, updated_time=now_iso())
