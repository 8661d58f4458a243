"""Worker threads that give way to the GUI thread.

On 2 cores, tile readers and overlay renderers that are busy in C (openslide, SQLite, OpenCV)
take the cores from the thread that paints: a repaint that needed 12 ms of CPU took 41 ms of
wall time. Raising a worker's nice value lets the scheduler run the painter first; the workers
keep every idle cycle. Linux only: there a thread is its own task, elsewhere the call would
name a process.
"""

from __future__ import annotations

import os
import sys
import threading

WORKER_NICENESS = 10


def give_way_to_the_gui() -> None:
    """A thread pool initializer: this thread runs at a lower priority than the GUI thread."""
    if sys.platform != "linux":
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICENESS)
    except OSError:
        pass  # a sandbox that forbids it: the workers run at the usual priority
