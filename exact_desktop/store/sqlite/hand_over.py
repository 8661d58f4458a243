"""A shorter GIL switch interval while a bulk write's two threads run.

The writing thread lets go of the GIL while SQLite steps a statement, and needs it back to bind
the next: the preparing thread holds it meanwhile. Python makes a thread that wants the GIL wait
one switch interval (5 ms by default) before it asks the holder to let go, so every statement
cost the writer up to 5 ms of nothing. A bulk write runs with 0.5 ms instead; the interval is
the process's, so it is put back when the last bulk write that shortened it ends.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

SWITCH_S = 0.0005

_lock = threading.Lock()
_running = 0
_before = sys.getswitchinterval()


@contextlib.contextmanager
def quick_hand_over() -> Iterator[None]:
    global _running, _before
    with _lock:
        if not _running:
            _before = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_S, _before))
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if not _running:
                sys.setswitchinterval(_before)
