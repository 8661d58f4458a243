"""Whether another process wrote to the project file: a sync or an import run from the command
line while a window shows the same project.

SQLite's `PRAGMA data_version` on a connection of its own changes whenever any other connection
commits, this process's own ones included; so the store says when it committed itself
(`ours`), and what changed the version since is somebody else's. A commit of another process
in the instant between one of ours and its `ours` is taken for ours: seen at its next change.
`commits` says a commit of anybody's, for what a window follows whoever wrote it (the types).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class OutsideWrites:
    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._closed = False
        self._seen = self._committed = self._version()

    def _version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def ours(self) -> None:
        """This process just committed: what the version shows now is known here (nothing once
        closed: a sync thread may still commit through the engine after its window closed)."""
        with self._lock:
            if not self._closed:
                self._seen = self._version()

    def news(self) -> bool:
        """True once after each commit of another process (cheap: a window asks every second).
        False once the store is closed: a window's timer may fire after its project closed."""
        with self._lock:
            changed, self._seen = self._moved_from(self._seen)
            return changed

    def commits(self) -> bool:
        """True once after each commit, this process's own included (as cheap as `news`)."""
        with self._lock:
            changed, self._committed = self._moved_from(self._committed)
            return changed

    def _moved_from(self, known: int) -> tuple[bool, int]:
        """Whether the version moved past `known`, and the version now (unmoved once closed)."""
        if self._closed:
            return False, known
        now = self._version()
        return now != known, now

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()
