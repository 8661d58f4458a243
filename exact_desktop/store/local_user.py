"""The person at this computer as a user of a local project: who made and last edited what.

EXACT stamps every annotation with its author and last editor; a local project does the same
with the login name of the person running the window (found by name, made the first time).
"""

from __future__ import annotations

import getpass

from exact_desktop.model.entities import User, stored_id
from exact_desktop.store.base import Store

FALLBACK_NAME = "local"  # a system that cannot name its user (no passwd entry, no LOGNAME)


def login_name() -> str:
    try:
        return getpass.getuser() or FALLBACK_NAME
    except (KeyError, OSError):
        return FALLBACK_NAME


def local_user(store: Store) -> int:
    """The id of the project's user for this computer's login, made if the project has none yet."""
    name = login_name()
    found = store.list(User, username=name, limit=1)
    return stored_id(found[0]) if found else stored_id(store.create(User(name)))
