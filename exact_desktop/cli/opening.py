"""What every command does first: open the project file it names, or say in one line why not."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store is imported when a command opens one: `--help` stays quick
    from exact_desktop.project.base import Project
    from exact_desktop.store.sqlite.store import SqliteStore


class CommandRefusedError(Exception):
    """The command stops: `main` says the message on one line and exits with status 2."""


def fail(message: str) -> int:
    print(f"exact-desktop: {message}", file=sys.stderr)
    return 2


def opened_store(db: Path | None, *, may_make: bool = False) -> SqliteStore:
    """The project file `db` names (default: the local project). Only with `may_make` is a missing
    file made: a mistyped --db is refused, never a new empty project."""
    from exact_desktop.store.base import StoreError
    from exact_desktop.store.project import open_existing_store, open_store

    try:
        return open_store(db) if may_make else open_existing_store(db)
    except StoreError as err:
        raise CommandRefusedError(str(err)) from None


def opened_project(db: Path | None, *, may_make: bool = False, image_set: int | None = None) -> Project:
    """As `opened_store`, opened as the kind of project its file says (project/opening.py)."""
    from exact_desktop.project.opening import open_project
    from exact_desktop.store.base import StoreError

    try:
        return open_project(db, image_set, may_make=may_make)
    except StoreError as err:
        raise CommandRefusedError(str(err)) from None
