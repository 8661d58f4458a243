"""One plugin worker process as the local queue sees it: started, woken with jobs, listened to.

A worker on the SDK speaks the protocol of `sdk/wake.py`: job ids in on stdin, `ready`, a line
per job and `idle` out on stdout, each line with the token given to that start (anything else
on stdout is the plugin's own print, not the worker's word). A thread reads those lines as they come and rings the
supervisor's bell, so the supervisor sees a job end at once instead of at its next poll. A
script without the SDK never says anything there: it works through `EXACT_JOB_IDS` and exits,
which is what the supervisor waited for before, and still does for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.plugins.registry import command_for
from exact_desktop.plugins.sdk.wake import TOKEN_ENV, WAKE_ENV


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen[bytes]
    stderr: tempfile._TemporaryFileWrapper  # type: ignore[type-arg]
    job_ids: list[int]  # the jobs of its latest wake
    token: str  # carried by each line the worker itself says
    wakes: int = 0  # wakes sent (the job ids it was started with are the first)
    idles: int = 0  # wakes it has answered with "idle": every job given was tried
    ready: threading.Event = field(default_factory=threading.Event)  # set up (or gone): it can take jobs
    bell: threading.Event = field(default_factory=threading.Event)  # rung at each line it says, and at its end
    idle_since: float = field(default_factory=time.monotonic)

    def working(self) -> bool:
        """Alive and not yet idle since its latest wake."""
        return self.process.poll() is None and self.idles < self.wakes

    def wake(self, job_ids: list[int]) -> None:
        """Hand it jobs; a worker that has gone meanwhile is found by its exit, not here."""
        self.job_ids = list(job_ids)
        self.wakes += 1
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):  # BrokenPipeError: it ended
            self.process.stdin.write((",".join(map(str, job_ids)) + "\n").encode())
            self.process.stdin.flush()

    def end(self) -> None:
        """Close its stdin: a worker on the SDK finishes what it holds and exits."""
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.close()

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-2000:]

    def close(self) -> None:
        """Once it has ended: its stderr's file and its stdin go (its stdout closes at its end)."""
        self.end()
        self.stderr.close()

    def _listen(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for raw in self.process.stdout:
                self._heard(raw)
        self.ready.set()
        self.bell.set()

    def _heard(self, raw: bytes) -> None:
        try:
            said = json.loads(raw)
        except ValueError:
            return  # a script without the SDK printing its own lines
        if isinstance(said, dict) and said.get("token") == self.token:
            if said.get("ready"):
                self.ready.set()
            if said.get("idle"):
                self.idle_since = time.monotonic()
                self.idles += 1
        self.bell.set()


def wait_or_kill(workers: list[WorkerProcess], grace_s: float) -> None:
    """Wait for each to end within `grace_s` in all, kill those still there, then close them."""
    deadline = time.monotonic() + grace_s
    for worker in workers:
        try:
            worker.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
        worker.close()


def start_worker(
    plugin: e.Plugin, env: dict[str, str], name: str, job_ids: list[int], bell: threading.Event | None = None
) -> WorkerProcess:
    """A worker for `plugin`: given `job_ids` at once, or none (started ahead, see WarmWorkers)."""
    token = secrets.token_hex(16)
    env = {
        **os.environ, **env, "EXACT_PLUGIN": plugin.name, "EXACT_WORKER": name,
        "EXACT_JOB_IDS": ",".join(map(str, job_ids)), WAKE_ENV: "stdin", TOKEN_ENV: token, "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by WorkerProcess.close when the worker has ended
    process = subprocess.Popen(
        command_for(plugin.script), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
    )
    worker = WorkerProcess(name, process, stderr, list(job_ids), token, wakes=1 if job_ids else 0)
    if bell is not None:
        worker.bell = bell
    threading.Thread(target=worker._listen, name=f"worker-{name}", daemon=True).start()
    return worker


def code_stamp(script: str) -> float:
    """When the plugin's file last changed (0 if it cannot be told): a warm worker runs the code it
    imported, so one whose file has changed since is not used again."""
    path = Path(script)
    if not path.exists():
        module = script.partition(":")[0]
        try:
            spec = find_spec(module)
        except (ImportError, ValueError):
            return 0.0
        if spec is None or spec.origin is None:
            return 0.0
        path = Path(spec.origin)
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
