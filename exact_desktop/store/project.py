"""One project = one database file; the default lives in the data folder.

`open_store` is where every command and the window open a project file, so it is where a file
that cannot be a project is refused, by name and with the reason, before SQLite sees it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from exact_desktop.paths import data_home
from exact_desktop.store.base import StoreError
from exact_desktop.store.sqlite.store import SqliteStore

PROJECT_SUFFIX = ".db"
DEFAULT_PROJECT_NAME = f"local-project{PROJECT_SUFFIX}"
SQLITE_HEADER = b"SQLite format 3\x00"


def project_path(db: Path | None = None) -> Path:
    return Path(db) if db else data_home() / "projects" / DEFAULT_PROJECT_NAME


def check_project_file(path: Path) -> None:
    """StoreError naming the file unless it is, or can become, a writable project file."""
    if path.exists() or path.is_dir():
        check_existing_project_file(path)
        if not os.access(path, os.W_OK):
            raise StoreError(f"{path}: is read-only; exact-desktop writes every edit to its project at once")
    folder = path.parent if path.parent != Path("") else Path(".")
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as err:
            raise StoreError(f"{path}: cannot make its folder ({err.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"{path}: its folder {folder} is read-only (SQLite keeps its journal beside the file)")


def check_existing_project_file(path: Path) -> None:
    """StoreError naming the file unless it exists and is a regular file that SQLite wrote."""
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a project file")
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    if not path.is_file():
        raise StoreError(f"{path}: is not a regular file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as err:
        raise StoreError(f"{path}: cannot be read ({err.strerror or err})") from None
    if not header:  # SQLite would make a new project over it: a project emptied by a fault is not made over
        raise StoreError(f"{path}: is empty (0 bytes), not a project; left as it is (a new project needs a new name)")
    if header != SQLITE_HEADER:
        raise StoreError(f"{path}: is not an exact-desktop project (not an SQLite database file)")


def is_project_file(path: Path) -> bool:
    """Whether `exact-desktop open PATH` opens a project rather than a slide: a file SQLite wrote,
    or one named as a project is (`.db`), which is then refused by name if it cannot be one."""
    return path.suffix.lower() == PROJECT_SUFFIX or is_sqlite_file(path)


def is_sqlite_file(path: Path) -> bool:
    """Whether `path` is a regular file that SQLite wrote (a project file, not a slide); a FIFO
    or a device is not opened (reading one would wait for ever)."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def open_store(db: Path | None = None) -> SqliteStore:
    """The project file, made (with its folders) when it does not exist: for `demo` and `open`."""
    path = project_path(db)
    check_project_file(path)
    try:
        return SqliteStore(path)
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", err)).splitlines()[0]
        raise StoreError(f"{path}: cannot be opened as a project ({reason})") from None


def open_existing_store(db: Path | None = None) -> SqliteStore:
    """A project that must exist already: a mistyped path is refused by name instead of becoming
    a new empty project (and folders) that the command then reads or writes."""
    path = project_path(db)
    if not path.exists():
        if db is None:
            raise StoreError(f"{path}: no project yet; `exact-desktop demo` or `exact-desktop open SLIDES` makes it")
        raise StoreError(f"{path}: no such project file (check the path; `exact-desktop demo --db FILE` makes one)")
    return open_store(path)
