"""Several forked processes serving one listening socket, and their supervision.

A server's Python work (reading a request, checking it, writing its answer) holds one
interpreter's lock, so one process uses one core however many requests are in flight: a push
into `serve` was bound by that core. Forked workers share the socket (the kernel hands each
connection to one of them) and the project file (SQLite's own locks order their writes, as they
do any two writers'). The parent only passes stop signals on and watches: when one worker ends
unasked, it stops the others, so a half-alive server never answers some requests and not others.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PARENT_CHECK_S = 0.5


def can_fork() -> bool:
    return hasattr(os, "fork")


def run_forked(count: int, work: Callable[[int], int], started: Callable[[], None]) -> int:
    """`work(parent pid)` in `count` forked processes until a stop signal reaches this one (passed on to
    each) or one of them ends unasked (the others are stopped, and the exit status is 1).
    `started()` runs once they are forked."""
    children: dict[int, bool] = {}  # pid -> asked to stop (a stop signal here asks them all)
    parent = os.getpid()

    def stop(*_: object) -> None:
        for pid in children:
            _terminate(children, pid)

    for stop_signal in STOP_SIGNALS:  # set before forking: no moment where a stop kills only this one
        signal.signal(stop_signal, stop)
    # held back while forking: a stop reaching a new worker before it has its own handling would
    # run this one's handler there, or be dropped when it swaps handlers; it now waits for them
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for _ in range(count):
            pid = os.fork()
            if pid == 0:
                os._exit(_child(work, parent))
            children[pid] = False
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    started()
    failed = False
    while children:
        pid, status = os.wait()
        stopped = children.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if not stopped:
            print(f"exact-desktop: server worker {pid} ended by itself ({_how(code)}); stopping the others",
                  file=sys.stderr, flush=True)  # fmt: skip
            failed = True
            for other in children:
                _terminate(children, other)
        elif code not in (0, -signal.SIGTERM, -signal.SIGINT):  # one stopped before it ran: by the signal
            failed = True
    return 1 if failed else 0


def exit_with_parent(parent: int, stop: Callable[[], None]) -> None:
    """Call `stop()` once `parent` is no longer this process's parent (it was killed without
    passing a stop on, perhaps before this worker got here), so no worker holds the port alone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        stop()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _child(work: Callable[[int], int], parent: int) -> int:
    """A worker's whole life; its own stop handling replaces the parent's (which stops siblings)."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_DFL)  # a stop before the server runs just ends it
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        return work(parent)
    except SystemExit as done:  # uvicorn's way out when it cannot start
        return done.code if isinstance(done.code, int) else 1
    except BaseException:  # the exit status and the trace are the report
        traceback.print_exc()
        return 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()


def _terminate(children: dict[int, bool], pid: int) -> None:
    if children[pid]:
        return
    children[pid] = True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def _how(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit status {code}"
