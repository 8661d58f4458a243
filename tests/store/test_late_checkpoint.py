"""A large write returns before its WAL is copied into the file; what it committed is kept anyway.

The checkpoint after 100,000 polygons moved 76 MB and took the commit 0.2-0.4 s: large bulk
writes leave it to the store's own thread. WAL with synchronous=NORMAL stays: a commit in the
WAL survives the process being killed.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.engine import checkpoint_passive, make_engine, write
from exact_desktop.store.sqlite.store import LATE_CHECKPOINT_FROM, SqliteStore
from tests.store.conftest import seed

BLOB = 2_000_000  # bytes: far more than the 10 pages the test's automatic checkpoint waits for


def _autocheckpoint_at_10_pages(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=10")


def test_a_write_may_leave_its_checkpoint_for_later_and_the_connection_checkpoints_as_before(tmp_path):
    path = tmp_path / "w.db"
    engine = make_engine(path)
    event.listen(engine, "connect", _autocheckpoint_at_10_pages)
    write(engine, lambda conn: conn.exec_driver_sql("CREATE TABLE stuff (b BLOB)"))
    checkpoint_passive(engine)
    empty = path.stat().st_size
    write(engine, lambda conn: conn.exec_driver_sql(f"INSERT INTO stuff VALUES (randomblob({BLOB}))"), checkpoint=False)
    assert path.stat().st_size == empty  # committed, in the WAL alone
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10  # put back
    checkpoint_passive(engine)
    assert path.stat().st_size > empty + BLOB // 2
    grown = path.stat().st_size
    write(engine, lambda conn: conn.exec_driver_sql(f"INSERT INTO stuff VALUES (randomblob({BLOB}))"))
    assert path.stat().st_size > grown + BLOB // 2  # an ordinary write checkpoints at its commit
    engine.dispose()


def test_a_large_bulk_write_is_checkpointed_by_the_store_after_it_returns(tmp_path):
    store = SqliteStore(tmp_path / "p.db")
    s = seed(store)
    event.listen(store.engine, "connect", _autocheckpoint_at_10_pages)
    store.engine.dispose()
    boxes = [
        e.Annotation(s.box.id, s.image.id, {"x1": n, "y1": 5, "x2": n + 9, "y2": 14})
        for n in range(LATE_CHECKPOINT_FROM)
    ]
    before = store.path.stat().st_size
    store.bulk_create(boxes)
    store.close()  # waits for the store's checkpoint
    plain = sqlite3.connect(store.path)
    assert plain.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone() == (0, 0, 0)  # nothing left in the WAL
    assert plain.execute("SELECT count(*) FROM annotation").fetchone() == (LATE_CHECKPOINT_FROM,)
    plain.close()
    assert store.path.stat().st_size > before


CHILD = """
import os, signal, sys
from pathlib import Path
from exact_desktop.exchange.files import carry_out, plan_file
from exact_desktop.store.sqlite.store import SqliteStore
store = SqliteStore(Path(sys.argv[1]))
result = carry_out(store, plan_file(store, int(sys.argv[2]), Path(sys.argv[3])))
print(result.stored, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # before the store's checkpoint, most likely; kept either way
"""


def test_an_import_survives_its_process_killed_right_after_it_returns(tmp_path):
    path = tmp_path / "p.db"
    store = SqliteStore(path)
    s = seed(store)
    store.close()
    features = [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[n % 900, n // 900], [n % 900 + 5, n // 900], [n % 900, n // 900 + 5], [n % 900, n // 900]]]},
         "properties": {"classification": {"name": "Tissue"}}}
        for n in range(LATE_CHECKPOINT_FROM)
    ]  # fmt: skip
    geojson = tmp_path / "many.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(s.image.id), str(geojson)],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert child.returncode == -9 and child.stdout.split() == [str(LATE_CHECKPOINT_FROM)], child.stderr
    again = SqliteStore(path)
    assert again.count(e.Annotation, image=s.image.id, deleted=False) == LATE_CHECKPOINT_FROM
    again.close()


def test_a_write_interrupted_at_its_commit_raises_the_interrupt_not_the_clean_up(tmp_path, monkeypatch):
    """Ctrl+C at a large write's commit (the signal is taken as the commit returns): SQLAlchemy
    closes the connection, and putting the automatic checkpoint back on it raised 'Cannot
    operate on a closed database' over the interrupt (a two-part traceback instead of exit 130;
    an outside tester's finding). What was committed stays."""
    engine = make_engine(tmp_path / "w.db")
    write(engine, lambda conn: conn.exec_driver_sql("CREATE TABLE stuff (b BLOB)"))

    def commit_then_interrupt(dbapi_connection: sqlite3.Connection) -> None:
        dbapi_connection.commit()
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.dialect, "do_commit", commit_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write(engine, lambda conn: conn.exec_driver_sql("INSERT INTO stuff VALUES (x'00')"), checkpoint=False)
    monkeypatch.undo()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM stuff").scalar() == 1
