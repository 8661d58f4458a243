"""A job's progress reports, sent on a thread of their own: `process()` never waits for the
server's answer (a round trip every half second was a few percent of a nuclei job's time).

One request at a time; a report made while one is on its way replaces any not yet sent, so the
server always gets the latest. The answers tell whether the job was cancelled; a report that
failed is raised on the plugin's thread at its next report (or by `raise_error`).
"""

from __future__ import annotations

import threading
from typing import Any

from exact_desktop.rest.connection import Connection


class ProgressReporter:
    def __init__(self, connection: Connection, job_path: str) -> None:
        self.connection, self.job_path = connection, job_path
        self.answer: dict[str, Any] | None = None  # the job as the latest answer showed it
        self._error: BaseException | None = None
        self._next: dict[str, Any] | None = None
        self._closed = False
        self._turn = threading.Condition()
        self._thread: threading.Thread | None = None

    def report(self, fields: dict[str, Any]) -> None:
        """Send these job fields soon (returns at once)."""
        with self._turn:
            self._next = fields
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="job-progress", daemon=True)
                self._thread.start()
            self._turn.notify_all()

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Wait until every report made has been answered (none lands after what comes next), then end."""
        with self._turn:
            self._closed = True
            self._turn.notify_all()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._turn:
                while self._next is None and not self._closed:
                    self._turn.wait()
                if self._next is None:
                    return
                fields, self._next = self._next, None
            try:
                self.answer = self.connection.patch(self.job_path, **fields)
            except Exception as err:  # for the plugin's thread, at its next report
                self._error = self._error or err
