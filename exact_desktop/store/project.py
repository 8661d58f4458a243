"""One project = one database file; the default lives in the data folder."""

from __future__ import annotations

from pathlib import Path

from exact_desktop.paths import data_home
from exact_desktop.store.sqlite.store import SqliteStore

DEFAULT_PROJECT_NAME = "local-project.db"


def project_path(db: Path | None = None) -> Path:
    return Path(db) if db else data_home() / "projects" / DEFAULT_PROJECT_NAME


def open_project(db: Path | None = None) -> SqliteStore:
    return SqliteStore(project_path(db))
