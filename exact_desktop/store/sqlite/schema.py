"""Schema versions: every file is brought to the newest schema this release knows, or refused.

Alembic's scripts live in `migrations/`; the revision a file is at is in `alembic_version`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from exact_desktop.store.base import DamagedProjectError, SchemaTooNewError
from exact_desktop.store.sqlite.tables import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, path: Path, target: str = "head") -> None:
    """Migrate to `target` (all steps in one write transaction), refusing newer files."""
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    current = current_revision(engine)
    if current is not None and current not in known:
        raise SchemaTooNewError(
            f"'{path}' was written by a newer exact-desktop (schema {current}); this version "
            f"knows schemas up to {head_revision()}. Update exact-desktop to open it."
        )
    command.upgrade(alembic_config(engine), target)
    engine.dispose()  # the migration ran with foreign keys off: later work gets fresh connections
    if target == "head":
        _refuse_missing_tables(engine, path)


def _refuse_missing_tables(engine: Engine, path: Path) -> None:
    """A table dropped outside exact-desktop is damage SQLite's integrity check does not see: named
    at open, before a window or command fails on it half-way (one query of the schema)."""
    missing = missing_tables(inspect(engine).get_table_names())
    if missing:
        raise DamagedProjectError(
            f"{path}: the project file is damaged: its table {', '.join(missing)} is missing "
            "(changed outside exact-desktop); open a copy kept from before"
        )


def missing_tables(present: Iterable[str]) -> list[str]:
    """The newest schema's tables not among `present`."""
    return sorted(set(metadata.tables) - set(present))
