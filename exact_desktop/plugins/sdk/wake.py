"""A worker kept warm by the local queue: woken with job ids on stdin, reporting on stdout.

The local queue starts its workers with `EXACT_WAKE=stdin`: such a worker finds its plugin
once, says `{"ready": true}`, and then waits for a line of comma-separated job ids rather than
polling the server. Each line (and the ids of `EXACT_JOB_IDS`, when it was started with some)
is one wake: the worker works through every job it was given that it can claim, saying
`{"job": ID, "status": ...}` as each ends, then `{"idle": true}` once, and waits for the next
line. The end of stdin ends it. Each of these lines (one JSON object) carries the token the
queue gave this start (`EXACT_WAKE_TOKEN`): the queue hears nothing else on stdout, so a plugin
printing there, even while its module is imported before this channel exists, cannot speak for
the worker. Once the channel exists the plugin's own prints go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any

WAKE_ENV = "EXACT_WAKE"
TOKEN_ENV = "EXACT_WAKE_TOKEN"  # a fresh secret per start; every line the worker says carries it


class Wake:
    def __init__(self, lines: IO[str], reports: IO[str], token: str) -> None:
        self.lines, self.reports, self.token = lines, reports, token

    @classmethod
    def from_environment(cls) -> Wake | None:
        """The queue's channel when this worker was started with `EXACT_WAKE=stdin`, else None."""
        if os.environ.get(WAKE_ENV) != "stdin":
            return None
        sys.stdout.flush()
        reports = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # print() in a plugin: to stderr, not into the channel
        return cls(sys.stdin, reports, os.environ.get(TOKEN_ENV, ""))

    def say(self, **fields: Any) -> None:
        self.reports.write(json.dumps({**fields, "token": self.token}) + "\n")
        self.reports.flush()

    def next_jobs(self) -> list[int] | None:
        """The job ids of the next wake (blocks until it comes); None when the queue has gone."""
        while line := self.lines.readline():
            ids = [int(part) for part in line.split(",") if part.strip()]
            if ids:
                return ids
        return None
