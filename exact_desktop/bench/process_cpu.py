"""CPU seconds of this process and its children (plugin workers), read from /proc.

A wall-clock time on a shared 2-core machine measures the share of the cores a run got; the
CPU seconds a run spent hold under load, so a benchmark can say what the work itself cost.
Children are read while they run (the rusage of children counts only those that have ended).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot() -> dict[int, float] | None:
    """CPU seconds (user + system) so far of this process and each live child, by pid; None
    where /proc cannot be read (not Linux)."""
    if not _PROC.is_dir():
        return None
    me = os.getpid()
    seconds = {me: time.process_time()}
    for stat in _PROC.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == me:  # its parent's pid
            seconds[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / _TICKS
    return seconds


def cpu_spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """CPU seconds spent between two snapshots by the processes alive at the second (a child
    started between them counts from zero)."""
    if before is None or after is None:
        return None
    return sum(now - before.get(pid, 0.0) for pid, now in after.items())
