"""Worker processes started ahead and kept between runs, as EXACT's plugin processes and Celery
workers are: a job on a warm worker starts at once, without a new process importing the SDK
and the plugin (about 1.5 s for the nuclei detector, more on a busy machine).

A worker is only used for the plugin, script and environment it was started with, and not
after the plugin's file has changed. Workers are started ahead only for `module:function`
plugins, which run on the SDK by construction; any worker that ended a run idle is kept.
Workers idle for longer than `idle_s` are ended the next time the pool is used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from exact_desktop.model import entities as e
from exact_desktop.plugins.worker_process import WorkerProcess, code_stamp, start_worker, wait_or_kill

IDLE_S = 600.0
END_GRACE_S = 2.0


def warm_key(plugin: e.Plugin, env: dict[str, str]) -> Hashable:
    return (plugin.name, plugin.script, code_stamp(plugin.script), tuple(plugin.produces), tuple(plugin.products),
            tuple(sorted(env.items())))  # fmt: skip


def starts_ahead(plugin: e.Plugin) -> bool:
    """A `module:function` plugin runs through the SDK's entry (plugins/entry.py), which waits
    for its jobs; any other script might work on whatever it finds as soon as it starts."""
    return ":" in plugin.script


class WarmWorkers:
    def __init__(self, idle_s: float = IDLE_S) -> None:
        self.idle_s = idle_s
        self._idle: dict[Hashable, list[WorkerProcess]] = {}
        self._lock = threading.Lock()

    def warm(self, plugin: e.Plugin, env: dict[str, str], count: int, names: Callable[[], str]) -> list[WorkerProcess]:
        """Start workers until `count` wait for `plugin` (none for a plugin that is not started
        ahead); the ones started now, whose `ready` is set once they can take a job."""
        if not starts_ahead(plugin):
            return []
        key = warm_key(plugin, env)
        with self._lock:
            self._expire()
            waiting = self._idle.setdefault(key, [])
            started = [start_worker(plugin, env, names(), []) for _ in range(len(waiting), count)]
            waiting.extend(started)
        return started

    def take(self, plugin: e.Plugin, env: dict[str, str]) -> WorkerProcess | None:
        """A live idle worker for `plugin` with this environment, if one waits."""
        key = warm_key(plugin, env)
        with self._lock:
            self._expire()
            waiting = self._idle.get(key, [])
            while waiting:
                worker = waiting.pop(0)
                if worker.process.poll() is None:
                    return worker
                worker.close()
        return None

    def keep(self, plugin: e.Plugin, env: dict[str, str], worker: WorkerProcess) -> None:
        """A worker that ended its run idle waits here for the next one."""
        with self._lock:
            self._idle.setdefault(warm_key(plugin, env), []).append(worker)

    def close(self) -> None:
        with self._lock:
            workers = [w for waiting in self._idle.values() for w in waiting]
            self._idle.clear()
        end_workers(workers)

    def _expire(self) -> None:
        now = time.monotonic()
        for key, waiting in self._idle.items():
            old = [w for w in waiting if w.ready.is_set() and now - w.idle_since > self.idle_s]
            self._idle[key] = [w for w in waiting if w not in old]
            end_workers(old)


def end_workers(workers: list[WorkerProcess]) -> None:
    """Close their stdin (they exit), then terminate and kill those still there after the grace."""
    for worker in workers:
        worker.end()
    wait_or_kill(workers, END_GRACE_S)
