"""A window asks whether another process wrote to its project: its own writes are not news."""

from __future__ import annotations

import subprocess
import sys

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT


def test_only_another_process_s_commit_is_news(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    writes = store.outside_writes()
    assert not writes.news()
    store.create(e.User("here"))
    store.bulk_create([e.Team("lab"), e.Team("clinic")])
    assert not writes.news()  # this process's own writes
    script = (
        "from exact_desktop.model.entities import User; from exact_desktop.store.sqlite.store import SqliteStore; "
        f"s = SqliteStore({str(tmp_path / 'p.db')!r}); s.create(User('elsewhere')); s.close()"
    )
    subprocess.run([sys.executable, "-c", script], cwd=PROJECT, check=True, timeout=120)
    assert writes.news() and not writes.news()  # said once
    store.close()


def test_a_closed_store_has_no_news_and_raises_nothing(tmp_path):
    """A window's once-a-second timer can fire after its project was closed (seen in a
    server window's test: 'Cannot operate on a closed database' in the Qt event loop)."""
    store = SqliteStore(tmp_path / "p.db")
    writes = store.outside_writes()
    store.close()
    assert writes.news() is False
    writes.ours()  # a commit noted after the close (a sync thread's) raises nothing either
    assert writes.news() is False


def test_any_commit_is_said_once_this_process_s_own_included(tmp_path):
    """What a window follows whoever wrote it (its image's types) is read again after any commit."""
    store = SqliteStore(tmp_path / "p.db")
    writes = store.outside_writes()
    assert not writes.commits()
    store.create(e.User("here"))
    assert writes.commits() and not writes.commits() and not writes.news()
    store.close()
    assert writes.commits() is False
