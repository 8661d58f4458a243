"""Making many small objects at once (parsed files, vectors, rows of a bulk write)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

_lock = threading.Lock()
_holders = 0  # pauses in force, on any thread: the collector runs again when the last one ends
_resume = False  # whether it was on when the first of them began


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector held off while millions of small objects are made (parsed
    features, vectors, rows), none of them in a cycle: it would walk all of them again every
    few thousand allocations. Parsing a 20 MB file of 100,000 polygons: 2.5-4 s with it,
    0.6-1 s without (loaded machine). Pauses may overlap, on one thread or several (a bulk
    write beside a file freed aside): the collector is off until the last one ends."""
    _hold()
    try:
        yield
    finally:
        _release()


def dropped_aside(holder: list[Any]) -> None:
    """The objects in `holder` (its caller's only references to them) freed on a thread of their
    own, with the collector held off until they are gone: freeing a parsed file of 100,000
    polygons takes about 0.2 s, which then overlaps the caller's next work (SQLite's, which lets
    go of the GIL while it steps). Until they are freed, the collector's first run would walk them."""
    _hold()

    def drop() -> None:
        try:
            holder.clear()
        finally:
            _release()

    threading.Thread(target=drop, name="dropped aside", daemon=True).start()


def _hold() -> None:
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1


def _release() -> None:
    global _holders
    with _lock:
        _holders -= 1
        if _holders == 0 and _resume:
            gc.enable()
