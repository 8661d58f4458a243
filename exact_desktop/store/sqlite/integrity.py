"""SQLite's own check of a project file, on demand: `PRAGMA integrity_check` reads every page.

Too slow for each opening of a large project, so the store names a damaged file when a read
meets damage and points at `exact-desktop check`, which runs this.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from exact_desktop.store.sqlite.schema import head_revision, missing_tables

MAX_FINDINGS = 100


def integrity_findings(path: Path) -> list[str]:
    """What SQLite finds wrong in the file's pages and indexes (read-only); empty when whole."""
    try:
        raw = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        return [f"cannot be opened: {err}"]
    try:
        rows = raw.execute(f"PRAGMA integrity_check({MAX_FINDINGS})").fetchall()
        findings = [str(row[0]) for row in rows]
        if findings == ["ok"]:
            return [f"table {name} is missing" for name in _missing_tables(raw)]
    except sqlite3.DatabaseError as err:  # damage where the check itself must read: nothing more to say
        return [str(err)]
    finally:
        raw.close()
    return findings


def _missing_tables(raw: sqlite3.Connection) -> list[str]:
    """The tables of the newest schema that a file at that schema lacks (dropped outside
    exact-desktop; pages whole, so SQLite's check passes). An older file gets them when it opens."""
    present = [row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if "alembic_version" not in present:
        return []
    version = raw.execute("SELECT version_num FROM alembic_version").fetchone()
    return missing_tables(present) if version is not None and version[0] == head_revision() else []
