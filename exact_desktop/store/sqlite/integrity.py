"""SQLite's own check of a project file, on demand: `PRAGMA integrity_check` reads every page.

Too slow for each opening of a large project, so the store names a damaged file when a read
meets damage and points at `exact-desktop check`, which runs this.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MAX_FINDINGS = 100


def integrity_findings(path: Path) -> list[str]:
    """What SQLite finds wrong in the file's pages and indexes (read-only); empty when whole."""
    try:
        raw = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        return [f"cannot be opened: {err}"]
    try:
        rows = raw.execute(f"PRAGMA integrity_check({MAX_FINDINGS})").fetchall()
    except sqlite3.DatabaseError as err:  # damage where the check itself must read: nothing more to say
        return [str(err)]
    finally:
        raw.close()
    findings = [str(row[0]) for row in rows]
    return [] if findings == ["ok"] else findings
