"""A process named so that another can tell later whether it still runs.

Its host, its pid and the start time the system gives it: a pid alone is handed to a new
process once the old one has gone, and a machine restarted has none of the old processes.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import psutil

SAME_START_S = 1.0  # start times read twice agree to the clock tick; a clock set meanwhile moves them a little


@dataclass(frozen=True)
class ProcessMark:
    host: str  # "": not recorded, so this machine's
    pid: int  # 0: not known, so gone
    started: float | None  # seconds since the epoch; None: not recorded, the pid alone decides

    @staticmethod
    def here() -> ProcessMark:
        return ProcessMark(socket.gethostname(), os.getpid(), psutil.Process().create_time())

    def gone(self) -> bool:
        """True only when sure: this machine runs no such process (none of that pid, or one that
        started at another time, or one that has ended and waits to be reaped). A process of
        another machine is never judged from here."""
        if self.host not in ("", socket.gethostname()):
            return False
        if self.pid <= 0:
            return True
        try:
            process = psutil.Process(self.pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
            return self.started is not None and abs(process.create_time() - self.started) > SAME_START_S
        except psutil.NoSuchProcess:
            return True
        except psutil.AccessDenied:
            return False
