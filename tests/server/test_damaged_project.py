"""A project file whose data pages are damaged (its schema whole): every command names the file
and says it is damaged (exit 2, one line), `serve` answers 503 saying so, and `check` lists what
SQLite's integrity check finds (exit 1; 0 on a whole file). The damage is real: bytes of the
annotation table's and its indexes' pages overwritten in a real project file."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from exact_desktop.model import entities as e
from exact_desktop.store.sqlite.store import SqliteStore
from tests.server.conftest import start_server, stop_server
from tests.server.test_auth_and_errors import get
from tests.server.test_hardening import A
from tests.store.conftest import box, seed
from tests.store.test_project_files import one_line, run


def damage_pages(path: Path, table: str, indexes_only: bool = False) -> int:
    """Overwrite the leaf pages of `table`'s b-trees (or of its indexes only) with random bytes;
    the schema stays whole. Returns how many pages were damaged."""
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        kinds = ("index",) if indexes_only else ("index", "table")
        names = [r[0] for r in raw.execute("SELECT name, type FROM sqlite_master WHERE tbl_name = ?", (table,))
                 if r[1] in kinds]  # fmt: skip
        pages = [r[0] for r in raw.execute(
            f"SELECT pageno FROM dbstat WHERE name IN ({','.join('?' * len(names))}) AND pagetype = 'leaf'", names
        )]  # fmt: skip
    raw.close()
    noise = random.Random(7)
    with path.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(noise.randbytes(page_size))
    return len(pages)


def project(tmp_path: Path, indexes_only: bool = False) -> tuple[Path, int]:
    db = tmp_path / "p.db"
    store = SqliteStore(db)
    s = seed(store)
    store.bulk_create([e.Annotation(s.box.id, s.image.id, box(i, i), description="d" * 50) for i in range(3000)])
    store.close()
    assert run("check", "--db", str(db)).returncode == 0  # whole before the damage
    assert damage_pages(db, "annotation", indexes_only) > 10
    return db, s.image.id


@pytest.fixture(params=[False, True], ids=["found-on-opening", "found-by-a-read"])
def damaged(tmp_path, request) -> tuple[Path, int]:
    return project(tmp_path, indexes_only=request.param)


def test_commands_name_a_damaged_file_and_check_lists_the_damage(damaged, tmp_path):
    db, image = damaged
    out = tmp_path / "out.json"
    one_line(run("export", "--db", str(db), "--image", str(image), str(out)), str(db), "damaged", "check")
    assert not out.exists()
    source = tmp_path / "in.geojson"
    source.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                      '{"type": "Point", "coordinates": [5, 5]}, "properties": {"classification": {"name": "Nucleus"}}}]}')  # fmt: skip
    one_line(run("import", "--db", str(db), "--image", str(image), str(source)), str(db), "damaged")
    checked = run("check", "--db", str(db))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "damaged" in checked.stderr and str(db) in checked.stderr and len(checked.stderr.splitlines()) >= 2


def test_serve_refuses_a_damaged_file_or_answers_503_naming_the_damage(tmp_path):
    db, _image = project(tmp_path / "all")
    one_line(run("serve", "--db", str(db)), str(db), "damaged")  # found on opening: served never
    db, image = project(tmp_path / "indexes", indexes_only=True)  # found only when a list reads an index
    process, info = start_server(db)
    try:
        answer = get(type("S", (), {"url": info["url"], "token": info["token"]}), A, params={"image": image})
        assert answer.status_code == 503, answer.text
        assert "damaged" in answer.json()["detail"] and str(db) in answer.json()["detail"]
    finally:
        stop_server(process)


def test_check_refuses_what_is_not_a_project_file(tmp_path):
    one_line(run("check", "--db", str(tmp_path / "missing.db")), "no such file")
    one_line(run("check", "--db", str(tmp_path)), "is a folder")
    (tmp_path / "notes.db").write_text("hello")
    one_line(run("check", "--db", str(tmp_path / "notes.db")), "not an SQLite database file")
    assert not (tmp_path / "missing.db").exists()


def test_a_table_dropped_outside_is_named_at_open_and_by_check(tmp_path):
    """SQLite's integrity check passes a file whose table was dropped (its pages are whole), and a
    window opened it, to fail on the table later (a server mirror's window aborted)."""
    db = tmp_path / "p.db"
    store = SqliteStore(db)
    seed(store)
    store.close()
    with sqlite3.connect(db) as raw:
        raw.execute("DROP TABLE review_decision")
    before = dumped(db)
    one_line(run("plugin", "list", "--db", str(db)), str(db), "damaged", "review_decision")
    one_line(run("open", str(db), "--screenshot", str(tmp_path / "x.png")), str(db), "damaged", "review_decision")
    assert dumped(db) == before  # nothing made over
    checked = run("check", "--db", str(db))
    assert checked.returncode == 1 and "table review_decision is missing" in checked.stderr, checked.stderr


def dumped(db: Path) -> list[str]:
    with sqlite3.connect(db) as raw:
        return list(raw.iterdump())
