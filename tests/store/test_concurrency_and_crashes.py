"""Several processes on one file, and a writer killed mid-transaction: nothing is lost or torn."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from exact_desktop.model import entities as e
from exact_desktop.model.geometry import Rect
from exact_desktop.store.base import ViewportQuery
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import PROJECT
from tests.store.conftest import seed


def writer(db: Path, image: int, kind: int, count: int, batch: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.writer_process", str(db), str(image), str(kind), str(count), str(batch), tag],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_the_file_is_in_wal_mode(store, seeded):
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_four_processes_write_ten_thousand_each_and_all_are_there(tmp_path):
    db = tmp_path / "shared.db"
    store = SqliteStore(db)
    s = seed(store)
    procs = [writer(db, s.image.id, s.box.id, 10_000, batch, f"w{n}") for n, batch in enumerate((1, 50, 500, 5_000))]
    # the GUI keeps reading while they write
    reads = 0
    while any(p.poll() is None for p in procs):
        store.viewport(ViewportQuery(s.image.id, Rect(0, 0, 500, 500)))
        reads += 1
        time.sleep(0.01)
    for p in procs:
        _out, err = p.communicate()
        assert p.returncode == 0, err
        assert "locked" not in err
    assert store.count(e.Annotation) == 40_000
    for n in range(4):
        assert store.count(e.Annotation, description=f"w{n}") == 10_000
    whole = store.viewport(ViewportQuery(s.image.id, Rect(-1, -1, 20_000, 20_000)))
    assert len(whole) == 40_000 and len(set(whole.ids.tolist())) == 40_000
    assert reads > 0
    store.close()


def test_concurrent_first_opens_migrate_once(tmp_path):
    db = tmp_path / "fresh.db"
    code = "import sys; from exact_desktop.store.sqlite.store import SqliteStore; SqliteStore(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=PROJECT, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    store = SqliteStore(db)
    seed(store)
    assert store.count(e.Team) == 1
    store.close()


def test_a_writer_killed_mid_bulk_insert_leaves_all_or_nothing(tmp_path):
    db = tmp_path / "crash.db"
    store = SqliteStore(db)
    s = seed(store)
    store.create(e.Annotation(s.box.id, s.image.id, {"x1": 0, "y1": 0, "x2": 1, "y2": 1}, description="before"))
    store.close()
    batch = 400_000
    proc = writer(db, s.image.id, s.box.id, batch, batch, "bulk")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(2.0)  # well inside the transaction: the batch takes over ten seconds here
    assert proc.poll() is None, "the bulk insert finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened = SqliteStore(db)
    bulk = reopened.count(e.Annotation, description="bulk")
    assert bulk in (0, batch)
    assert reopened.count(e.Annotation, description="before") == 1
    indexed = reopened.viewport(ViewportQuery(s.image.id, Rect(-1, -1, 10**6, 10**6)))
    assert len(indexed) == 1 + bulk
    reopened.close()
