"""One queue of tile requests on worker threads, for slide tiles and overlay tiles alike.

The view says at each paint what it wants now, most wanted first (`want`); a queued request
it no longer wants is dropped unread, and one that starts after the view has left it does no
work. A request's work runs on a worker thread, which gives way to the GUI thread; what it
hands back (an announcement: a tile is ready) runs once the request has left the queue, so a
repaint it causes can ask for that tile again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from exact_desktop.slides.worker_threads import give_way_to_the_gui

K = TypeVar("K", bound=Hashable)
Announce = Callable[[], None]
Work = Callable[[], Announce | None]  # a request's work; what it returns runs after it left the queue


class TileRequests(Generic[K]):
    def __init__(self, name: str, workers: int = 2) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name,
                                            initializer=give_way_to_the_gui)  # fmt: skip
        self._lock = threading.Lock()
        self._wanted: set[K] = set()
        self._pending: dict[K, Future[None]] = {}
        self.dropped_count = 0  # requests dropped unread: the view had left them

    def want(self, requests: Sequence[tuple[K, Work]]) -> None:
        """Replace the wish list: queue what is not queued yet, drop what is queued and no longer wanted."""
        with self._lock:
            self._wanted = {key for key, _ in requests}
            for key, future in list(self._pending.items()):
                if key not in self._wanted and future.cancel():
                    del self._pending[key]
                    self.dropped_count += 1
            for key, work in requests:
                if key not in self._pending:
                    self._pending[key] = self._executor.submit(self._run, key, work)

    def idle(self) -> bool:
        with self._lock:
            return not self._pending

    def _run(self, key: K, work: Work) -> None:
        with self._lock:
            if key not in self._wanted:  # the view moved on while this waited
                self._pending.pop(key, None)
                self.dropped_count += 1
                return
        announce = None
        try:
            announce = work()
        finally:
            with self._lock:
                self._pending.pop(key, None)
        if announce is not None:
            announce()

    def shutdown(self) -> None:
        with self._lock:
            self._wanted = set()
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)
