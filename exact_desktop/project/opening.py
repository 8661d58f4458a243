"""A project file opened as what it is: the sync ledger of a server's mirror names the server
and the image sets it mirrors (migration 0007), so the kind needs no field of its own and a
mirror reopened from anywhere (`exact-desktop open`, the last project, `--db`) is one again."""

from __future__ import annotations

from pathlib import Path

from exact_desktop.model.entities import ImageSet
from exact_desktop.project.base import Project
from exact_desktop.project.exact import ExactProject
from exact_desktop.project.local import LocalProject
from exact_desktop.rest.connection import Connection, tls_verified
from exact_desktop.store.base import NotFoundError
from exact_desktop.store.credentials import CredentialsError, credentials_for
from exact_desktop.store.project import open_existing_store, open_store
from exact_desktop.store.sqlite.store import SqliteStore
from exact_desktop.store.sqlite.sync_ledger import SyncLedger
from exact_desktop.sync.exact_mirror import ExactMirror


def open_project(db: Path | None, image_set: int | None = None, *, may_make: bool = False) -> Project:
    """The project file `db` names (default: the local project); only with `may_make` is a
    missing one made. StoreError names a file that cannot be a project."""
    store = open_store(db) if may_make else open_existing_store(db)
    return project_of(store, image_set)


def project_of(store: SqliteStore, image_set: int | None = None) -> Project:
    """What the image set shown is: the mirror of the server its ledger names when that set
    mirrors one, else local. Without `image_set`, the file's first set decides: a local project
    that once took a `sync pull` into it stays a local project, its synced set beside its own."""
    mirrors = SyncLedger(store).mirrors()
    if not mirrors:
        return LocalProject(store)
    shown = image_set if image_set is not None else _first_image_set(store)
    mirror = next((m for m in mirrors if m.image_set == shown), None)
    if mirror is None:
        return LocalProject(store)
    return ExactProject(ExactMirror(_connection(mirror.server), mirror.remote_id, store=store))


def _first_image_set(store: SqliteStore) -> int | None:
    found = store.list(ImageSet, limit=1)
    return found[0].id if found else None


def image_set_to_show(project: Project, remembered: int | None) -> int | None:
    """The image set shown last while the project still has it, else the project's first (the
    remembered one may have been deleted, or the file replaced by another project)."""
    if remembered is not None:
        try:
            project.store.get(ImageSet, remembered)
        except NotFoundError:
            pass
        else:
            return remembered
    return project.first_image_set()


def _connection(url: str) -> Connection:
    """With the credentials a login kept (or the environment's); without any, a sync says the
    server refused it and what to do, and the project still opens."""
    try:
        credentials = credentials_for(url)
    except CredentialsError:
        return Connection(url, verify=tls_verified())
    return Connection(credentials.url, credentials.token, credentials.user, credentials.password, tls_verified())
