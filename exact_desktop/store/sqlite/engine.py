"""SQLite connections set up for many writers: WAL, a busy timeout, BEGIN IMMEDIATE for writes.

pysqlite's own transaction handling is switched off (isolation_level=None) so the BEGIN we send
is the one that runs: readers take a snapshot with BEGIN, writers take the write lock up front
with BEGIN IMMEDIATE, so two writers never deadlock upgrading a read lock.
"""

from __future__ import annotations

import contextlib
import functools
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, ExceptionContext, create_engine, event
from sqlalchemy.exc import OperationalError

from exact_desktop.store.base import DamagedProjectError, DiskFullError

T = TypeVar("T")
BUSY_TIMEOUT_S = 30.0
WRITE_ATTEMPTS = 8
# Pages of a new project file. A million boxes in batches of 100,000 cost SQLite a quarter
# less than with the default 4 KB (measured: 8.95 s against 12.13 s of SQLite's time): a
# batch's rows spread over the spatial grid's whole B-tree, and with fewer, larger pages fewer
# of them are split, written to the WAL and copied back at the checkpoint. Existing files keep
# the size they were made with (changing it takes a VACUUM).
PAGE_SIZE = 16384


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_pre_ping=False,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "handle_error", functools.partial(_named_failure, path))
    return engine


def _named_failure(path: Path, context: ExceptionContext) -> None:
    """The failures no retry mends, raised as themselves naming the file, wherever they happen
    (a read, a write, a commit): a full disk and a damaged file."""
    named = named_failure(path, context.original_exception)
    if named is not None:
        raise named from None


def named_failure(path: Path, error: BaseException) -> Exception | None:
    """A full disk or a damaged file as the store's own error naming `path`; None for the rest."""
    if not isinstance(error, sqlite3.Error):
        return None
    reason = (str(error).splitlines() or [""])[0]
    text = reason.lower()
    if "full" in text or "disk i/o" in text:  # the transaction is rolled back whole
        return DiskFullError(f"{path}: the disk is full (or failing); nothing of this change was written")
    if "malformed" in text or "not a database" in text:
        return DamagedProjectError(
            f"{path}: the project file is damaged ({reason}); `exact-desktop check --db {path}` lists the damage"
        )
    return None


@contextmanager
def driver_failures_named(engine: Engine) -> Iterator[None]:
    """The same for statements run on the driver's own cursor, which SQLAlchemy does not see."""
    try:
        yield
    except sqlite3.Error as err:
        named = named_failure(Path(str(engine.url.database)), err)
        if named is None:
            raise
        raise named from None


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")  # takes effect only on a new, empty file
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; never corrupt
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA cache_size=-262144")  # up to 256 MiB of pages, allocated as used
    cursor.execute("PRAGMA mmap_size=1073741824")  # reads map the file: no copy per page
    cursor.close()


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql(conn.info.pop("begin", "BEGIN"))


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A consistent snapshot for several reads."""
    with driver_failures_named(engine), engine.connect() as conn, conn.begin():
        yield conn


def write(engine: Engine, work: Callable[[Connection], T], checkpoint: bool = True) -> T:
    """Run `work` in one write transaction; retried with back-off while the file is busy.

    The whole transaction is retried, never half of it: `work` must do all its writing itself.
    With `checkpoint` false, the commit leaves the WAL as it is (SQLite's automatic checkpoint
    held off for this one commit): whoever asks for that checkpoints later (`checkpoint_passive`).
    """
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with (
                driver_failures_named(engine),
                engine.connect() as conn,
                _autocheckpoint_held_off(conn, not checkpoint),
            ):
                conn.info["begin"] = "BEGIN IMMEDIATE"
                with conn.begin():
                    return work(conn)
        except (OperationalError, sqlite3.OperationalError) as err:
            if not _is_busy(err) or attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


@contextmanager
def _autocheckpoint_held_off(conn: Connection, held: bool) -> Iterator[None]:
    """The connection's automatic checkpoint off while inside, put back as it was after."""
    if not held:
        yield
        return
    raw = cast(sqlite3.Connection, conn.connection.driver_connection)
    (pages,) = raw.execute("PRAGMA wal_autocheckpoint").fetchone()
    raw.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        with contextlib.suppress(sqlite3.ProgrammingError):  # closed under it (Ctrl+C at the commit): see what ended it
            raw.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")


def checkpoint_passive(engine: Engine) -> None:
    """Copy what the WAL holds into the file as far as no reader needs it (PASSIVE: waits for
    no one, and what it leaves the next automatic checkpoint does). Durability does not hang on
    it: a commit in the WAL survives a crash of the process either way."""
    with engine.connect() as conn:
        cast(sqlite3.Connection, conn.connection.driver_connection).execute("PRAGMA wal_checkpoint(PASSIVE)")


def _is_busy(err: Exception) -> bool:
    text = str(getattr(err, "orig", err)).lower()
    return "locked" in text or "busy" in text
